"""Pure rules over a site's status history: the status on a day, outages, a cleared band.

A day without service is a day the line's home site is not on air (faulty, off air or
dismantled). Worked example: on air until 2011-03-10, off air from then, on air again from
2011-09-10: one outage [2011-03-10, 2011-09-10), 184 days without service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sunset.sites.vocabulary import SiteStatus

SERVING = frozenset({SiteStatus.ON_AIR.value})
SILENT = frozenset({SiteStatus.OFF_AIR.value, SiteStatus.DISMANTLED.value})


@dataclass(frozen=True)
class Change:
    """The site has ``status`` from ``since`` on."""

    since: date
    status: str


@dataclass(frozen=True)
class Outage:
    """Days without service, [start, end); ``end`` None while the site is still out."""

    start: date
    end: date | None


def status_on(history: Sequence[Change], day: date) -> str | None:
    """Return the site's status on ``day`` (None before its first recorded status)."""
    current = None
    for change in sorted(history, key=lambda c: c.since):
        if change.since > day:
            break
        current = change.status
    return current


def outages(history: Sequence[Change]) -> list[Outage]:
    """Merge the history into periods without service."""
    periods: list[Outage] = []
    start: date | None = None
    for change in sorted(history, key=lambda c: c.since):
        if change.status in SERVING and start is not None:
            periods.append(Outage(start, change.since))
            start = None
        elif change.status not in SERVING and start is None:
            start = change.since
    if start is not None:
        periods.append(Outage(start, None))
    return periods


def is_cleared(statuses: Iterable[str | None]) -> bool:
    """Tell whether a band is clear: it has sites and every one is off air or dismantled."""
    seen = list(statuses)
    return bool(seen) and all(s in SILENT for s in seen)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s month."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    return months


@dataclass(frozen=True)
class SiteLoad:
    """What a site costs a month and how many live lines it serves."""

    site_id: str
    upkeep_fen: int
    lines: int

    @property
    def upkeep_per_line_fen(self) -> int:
        """Upkeep per live line served (the whole upkeep for a site serving nobody)."""
        return self.upkeep_fen // max(self.lines, 1)


@dataclass(frozen=True)
class PlanStep:
    """A site switched off in turn: its migration cost, the running cost, the monthly saving."""

    load: SiteLoad
    cost_fen: int
    cumulative_cost_fen: int
    saving_fen: int
    within_budget: bool


def switch_off_order(loads: Sequence[SiteLoad]) -> list[SiteLoad]:
    """Order sites for switch-off: those serving nobody first (pure saving), then most upkeep
    per line served, then fewest lines lost.

    >>> [s.site_id for s in switch_off_order([SiteLoad("a", 1000, 10), SiteLoad("b", 900, 1),
    ...  SiteLoad("c", 900, 1)])]
    ['b', 'c', 'a']
    """
    return sorted(loads, key=lambda s: (s.lines > 0, -s.upkeep_per_line_fen, s.lines, s.site_id))


def plan_steps(
    ranked: Sequence[SiteLoad], *, migration_cost_fen: int, budget_fen: int | None
) -> list[PlanStep]:
    """Walk the order: each site's lines cost ``migration_cost_fen`` each to move; a site is
    within budget while the running cost stays within it (then the saving accumulates)."""
    steps: list[PlanStep] = []
    spent = saving = 0
    open_budget = True
    for load in ranked:
        cost = load.lines * migration_cost_fen
        open_budget = open_budget and (budget_fen is None or spent + cost <= budget_fen)
        if open_budget:
            spent, saving = spent + cost, saving + load.upkeep_fen
        steps.append(
            PlanStep(load, cost, spent + (0 if open_budget else cost), saving, open_budget)
        )
    return steps
