"""What a run of the cycle did, by month and local network."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date


@dataclass
class AreaMonth:
    """What the cycle did in one local network in one month."""

    charges: int = 0
    suspended: int = 0
    switched_off: int = 0
    refunds: int = 0
    refunded_fen: int = 0
    released: int = 0
    barred: int = 0
    credits: int = 0
    live_at_end: int | None = None


@dataclass
class CycleReport:
    """What a run did, by month then by area code."""

    months: dict[str, dict[str, AreaMonth]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(AreaMonth))
    )
    days_committed: int = 0

    def at(self, day: date, area_code: str) -> AreaMonth:
        """Return the counters of ``area_code`` in ``day``'s month."""
        return self.months[f"{day:%Y-%m}"][area_code]

    def add(self, other: CycleReport) -> None:
        """Take in what another run did (another local network's: no counter is shared)."""
        for month, areas in other.months.items():
            self.months[month].update(areas)
        self.days_committed += other.days_committed
