"""The state of the whole base: the status report and the proof of its invariants (`verify`).

Both cover every operator at once (the money totals are kept per local network, not per
operator), so they are for the regulator and national admins, not an operator's staff.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import PermissionDeniedError
from sunset.integrity.rules import Violation
from sunset.integrity.service import verify as prove
from sunset.lines.repository import count_lines
from sunset.status.schemas import StatusReport
from sunset.status.service import status_report

__all__ = ["StatusReport", "Violation"]


def status(session: Session, actor: Actor, *, today: date) -> StatusReport:
    """Return lines by operator, network, local network and status, the money, the bands."""
    access.require(actor, Permission.READ_STATS)
    _every_operator(actor, "the status report")
    return status_report(session, today=today)


def lines_held(session: Session, actor: Actor) -> int:
    """Return how many lines the database holds, of every network and status."""
    access.require(actor, Permission.READ_STATS)
    _every_operator(actor, "the count of lines")
    return count_lines(session)


def verify(session: Session, actor: Actor) -> list[Violation]:
    """Check every invariant of money and numbers; return each violation."""
    access.require(actor, Permission.READ_STATS)
    _every_operator(actor, "verify")
    return prove(session)


def _every_operator(actor: Actor, what: str) -> None:
    if actor.operator is not None:
        raise PermissionDeniedError(
            f"{what} covers every operator: an account of {actor.operator} cannot read it"
        )
