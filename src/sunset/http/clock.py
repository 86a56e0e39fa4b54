"""The server's business day: the real date, or a fixed day for a demo or a training system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Clock:
    """Today and now as the services see them; ``fixed_day`` pins the date (not the time)."""

    fixed_day: date | None = None

    def today(self) -> date:
        """Return the business day."""
        return self.fixed_day or date.today()

    def now(self) -> datetime:
        """Return the time of day now, on the business day."""
        real = datetime.now().replace(microsecond=0)
        return real if self.fixed_day is None else datetime.combine(self.fixed_day, real.time())
