"""The number database at the counter: which operator serves a number at a moment.

Scope: any staff account may look up any number, of any operator. The number database is the
registry every operator shares to route calls (each must know where a ported number went), so a
route reveals no more than a call to the number would: no customer, no balance, no state.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.kit.moments import Moment
from sunset.routing import service as routing


class RouteView(BaseModel):
    """Who serves a number at a moment (UTC+8), and whether calls also ring elsewhere then."""

    number: str = Field(description="E.164")
    at: Moment
    assigned: bool
    operator_code: str | None
    network_code: str | None
    routing_number: str | None
    ported: bool
    source: str | None
    valid_from: Moment | None
    forward_to: str | None
    forward_until: Moment | None
    note: str | None = Field(description="Why an unassigned number is unassigned")


def route(session: Session, actor: Actor, *, number: str, at: datetime) -> RouteView:
    """Answer which operator and network serve ``number`` at ``at``."""
    access.require(actor, Permission.READ_LINES)
    found = routing.route(session, number=number, at=at)
    return RouteView(at=at, **asdict(found))
