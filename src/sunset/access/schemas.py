"""Shapes of accounts and audit entries as users see them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class UserView(BaseModel):
    """An account without its secrets."""

    name: str
    role: str
    operator: str | None
    active: bool


class AuditView(BaseModel):
    """One write in the audit log."""

    id: int
    at: datetime = Field(description="When it was written (UTC)")
    business_day: date = Field(description="The day the services took it to be")
    user: str
    operator: str | None
    action: str
    target: str
    before: Any
    after: Any
    amount_fen: int | None = Field(
        default=None, description="Money this write moved by the person's decision, in fen"
    )
