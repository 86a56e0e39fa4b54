"""What the rules of offers and porting need to know about one line: plain values, no session."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class LineFacts:
    """One line as eligibility rules see it."""

    line_id: int
    number: str
    area_code: str
    operator_code: str
    network_code: str
    customer_ref: str
    status: str
    suspension_reason: str | None
    activated_on: date
    owner_changed_on: date | None
    last_ported_on: date | None
    unpaid_bills: int
    commitment_until: date | None
    real_name: bool
    prepaid: bool
    monthly_fee_fen: int
    balance_fen: int

    def record(self) -> dict[str, Any]:
        """Return the facts as a field -> value mapping (what predicates evaluate)."""
        return asdict(self)


FACT_FIELDS = tuple(LineFacts.__dataclass_fields__)
