"""The shape of the status report (also its JSON)."""

from __future__ import annotations

from pydantic import BaseModel

from sunset.sites.schemas import BandState


class LineGroup(BaseModel):
    """Lines of one operator and network in one local network with one status."""

    area_code: str
    city: str
    network: str
    operator: str
    status: str
    lines: int


class LinesSummary(BaseModel):
    """Counts of lines, in total and by each dimension."""

    total: int
    live: int
    by_status: dict[str, int]
    by_operator: dict[str, int]
    by_network: dict[str, int]
    by_local_network: dict[str, int]
    groups: list[LineGroup]


class MoneySummary(BaseModel):
    """Money totals in yuan (decimal strings); money in is positive, money out negative.

    ``balances`` is the ledger's total, which is the sum of the lines' balances as long as the
    ledger conserves money: `sunset verify` proves that line by line.
    """

    opening_balances: str
    top_ups: str
    charges: str
    credits: str
    refunds: str
    transfers_in: str
    transfers_out: str
    balances: str


class StatusReport(BaseModel):
    """The whole status report."""

    lines: LinesSummary
    money: MoneySummary
    bands: list[BandState]
