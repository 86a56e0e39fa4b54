"""Complaints: open one, the queue with deadlines, overdue ones, the report, move one on.

A complaint belongs to the operator of its line: staff of another operator get 404 for it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.kit.money import parse_yuan
from sunset.usecases import care as desk
from sunset.usecases.care import (
    ComplaintCount,
    ComplaintKind,
    ComplaintMoved,
    ComplaintPage,
    ComplaintStatus,
    ComplaintView,
)

from .fields import AreaQuery, Limit, Offset, Plain
from .lines import IdempotencyKey, Yuan

router = APIRouter(prefix="/complaints", tags=["complaints"], responses=REFUSALS)
IdPath = Annotated[int, Path(ge=1, le=2**53)]


class ComplaintIn(BaseModel):
    """A complaint in the customer's words."""

    number: str = Field(min_length=1, max_length=32)
    kind: ComplaintKind
    text: Plain = Field(min_length=1, max_length=2000)


@router.post("", response_model=ComplaintView, status_code=201)
def open_complaint(
    body: ComplaintIn, session: DB, actor: ActorDep, clock: ClockDep
) -> ComplaintView:
    """Open a complaint; one of being charged without service is checked against the home
    site's history at once and, when true, credited and resolved."""
    return desk.open_complaint(
        session,
        actor,
        number=body.number,
        kind=body.kind,
        text=body.text,
        today=clock.today(),
        now=clock.now(),
    )


@router.get("", response_model=ComplaintPage)
def list_complaints(
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    status: ComplaintStatus | None = None,
    kind: ComplaintKind | None = None,
    area_code: AreaQuery = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ComplaintPage:
    """Return complaints, pending ones by deadline first; ``overdue`` marks late ones."""
    return desk.list_complaints(
        session,
        actor,
        today=clock.today(),
        status=status,
        kind=kind,
        area_code=area_code,
        limit=limit,
        offset=offset,
    )


@router.get("/overdue", response_model=list[ComplaintView])
def overdue(session: DB, actor: ActorDep, clock: ClockDep) -> list[ComplaintView]:
    """Return pending complaints past their deadline."""
    return desk.overdue(session, actor, today=clock.today())


@router.get("/report", response_model=list[ComplaintCount])
def report(session: DB, actor: ActorDep) -> list[ComplaintCount]:
    """Count complaints by month, region and kind, with the pending ones."""
    return desk.report(session, actor)


@router.get("/{complaint_id}", response_model=ComplaintView)
def get_complaint(
    complaint_id: IdPath, session: DB, actor: ActorDep, clock: ClockDep
) -> ComplaintView:
    """Return one complaint."""
    return desk.get(session, actor, complaint_id=complaint_id, today=clock.today())


class MoveIn(BaseModel):
    """Where the complaint goes, why, and the credit given when it is resolved."""

    status: ComplaintStatus
    note: Plain | None = Field(default=None, max_length=500)
    credit_yuan: Yuan | None = None


@router.post(
    "/{complaint_id}/move",
    response_model=ComplaintMoved,
    responses={202: {"model": ComplaintMoved}},
)
def move(
    complaint_id: IdPath,
    body: MoveIn,
    key: IdempotencyKey,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> ComplaintMoved:
    """Move the complaint on (investigating, resolved, rejected); a credit is posted to the
    line once; above the account's limit it is held for approval (202, nothing moved yet). The
    same Idempotency-Key again answers the first move (``replayed``)."""
    credit = 0 if body.credit_yuan is None else parse_yuan(body.credit_yuan, field="credit_yuan")
    done = desk.move(
        session,
        actor,
        complaint_id=complaint_id,
        status=body.status,
        key=key,
        today=clock.today(),
        now=clock.now(),
        note=body.note,
        credit_fen=credit,
    )
    if done.approval is not None:
        response.status_code = 202
    return done
