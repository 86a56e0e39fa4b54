"""Retirement plans: every member of staff reads them, planners set the dates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.usecases import plans as desk
from sunset.usecases.plans import KEEP, PlanView

router = APIRouter(prefix="/plans", tags=["plans"], responses=REFUSALS)

AreaCode = Annotated[str, Path(pattern=r"^0\d{2,3}$", examples=["0551"])]
NetworkCode = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,32}$", examples=["phs"])]
PHASES = ("announced", "no_new_sales", "topups_refused", "switched_off", "cleared")


@router.get("", response_model=list[PlanView])
def list_plans(
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    network: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[PlanView]:
    """List every plan (of one network) with the phase it is in today."""
    found = desk.list_plans(session, actor, today=clock.today(), network=network)
    return found[offset : offset + limit]


@router.get("/{area_code}/{network}", response_model=PlanView)
def show_plan(
    area_code: AreaCode, network: NetworkCode, session: DB, actor: ActorDep, clock: ClockDep
) -> PlanView:
    """Return one plan and the phase it is in today (no plan yet: every phase undated)."""
    return desk.show_plan(session, actor, area_code=area_code, network=network, today=clock.today())


class PlanIn(BaseModel):
    """Dates to set (ISO, YYYY-MM-DD). A field left out is kept; null removes that phase."""

    model_config = ConfigDict(extra="forbid")

    announced: date | None = None
    no_new_sales: date | None = None
    topups_refused: date | None = None
    switched_off: date | None = None
    cleared: date | None = None
    degrade_on: date | None = Field(
        default=None, description="From this day outgoing calls are barred, emergency excepted"
    )


@router.put("/{area_code}/{network}", response_model=PlanView)
def set_plan(
    area_code: AreaCode,
    network: NetworkCode,
    body: PlanIn,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
) -> PlanView:
    """Set a plan's dates (planners); a plan breaking a rule is refused (409 PLAN_INVALID)."""
    given = body.model_fields_set
    changes = {p: getattr(body, p) for p in PHASES if p in given}
    return desk.set_plan(
        session,
        actor,
        area_code=area_code,
        network=network,
        changes=changes,
        degrade_on=body.degrade_on if "degrade_on" in given else KEEP,
        today=clock.today(),
        now=clock.now(),
    )
