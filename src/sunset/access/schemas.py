"""Shapes of accounts and audit entries as users see them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sunset.kit.times import LocalDateTime


class UserView(BaseModel):
    """An account without its secrets."""

    name: str
    role: str
    operator: str | None
    active: bool


class AuditView(BaseModel):
    """One write in the audit log."""

    id: int
    at: LocalDateTime
    user: str
    operator: str | None
    action: str
    target: str
    before: Any
    after: Any
