"""The public board: notices and comments for anyone (no account needed), moderation for staff.

A comment is a write by a visitor: it is audited like any other, with the rule that decided it.
The review queue is the board's, not an operator's: notices concern a region's network, so
whoever holds MODERATE sees every comment held for review.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.board import service as board
from sunset.board.schemas import CommentView, ModerationAnswer, NoticeView
from sunset.errors import InputInvalidError
from sunset.kit import fields

from .common import audit

__all__ = ["CommentView", "ModerationAnswer", "NoticeView"]

MAX_AUTHOR = 64
MAX_TEXT = 2000
MAX_RELATED = 20
MAX_NOTICES = 10_000


def list_notices(
    session: Session,
    actor: Actor,
    *,
    area_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[NoticeView]:
    """Return the public notices (of one region) by effective date; anyone may read them."""
    if limit < 1 or offset < 0:
        raise InputInvalidError("limit must be at least 1 and offset not negative")
    return board.list_notices(session, area_code=area_code)[offset : offset + limit]


def show_notice(session: Session, actor: Actor, *, notice_id: int, related: int = 5) -> NoticeView:
    """Return a notice with its closest notices and its published comments."""
    if not 0 <= related <= MAX_RELATED:
        raise InputInvalidError(f"related must be between 0 and {MAX_RELATED}")
    return board.show_notice(session, notice_id=notice_id, related=related)


def post_comment(
    session: Session,
    actor: Actor,
    *,
    notice_id: int,
    author: str,
    text: str,
    ip: str | None,
    now: datetime,
) -> ModerationAnswer:
    """Post a comment under a notice: accepted, held for review, or refused with the rule."""
    author = fields.text(author, field="author", limit=MAX_AUTHOR) or (
        actor.name if actor.signed_in else ""
    )
    text = fields.text(text, field="text", limit=MAX_TEXT, multiline=True) or ""
    ip = fields.text(ip, field="ip", limit=64)
    answer = board.post_comment(
        session, notice_id=notice_id, author=author, ip=ip, text=text, now=now
    )
    audit(
        session,
        actor,
        action="comment.post",
        target=f"notice/{notice_id}",
        before=None,
        after={"author": author, "ip": ip, **answer.model_dump()},
        now=now,
    )
    return answer


def review_queue(session: Session, actor: Actor) -> list[CommentView]:
    """Return the comments held for review, oldest first."""
    access.require(actor, Permission.MODERATE)
    return board.review_queue(session)


def decide(
    session: Session,
    actor: Actor,
    *,
    comment_id: int,
    accept: bool,
    now: datetime,
    moderator: str | None = None,
) -> CommentView:
    """Publish or refuse a comment held for review (``moderator``: the name shown, default
    the actor's)."""
    access.require(actor, Permission.MODERATE)
    shown = fields.text(moderator, field="by", limit=MAX_AUTHOR) or actor.name
    done = board.decide(session, comment_id=comment_id, accept=accept, moderator=shown)
    audit(
        session,
        actor,
        action="comment.accept" if accept else "comment.reject",
        target=f"comment/{comment_id}",
        before={"outcome": "review"},
        after={"outcome": done.outcome, "message": done.message},
        now=now,
    )
    return done
