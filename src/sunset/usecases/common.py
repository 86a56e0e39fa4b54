"""What every use case shares: the scope check on a line, and the audit of a write."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import NotFoundError
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.lines import service as lines
from sunset.lines.models import Line


def not_found(number: str) -> NotFoundError:
    """Return the one answer for a number that does not exist and one the actor may not see."""
    return NotFoundError(f"no live line has the number {number}")


def scoped_line(
    session: Session,
    actor: Actor,
    *,
    number: str,
    permission: Permission = Permission.READ_LINES,
    lock: bool = False,
) -> Line:
    """Return a live line the actor may act on; another operator's line is not found."""
    access.require(actor, permission)
    try:
        line = lines.get_live_or_raise(session, number=number, lock=lock)
    except NotFoundError:
        raise not_found(number) from None
    if not actor.sees(line.operator_code):
        raise not_found(display(line.number))
    return line


def line_state(line: Line) -> dict[str, Any]:
    """Return what an audit entry records of a line before and after a change."""
    return {
        "number": display(line.number),
        "status": line.status,
        "suspension_reason": line.suspension_reason,
        "balance_yuan": format_yuan(line.balance_fen),
    }


def audit(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target: str,
    before: Any,
    after: Any,
    now: datetime,
) -> None:
    """Record a write in the audit log."""
    access.audit(
        session, actor=actor, action=action, target=target, before=before, after=after, now=now
    )


def moment(today: date, now: datetime) -> datetime:
    """Return the time of day of ``now`` on the business day ``today``."""
    return datetime.combine(today, now.time()).replace(microsecond=0)
