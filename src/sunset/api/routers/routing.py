"""The number database: which operator and network serve a number at a moment.

Any staff account may look up any number: the number database is the registry operators share
to route calls, and a route tells no more than a call would (no customer, no balance).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Query

from sunset.errors import InputInvalidError
from sunset.http.deps import DB, ActorDep, ClockDep
from sunset.http.errors import REFUSALS
from sunset.usecases import routing as desk
from sunset.usecases.routing import RouteView

from .fields import NumberPath

router = APIRouter(prefix="/routing", tags=["routing"], responses=REFUSALS)
CHINA = timezone(timedelta(hours=8))


def beijing_time(at: datetime) -> datetime:
    """Return a moment as a naive Beijing time (UTC+8), the number database's clock."""
    if not 1900 <= at.year <= 2200:
        raise InputInvalidError(f"at: {at.isoformat()} is outside 1900-2200")
    return at if at.tzinfo is None else at.astimezone(CHINA).replace(tzinfo=None)


@router.get("/{number}", response_model=RouteView)
def route(
    number: NumberPath,
    session: DB,
    actor: ActorDep,
    clock: ClockDep,
    at: Annotated[
        datetime | None,
        Query(description="ISO moment; without an offset it is Beijing time (UTC+8); default now"),
    ] = None,
) -> RouteView:
    """Tell which operator and network serve the number at the moment, ported or not."""
    moment = clock.now() if at is None else beijing_time(at)
    return desk.route(session, actor, number=number, at=moment)
