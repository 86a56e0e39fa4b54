"""Lines: look up, search, money, offers and porting checks, and the operations on a line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.kit.money import parse_yuan
from sunset.lines.vocabulary import LineStatus, SuspensionReason, Vulnerability
from sunset.offers.schemas import MigrationView, OfferView
from sunset.usecases import lines as desk
from sunset.usecases import operations
from sunset.usecases.operations import LineOutcome, MigrationRequest, NewLine
from sunset.usecases.schemas import LedgerRow, LinePage, LineView, PortTargetCheck

router = APIRouter(prefix="/lines", tags=["lines"], responses=REFUSALS)

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="The same key twice is applied once: retry safely with the same key.",
    ),
]
Yuan = Annotated[str, Field(pattern=r"^\d{1,9}(\.\d{1,2})?$", examples=["50", "49.90"])]


class Outcome(BaseModel):
    """What an operation left on the line."""

    refused: bool = False
    number: str
    status: str
    balance_yuan: str
    message: str
    replayed: bool
    approval: int | None = Field(
        default=None,
        description="Held for a second person's approval (202): nothing is applied until then",
    )


def _outcome(done: LineOutcome, response: Response | None = None) -> Outcome:
    if done.approval is not None and response is not None:
        response.status_code = 202
    return Outcome(
        number=done.number,
        status=done.status,
        balance_yuan=done.balance,
        message=done.message,
        replayed=done.replayed,
        approval=done.approval,
    )


@router.get("", response_model=LinePage)
def search(
    session: DB,
    actor: ActorDep,
    number: Annotated[str | None, Query(description="Start of the number, e.g. 0551-62")] = None,
    area_code: Annotated[str | None, Query(max_length=5)] = None,
    operator: Annotated[str | None, Query(max_length=32)] = None,
    status: LineStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=desk.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> LinePage:
    """Search live lines in number order; staff see their own operator's only."""
    return desk.search(
        session,
        actor,
        number_prefix=number,
        area_code=area_code,
        operator=operator,
        status=status.value if status else None,
        limit=limit,
        offset=offset,
    )


@router.get("/{number}", response_model=LineView)
async def get_line(number: str, session: DB, actor: ActorDep, clock: ClockDep) -> LineView:
    """Return one live line and its region's phase today."""
    return desk.get_line(session, actor, number=number, today=clock.today())


@router.get("/{number}/ledger", response_model=list[LedgerRow])
def ledger(
    number: str,
    session: DB,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=desk.MAX_PAGE)] = 50,
) -> list[LedgerRow]:
    """Return the line's latest movements of money, newest first."""
    return desk.ledger(session, actor, number=number, limit=limit)


@router.get("/{number}/offers", response_model=list[OfferView])
def offers(number: str, session: DB, actor: ActorDep, clock: ClockDep) -> list[OfferView]:
    """Return every migration offer for the line, with each condition it fails."""
    return desk.offers_for(session, actor, number=number, today=clock.today())


@router.get("/{number}/porting-check", response_model=list[PortTargetCheck])
def porting_check(
    number: str,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    to: Annotated[str | None, Query(description="operator or operator/network")] = None,
) -> list[PortTargetCheck]:
    """Say whether the line may port to each other operator now, with every reason."""
    return desk.port_checks(session, actor, number=number, now=clock.now(), to=to)


class NewLineIn(BaseModel):
    """A line to open."""

    number: str = Field(max_length=32)
    operator: str = Field(max_length=32)
    network: str = Field(default="phs", max_length=32)
    area_code: str = Field(max_length=5)
    customer_id: str = Field(min_length=1, max_length=64)
    customer_name: str | None = Field(default=None, max_length=200)
    real_name: bool = True
    prepaid: bool = True
    monthly_fee_yuan: Yuan = "0"
    vulnerable: Vulnerability = Vulnerability.NONE


@router.post("", response_model=Outcome, status_code=201)
def activate(body: NewLineIn, session: DB, actor: ActorDep, clock: ClockDep) -> Outcome:
    """Open a new line; refused (409) from the region's no-new-sales phase on."""
    new = NewLine(
        number=body.number,
        operator=body.operator,
        network=body.network,
        area_code=body.area_code,
        customer_ref=body.customer_id,
        real_name=body.real_name,
        monthly_fee_fen=parse_yuan(body.monthly_fee_yuan, field="monthly_fee_yuan"),
        prepaid=body.prepaid,
        customer_name=body.customer_name,
        vulnerable=body.vulnerable.value,
    )
    done = operations.activate(session, actor, new=new, today=clock.today(), now=clock.now())
    return _outcome(done)


class TopUpIn(BaseModel):
    """Money to add."""

    amount_yuan: Yuan


@router.post("/{number}/top-up", response_model=Outcome, responses={202: {"model": Outcome}})
def top_up(
    number: str,
    body: TopUpIn,
    key: IdempotencyKey,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> Outcome:
    """Top up the line; refused (409, TOPUP_REFUSED_PHASE) once its region refuses top-ups;
    above the account's limit, held for approval (202)."""
    done = operations.top_up(
        session,
        actor,
        number=number,
        amount_fen=parse_yuan(body.amount_yuan, field="amount_yuan"),
        key=key,
        today=clock.today(),
        now=clock.now(),
    )
    return _outcome(done, response)


class SuspendIn(BaseModel):
    """Why the line is suspended."""

    reason: SuspensionReason


@router.post("/{number}/suspend", response_model=Outcome)
def suspend(number: str, body: SuspendIn, session: DB, actor: ActorDep, clock: ClockDep) -> Outcome:
    """Suspend the line for a reason."""
    done = operations.suspend(
        session, actor, number=number, reason=body.reason, today=clock.today(), now=clock.now()
    )
    return _outcome(done)


@router.post("/{number}/resume", response_model=Outcome)
def resume(number: str, session: DB, actor: ActorDep, clock: ClockDep) -> Outcome:
    """Resume a suspended line; refused if the reason holds or the network is off."""
    return _outcome(
        operations.resume(session, actor, number=number, today=clock.today(), now=clock.now())
    )


@router.post("/{number}/terminate", response_model=Outcome, responses={202: {"model": Outcome}})
def terminate(
    number: str,
    key: IdempotencyKey,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> Outcome:
    """Close the line: its balance becomes a refund, its number rests in quarantine; a refund
    above the account's limit is held for approval (202)."""
    done = operations.terminate(
        session, actor, number=number, key=key, today=clock.today(), now=clock.now()
    )
    return _outcome(done, response)


class MigrateIn(BaseModel):
    """The offer to migrate under."""

    offer_id: str = Field(max_length=100)
    plan_yuan: Yuan | None = None
    new_number: str | None = Field(default=None, max_length=32)


@router.post("/{number}/migrate", response_model=MigrationView)
def migrate(
    number: str,
    body: MigrateIn,
    key: IdempotencyKey,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
) -> MigrationView:
    """Migrate the line under an offer: balance moved, number kept where the offer does."""
    request = MigrationRequest(
        number=number,
        offer_id=body.offer_id,
        key=key,
        plan_yuan=body.plan_yuan,
        new_number=body.new_number,
    )
    return operations.migrate(session, actor, request=request, today=clock.today(), now=clock.now())
