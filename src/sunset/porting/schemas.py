"""Porting rule sets as written in YAML, and requests as shown to people."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Direction(BaseModel):
    """Ports allowed from any of ``from_`` to any of ``to`` (operator/network, ``*`` wildcards)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: list[str] = Field(alias="from", min_length=1)
    to: list[str] = Field(min_length=1)

    @field_validator("from_", "to")
    @classmethod
    def _operator_slash_network(cls, value: list[str]) -> list[str]:
        for item in value:
            if item.count("/") != 1:
                raise ValueError(f"{item!r} is not operator/network (use * for any)")
        return value


class RuleSet(BaseModel):
    """The porting rules of some regions over a period."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    regions: list[str] = Field(min_length=1)
    valid_from: date
    valid_until: date | None = None
    same_local_network_only: bool = True
    min_days_since_join_or_port: int = Field(default=120, ge=0)
    directions: list[Direction] = Field(min_length=1)
    barred_ranges: list[str] = []


class ReasonView(BaseModel):
    """Why porting is refused: a stable code from the catalogue and a sentence."""

    code: str
    message: str


class PortCheck(BaseModel):
    """The answer to "may this number port there?"."""

    allowed: bool
    reasons: list[ReasonView]
    rule_set: str | None = None


class PortEventView(BaseModel):
    """One logged transition."""

    at: datetime
    from_state: str | None
    to_state: str
    actor: str
    reason_code: str | None
    note: str | None


class PortRequestView(BaseModel):
    """A port request and where it stands."""

    id: int
    number: str
    donor: str
    recipient: str
    state: str
    rule_set: str
    requested_at: datetime
    auth_expires_at: datetime | None
    scheduled_for: datetime | None
    closed_at: datetime | None
    reason_code: str | None
    balance_handling: str
    balance_moved_yuan: str
    events: list[PortEventView] = []


class PortOutcome(BaseModel):
    """What a porting step did; ``refused`` when a rule said no (recorded nonetheless)."""

    request: PortRequestView
    message: str
    refused: ReasonView | None = None
    reasons: list[ReasonView] = []
    auth_code: str | None = None  # shown once, when the request is made
