"""Shapes the use cases answer with: lines as a person at the counter sees them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from sunset.plans.schemas import PhaseView
from sunset.porting.schemas import ReasonView


class LineSummary(BaseModel):
    """One line in a list."""

    number: str = Field(description="National format, e.g. 0551-62345678")
    e164: str
    operator: str
    network: str
    area_code: str
    status: str
    suspension_reason: str | None
    balance_yuan: str = Field(description="Decimal yuan, two places")


class LineView(LineSummary):
    """One line with its region's phase today."""

    city: str
    city_zh: str
    monthly_fee_yuan: str
    prepaid: bool
    real_name: bool
    activated_on: date
    commitment_until: date | None
    unpaid_bills: int
    vulnerable: str
    home_site: str | None
    phase: str = Field(description="Phase of the line's region and network today")
    plan: list[PhaseView]
    deadline: date | None


class LedgerRow(BaseModel):
    """One movement of money on a line."""

    date: date
    kind: str
    amount_yuan: str
    reference: str | None


class NoticeRow(BaseModel):
    """One notice a line was sent."""

    phase: str
    channel: str
    sent_on: date


class PortTargetCheck(BaseModel):
    """Whether the line may port to one operator now, with every reason it may not."""

    to: str
    allowed: bool
    reasons: list[ReasonView]
    rule_set: str | None


class LineFile(BaseModel):
    """What the agent's line page shows first (offers and porting follow)."""

    line: LineView
    ledger: list[LedgerRow]
    notices: list[NoticeRow]


class LinePage(BaseModel):
    """A page of lines."""

    items: list[LineSummary]
    limit: int
    offset: int
