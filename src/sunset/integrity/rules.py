"""What a broken invariant looks like, in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from sunset.kit.money import format_yuan
from sunset.kit.numbers import display

EXAMPLES = 10


@dataclass(frozen=True)
class Violation:
    """One invariant that does not hold, how often, and the first cases."""

    code: str
    message: str
    count: int
    examples: list[str] = field(default_factory=list)


def balance_mismatches(rows: list[tuple[str, int, int]], count: int) -> Violation | None:
    """Lines whose cached balance is not the sum of their ledger entries."""
    if not count:
        return None
    return Violation(
        "BALANCE_NOT_LEDGER_SUM",
        f"{count} line(s) have a balance that is not the sum of their ledger entries",
        count,
        [
            f"{display(n)}: balance {format_yuan(b)} yuan, ledger sum {format_yuan(s)} yuan"
            for n, b, s in rows[:EXAMPLES]
        ],
    )


def numbers_live_twice(rows: list[tuple[str, int]]) -> Violation | None:
    """Numbers active on more than one live line."""
    if not rows:
        return None
    return Violation(
        "NUMBER_LIVE_TWICE",
        f"{len(rows)} number(s) are live on more than one line",
        len(rows),
        [f"{display(n)} on {c} live lines" for n, c in rows[:EXAMPLES]],
    )


def numbers_held_and_live(numbers: list[str]) -> Violation | None:
    """Numbers both on a live line and in quarantine or the free pool."""
    if not numbers:
        return None
    return Violation(
        "NUMBER_HELD_AND_LIVE",
        f"{len(numbers)} number(s) are on a live line and also in quarantine or the free pool",
        len(numbers),
        [display(n) for n in numbers[:EXAMPLES]],
    )


def numbers_lost(numbers: list[str]) -> Violation | None:
    """Numbers of closed lines that are neither live elsewhere, nor quarantined, nor free."""
    if not numbers:
        return None
    return Violation(
        "NUMBER_LOST",
        f"{len(numbers)} number(s) of terminated or migrated lines are on no live line, not in "
        "quarantine and not in the free pool",
        len(numbers),
        [display(n) for n in numbers[:EXAMPLES]],
    )


def departures_without_record(numbers: list[str]) -> Violation | None:
    """Lines marked migrated or ported out that no migration or completed port explains."""
    if not numbers:
        return None
    return Violation(
        "DEPARTURE_WITHOUT_RECORD",
        f"{len(numbers)} line(s) are marked migrated or ported out with no migration or "
        "completed port request behind them",
        len(numbers),
        [display(n) for n in numbers[:EXAMPLES]],
    )


def bad_entries(code: str, what: str, count: int) -> Violation | None:
    """Ledger entries that break a rule of their own (sign, owner)."""
    if not count:
        return None
    return Violation(code, f"{count} ledger entr(y/ies) {what}", count)


def conservation(gap_fen: int) -> Violation | None:
    """Money in minus money out must equal the sum of balances."""
    if gap_fen == 0:
        return None
    return Violation(
        "MONEY_NOT_CONSERVED",
        "top-ups - charges + credits - refunds - transfers out + transfers in (with opening "
        f"balances) differ from the sum of balances by {format_yuan(gap_fen)} yuan",
        1,
    )


def lines_without_customer(count: int) -> Violation | None:
    """Lines whose customer record is missing."""
    if not count:
        return None
    return Violation(
        "LINE_WITHOUT_CUSTOMER", f"{count} line(s) refer to a customer that does not exist", count
    )


def unknown_references(rows: list[tuple[str, str, int]]) -> Violation | None:
    """Codes (area, operator, network) that the reference tables do not know."""
    if not rows:
        return None
    total = sum(count for _, _, count in rows)
    return Violation(
        "UNKNOWN_REFERENCE",
        f"{total} row(s) use an area code, operator or network that is not in the catalogue",
        total,
        [f"{where} = {value!r} on {count} row(s)" for where, value, count in rows[:EXAMPLES]],
    )


def stale_totals(
    kept: dict[tuple[str, str], int], actual: dict[tuple[str, str], int]
) -> Violation | None:
    """Running totals (what the status report shows) that differ from the entries' sums."""
    keys = sorted(set(kept) | set(actual))
    wrong = [k for k in keys if kept.get(k, 0) != actual.get(k, 0)]
    if not wrong:
        return None
    return Violation(
        "LEDGER_TOTALS_STALE",
        f"{len(wrong)} running total(s) differ from the sum of their ledger entries",
        len(wrong),
        [
            f"{area} {kind}: kept {format_yuan(kept.get((area, kind), 0))} yuan, entries sum to "
            f"{format_yuan(actual.get((area, kind), 0))} yuan"
            for area, kind in wrong[:EXAMPLES]
        ],
    )
