"""What the demo did, told at the end: who left how, what was refunded, credited and ported.

Counted as the demo goes, from what each operation and each run of the cycle answered; the money
in yuan is the ledger's own running totals at the end (`sunset status` reads the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

from sunset.cycle.report import AreaMonth, CycleReport
from sunset.kit.money import format_yuan
from sunset.status.schemas import MoneySummary

COUNTERS = [f.name for f in fields(AreaMonth) if f.name != "live_at_end"]


@dataclass
class MonthDone:
    """One month of the story: the cycle's counters summed over the regions, and the demo's."""

    month: date
    cycle: AreaMonth = field(default_factory=AreaMonth)  # every region's counters, added up
    live: int = 0  # lines of the networks being retired at the month-end (PHS)
    by_area: dict[str, int] = field(default_factory=dict)  # the same, by area code
    given_up: int = 0
    migrated: int = 0
    ported: int = 0


@dataclass
class Story:
    """Everything the demo did, for the closing words."""

    start_lines: int
    start_day: date
    end_lines: int = 0
    end_day: date | None = None
    given_up: int = 0
    given_up_refunded_fen: int = 0
    migrated: Counter[str] = field(default_factory=Counter)  # by offer id
    ported: Counter[str] = field(default_factory=Counter)  # by recipient operator/network
    ports_refused: int = 0
    switched_off: Counter[str] = field(default_factory=Counter)  # by area code
    switch_off_refunded_fen: int = 0
    held_back_late: dict[str, tuple[int, date]] = field(default_factory=dict)  # area: lines, day
    replacements_confirmed: int = 0
    arrears_suspended: int = 0
    sunset_suspended: int = 0
    top_ups: int = 0
    top_ups_refused: Counter[str] = field(default_factory=Counter)  # by area code
    activated: int = 0
    activations_refused: Counter[str] = field(default_factory=Counter)  # by area code
    sites_recorded: Counter[str] = field(default_factory=Counter)  # "status since day": sites
    complaints: int = 0
    complaints_credited_fen: int = 0
    outage_credits: int = 0
    money: MoneySummary | None = None
    months: list[MonthDone] = field(default_factory=list)

    def take_in(self, report: CycleReport, done: MonthDone) -> None:
        """Take in what a run of the cycle did in ``done``'s month (every region's counters)."""
        for area, stats in report.months.get(f"{done.month:%Y-%m}", {}).items():
            if stats.live_at_end is not None:
                done.live += stats.live_at_end
                done.by_area[area] = stats.live_at_end
            for counter in COUNTERS:
                setattr(done.cycle, counter, getattr(done.cycle, counter) + getattr(stats, counter))
            self.switched_off[area] += stats.switched_off
            self.switch_off_refunded_fen += stats.refunded_fen
            self.sunset_suspended += stats.suspended
            self.outage_credits += stats.credits

    def close_month(self, done: MonthDone) -> None:
        """Record a month played to its end."""
        self.months.append(done)
        self.end_lines, self.end_day = done.live, _month_end(done.month)

    @property
    def left(self) -> int:
        """Return how many lines of the retired network left it, all ways together."""
        return (
            self.given_up
            + sum(self.migrated.values())
            + sum(self.ported.values())
            + sum(self.switched_off.values())
        )


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _listed(counts: Counter[str], names: Mapping[str, str] | None = None) -> str:
    shown = [f"{(names or {}).get(k, k)} {n:,}" for k, n in counts.most_common() if n]
    return ", ".join(shown) or "none"


def _sites(recorded: Counter[str]) -> str:
    return ", ".join(f"{n:,} {what}" for what, n in sorted(recorded.items())) or "none recorded"


def tell(story: Story, cities: Mapping[str, str]) -> list[str]:
    """Return the story in a few lines: who left how, who was held back or suspended, what was
    refused, refunded and credited (``cities``: names by area code)."""
    fell = 1 - story.end_lines / story.start_lines if story.start_lines else 0.0
    lines = [
        f"What happened, {story.start_day} to {story.end_day}",
        f"PHS lines: {story.start_lines:,} -> {story.end_lines:,} ({fell:.0%} fewer); "
        f"{story.left:,} left the network:",
        f"  - {story.given_up:,} given up by their owners: closed at their request, "
        f"{format_yuan(story.given_up_refunded_fen)} yuan of balances refunded",
        f"  - {sum(story.migrated.values()):,} migrated under the offers: "
        f"{_listed(story.migrated)}",
        f"  - {sum(story.ported.values()):,} ported out of Shijiazhuang's PHS before its "
        f"switch-off, keeping their numbers: {_listed(story.ported)} "
        f"({story.ports_refused:,} requests refused)",
        f"  - {sum(story.switched_off.values()):,} switched off with their network: "
        f"{_listed(story.switched_off, cities)} "
        f"({format_yuan(story.switch_off_refunded_fen)} yuan refunded)",
    ]
    held = [
        f"{cities.get(area, area)} told its lines late, so {count:,} stayed past its switch-off "
        f"until {until}"
        for area, (count, until) in story.held_back_late.items()
    ]
    held.append(
        f"{story.replacements_confirmed:,} vulnerable lines stayed until their "
        "replacement was confirmed"
    )
    lines += [
        "Held back: " + "; ".join(held) + ".",
        f"Suspended: {story.arrears_suspended:,} for arrears; {story.sunset_suspended:,} prepaid "
        "lines whose balance ran out once top-ups were refused.",
        f"Refused: {sum(story.top_ups_refused.values()):,} top-ups (拒绝缴费: "
        f"{_listed(story.top_ups_refused, cities)}) and "
        f"{sum(story.activations_refused.values()):,} new lines where sales had stopped "
        f"({_listed(story.activations_refused, cities)}); {story.top_ups:,} top-ups taken and "
        f"{story.activated:,} new lines sold elsewhere.",
        f"Credited: {story.outage_credits:,} outage credits at month-ends (no charge for no "
        f"service). Beijing's base stations: {_sites(story.sites_recorded)}; "
        f"{story.complaints:,} complaints of paying for no signal (只收钱不服务), "
        f"{format_yuan(story.complaints_credited_fen)} yuan credited to those lines.",
    ]
    if story.money is not None:
        m = story.money
        lines.append(
            f"The ledger (yuan): refunds {m.refunds}, credits {m.credits}, charges {m.charges}, "
            f"top-ups {m.top_ups}, balances moved by migrations {m.transfers_in}."
        )
    return lines
