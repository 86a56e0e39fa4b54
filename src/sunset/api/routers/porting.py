"""Porting (携号转网): check, request, authorise, validate, cancel; the queue, log and figures.

A request belongs to the donor (the operator the number leaves): staff of another operator get
404 for it, as for a number with no line.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.usecases import porting as desk
from sunset.usecases.porting import (
    BalanceHandling,
    PairMonth,
    PortOutcomeOut,
    PortQueue,
    PortRequestOut,
    PortState,
)
from sunset.usecases.schemas import PortTargetCheck

from .fields import Limit, NumberPath, Offset, Operator, OperatorQuery, Plain

router = APIRouter(prefix="/porting", tags=["porting"], responses=REFUSALS)


@router.get("/check/{number}", response_model=PortTargetCheck)
def check(
    number: NumberPath,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    to: OperatorQuery,
) -> PortTargetCheck:
    """Say whether the number may port to ``to`` now, with every reason it may not."""
    return desk.check(session, actor, number=number, to=to, now=clock.now())


class PortRequestIn(BaseModel):
    """A customer's request to port, as the donor takes it."""

    number: str = Field(min_length=1, max_length=32)
    to: Operator
    name: Plain | None = Field(default=None, max_length=200)
    id_number: Plain | None = Field(default=None, max_length=32)
    balance: BalanceHandling = BalanceHandling.REFUND


@router.post("/requests", response_model=PortOutcomeOut, status_code=201)
def request(body: PortRequestIn, session: DB, actor: ActorDep, clock: ClockDep) -> PortOutcomeOut:
    """Ask to port: the answer carries the one-time 6-digit authorisation code (valid 60
    minutes), or ``refused`` with every reason (the refused request is recorded too)."""
    return desk.request(
        session,
        actor,
        number=body.number,
        to=body.to,
        now=clock.now(),
        name=body.name,
        id_number=body.id_number,
        balance=body.balance,
    )


class AuthoriseIn(BaseModel):
    """The code the customer brings to the recipient."""

    code: str = Field(pattern=r"^\s*\d{6}\s*$", examples=["123456"])


@router.post("/requests/{number}/authorise", response_model=PortOutcomeOut)
def authorise(
    number: NumberPath, body: AuthoriseIn, session: DB, actor: ActorDep, clock: ClockDep
) -> PortOutcomeOut:
    """Present the authorisation code; refused (409) when wrong or expired."""
    return desk.authorise(session, actor, number=number, code=body.code, now=clock.now())


class ValidateIn(BaseModel):
    """The donor's decision: accept (from the rules), or reject on a ground of the catalogue."""

    decision: Literal["accept", "reject"] = "accept"
    reason: str | None = Field(
        default=None, pattern=r"^[A-Z_]{1,64}$", description="A ground code, to reject"
    )
    note: Plain | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _reason_with_rejection(self) -> ValidateIn:
        if self.decision == "reject" and self.reason is None:
            raise ValueError("a rejection needs its reason (a ground code of the catalogue)")
        return self


@router.post("/requests/{number}/validate", response_model=PortOutcomeOut)
def validate(
    number: NumberPath, body: ValidateIn, session: DB, actor: ActorDep, clock: ClockDep
) -> PortOutcomeOut:
    """Validate an authorised request (scheduled at the next slot), or reject it; a rejection on
    a ground that did not hold at the check is refused as obstruction and logged."""
    return desk.validate(
        session,
        actor,
        number=number,
        now=clock.now(),
        reject=body.reason if body.decision == "reject" else None,
        note=body.note,
    )


class CancelIn(BaseModel):
    """Why the request is cancelled."""

    note: Plain | None = Field(default=None, max_length=500)


@router.post("/requests/{number}/cancel", response_model=PortOutcomeOut)
def cancel(
    number: NumberPath,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    body: CancelIn | None = None,
) -> PortOutcomeOut:
    """Cancel the number's open request before it completes."""
    note = body.note if body else None
    return desk.cancel(session, actor, number=number, now=clock.now(), note=note)


@router.get("/log/{number}", response_model=list[PortRequestOut])
def log(number: NumberPath, session: DB, actor: ActorDep) -> list[PortRequestOut]:
    """Return every port request of the number, each transition with when, who and why."""
    return desk.log(session, actor, number=number)


@router.get("/queue", response_model=PortQueue)
def queue(
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    state: PortState | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PortQueue:
    """Return open requests, oldest first, late ones flagged ``overdue``."""
    return desk.queue(session, actor, now=clock.now(), state=state, limit=limit, offset=offset)


@router.get("/overdue", response_model=list[PortRequestOut])
def overdue(session: DB, actor: ActorDep, clock: ClockDep) -> list[PortRequestOut]:
    """Return authorised requests the donor has not validated in time."""
    return desk.overdue(session, actor, now=clock.now())


@router.get("/stats", response_model=list[PairMonth])
def stats(session: DB, actor: ActorDep) -> list[PairMonth]:
    """Count ports by month and operator pair: requested, completed, rejected by reason."""
    return desk.stats(session, actor)
