"""Plans as the outside world sees them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class PhaseView(BaseModel):
    """One phase of a plan: its date (if set) and whether it has begun."""

    phase: str
    label: str
    starts_on: date | None
    started: bool


class PlanView(BaseModel):
    """A plan with where it stands today."""

    area_code: str
    city: str
    network: str
    current_phase: str
    phases: list[PhaseView]
    deadline: date | None
    degrade_on: date | None = None  # outgoing calls barred (emergency excepted) from this day
    warnings: list[str] = []
