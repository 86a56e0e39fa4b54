"""Public notices and their comments (no account needed), and the moderators' review queue.

Posting a comment always answers 201 with the board's decision: the comment is recorded in
every case (refused ones count towards the limits), ``outcome`` says whether it is published
(``accepted``), held for a moderator (``review``) or turned away (``refused``, with ``rule``
naming the rule and ``message`` saying why in words). A refusal is an answer, not an error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.usecases import board as desk
from sunset.usecases.board import CommentView, ModerationAnswer, NoticeView

router = APIRouter(tags=["notices"], responses=REFUSALS)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/notices", response_model=list[NoticeView])
def list_notices(
    session: DB,
    actor: ActorDep,
    area_code: Annotated[str | None, Query(max_length=5)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[NoticeView]:
    """List the public notices (of one region) by effective date."""
    return desk.list_notices(session, actor, area_code=area_code, limit=limit, offset=offset)


@router.get("/notices/{notice_id}", response_model=NoticeView)
def show_notice(
    notice_id: Id,
    session: DB,
    actor: ActorDep,
    related: Annotated[int, Query(ge=0, le=desk.MAX_RELATED)] = 5,
) -> NoticeView:
    """Return a notice with its related notices and its published comments."""
    return desk.show_notice(session, actor, notice_id=notice_id, related=related)


class CommentIn(BaseModel):
    """A comment under a notice."""

    author: str = Field(min_length=1, max_length=desk.MAX_AUTHOR)
    text: str = Field(max_length=desk.MAX_TEXT)


@router.post("/notices/{notice_id}/comments", response_model=ModerationAnswer, status_code=201)
def post_comment(
    notice_id: Id,
    body: CommentIn,
    request: Request,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
) -> ModerationAnswer:
    """Post a comment: 201 with outcome accepted, review, or refused (with the rule and why)."""
    return desk.post_comment(
        session,
        actor,
        notice_id=notice_id,
        author=body.author,
        text=body.text,
        ip=request.client.host if request.client else None,
        now=clock.now(),
    )


@router.get("/moderation/queue", response_model=list[CommentView], tags=["moderation"])
def review_queue(session: DB, actor: ActorDep) -> list[CommentView]:
    """List the comments held for review (MODERATE), oldest first."""
    return desk.review_queue(session, actor)


class DecisionIn(BaseModel):
    """A moderator's decision on a held comment."""

    decision: Literal["accept", "reject"]


@router.post("/moderation/{comment_id}", response_model=CommentView, tags=["moderation"])
def decide(
    comment_id: Id, body: DecisionIn, session: DB, actor: ActorDep, clock: ClockDep
) -> CommentView:
    """Publish (accept) or refuse (reject) a comment held for review."""
    return desk.decide(
        session, actor, comment_id=comment_id, accept=body.decision == "accept", now=clock.now()
    )
