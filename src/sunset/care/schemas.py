"""The shapes of complaint answers (also their JSON)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class ComplaintView(BaseModel):
    """A complaint as an agent sees it."""

    id: int
    number: str
    area_code: str
    kind: str
    text: str
    status: str
    opened_on: date
    due_on: date
    closed_on: date | None
    resolution: str | None
    credit: str
    overdue: bool


class ComplaintCount(BaseModel):
    """How many complaints of a kind a region had in a month, and how many are still pending."""

    month: str
    area_code: str
    kind: str
    complaints: int
    pending: int
