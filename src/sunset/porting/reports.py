"""What the porting records show: a number's log, overdue requests, the regulator's figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.porting import repository
from sunset.porting.models import PortRequest
from sunset.porting.schemas import PortEventView, PortOutcome, PortRequestView, ReasonView
from sunset.porting.vocabulary import PortState


def view(session: Session, req: PortRequest, *, with_events: bool = True) -> PortRequestView:
    """Return a request as people see it, with its log when asked."""
    events = repository.events_of(session, req) if with_events else []
    return PortRequestView(
        id=req.id,
        number=display(req.number),
        donor=f"{req.donor_operator}/{req.donor_network}",
        recipient=f"{req.recipient_operator}/{req.recipient_network}",
        state=req.state,
        rule_set=req.rule_set,
        requested_at=req.requested_at,
        auth_expires_at=req.auth_expires_at,
        scheduled_for=req.scheduled_for,
        closed_at=req.closed_at,
        reason_code=req.reason_code,
        balance_handling=req.balance_handling,
        balance_moved_yuan=format_yuan(req.balance_moved_fen),
        events=[
            PortEventView(
                at=e.at,
                from_state=e.from_state,
                to_state=e.to_state,
                actor=e.actor,
                reason_code=e.reason_code,
                note=e.note,
            )
            for e in events
        ],
    )


def log(session: Session, *, number: str) -> list[PortRequestView]:
    """Return every port request of a number with each logged transition."""
    return [view(session, req) for req in repository.requests_of(session, number=number)]


def overdue(
    session: Session, *, now: datetime, hours: int, donor_operator: str | None = None
) -> list[PortRequestView]:
    """Return authorised requests the donor has not validated within ``hours`` (the regulator's
    overdue list), of one donor operator when given."""
    late = repository.in_state(
        session,
        PortState.AUTHORISED,
        before=now - timedelta(hours=hours),
        field="authorised_at",
        donor_operator=donor_operator,
    )
    return [view(session, req, with_events=False) for req in late]


class PairMonth(BaseModel):
    """Ports of one month between one donor and one recipient operator."""

    month: str
    donor: str
    recipient: str
    requested: int
    completed: int
    rejected: int
    cancelled: int
    rejected_by_reason: dict[str, int]
    median_hours_to_complete: float | None


def stats(session: Session, *, operator: str | None = None) -> list[PairMonth]:
    """Count ports by month requested and operator pair: requested, completed, rejected by
    reason, cancelled, and the median time from request to completion (of the pairs one
    operator is in, when given)."""
    frame = pl.DataFrame(
        repository.stats_rows(session, operator=operator),
        # Typed: with every request still open, closed_at is all nulls and must stay datetime.
        schema={
            "requested_at": pl.Datetime,
            "closed_at": pl.Datetime,
            "state": pl.String,
            "reason": pl.String,
            "donor": pl.String,
            "recipient": pl.String,
        },
        orient="row",
    )
    if frame.is_empty():
        return []
    frame = frame.with_columns(
        month=pl.col("requested_at").dt.strftime("%Y-%m"),
        hours=(pl.col("closed_at") - pl.col("requested_at")).dt.total_seconds() / 3600,
    )
    return [_pair_month(frame, key) for key in _keys(frame)]


def _keys(frame: pl.DataFrame) -> list[tuple[str, str, str]]:
    keys = (
        frame.select("month", "donor", "recipient").unique().sort(["month", "donor", "recipient"])
    )
    return [(r[0], r[1], r[2]) for r in keys.iter_rows()]


def _pair_month(frame: pl.DataFrame, key: tuple[str, str, str]) -> PairMonth:
    month, donor, recipient = key
    part = frame.filter(
        (pl.col("month") == month) & (pl.col("donor") == donor) & (pl.col("recipient") == recipient)
    )
    states = part.get_column("state")
    rejected = part.filter(pl.col("state") == PortState.REJECTED.value)
    reasons = rejected.group_by("reason").len().sort("reason")
    completed = part.filter(pl.col("state") == PortState.COMPLETED.value)
    median = completed.get_column("hours").median() if completed.height else None
    return PairMonth(
        month=month,
        donor=donor,
        recipient=recipient,
        requested=part.height,
        completed=int((states == PortState.COMPLETED.value).sum()),
        rejected=rejected.height,
        cancelled=int((states == PortState.CANCELLED.value).sum()),
        rejected_by_reason={str(r): int(n) for r, n in reasons.iter_rows()},
        median_hours_to_complete=None if median is None else round(float(median), 2),  # type: ignore[arg-type]
    )


def outcome(
    session: Session,
    req: PortRequest,
    message: str,
    *,
    refused: ReasonView | None = None,
    reasons: list[ReasonView] | None = None,
    auth_code: str | None = None,
) -> PortOutcome:
    """Return what a porting step did, with the request as it now stands."""
    return PortOutcome(
        request=view(session, req, with_events=False),
        message=message,
        refused=refused,
        reasons=reasons or ([refused] if refused else []),
        auth_code=auth_code,
    )
