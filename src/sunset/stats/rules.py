"""Pure rules of the statistics: months, changes and shares, and what an official row must be.

Values in, values out: no session, no clock, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sunset.kit.rows import RowError
from sunset.stats.schemas import ProgressRow

OFFICIAL_REQUIRED = ("month_end", "subscribers_10k", "quoted")
OFFICIAL_OPTIONAL = ("source",)
QUOTED = {"Q": "quoted by a source", "D": "derived from a quoted level and a quoted change"}
MAX_SOURCE = 200


def parse_month(text: str) -> date:
    """Parse ``YYYY-MM`` into the first day of that month; raise ValueError otherwise."""
    text = text.strip()
    if len(text) != 7 or text[4] != "-":
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return date(int(text[:4]), int(text[5:]), 1)


def add_months(month: str, count: int) -> str:
    """Return the month ``count`` months after ``month`` (both ``YYYY-MM``).

    >>> add_months("2011-11", 3)
    '2012-02'
    """
    first = parse_month(month)
    index = first.year * 12 + first.month - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """Return how many months ``end`` is after ``start``."""
    a, b = parse_month(start), parse_month(end)
    return (b.year - a.year) * 12 + b.month - a.month


def month_grid(start: str, end: str) -> list[str]:
    """Return every month from ``start`` to ``end`` inclusive."""
    return [add_months(start, i) for i in range(months_between(start, end) + 1)]


def previous_december(month: str) -> str:
    """Return the December that closes the year before ``month``'s year."""
    return f"{int(month[:4]) - 1:04d}-12"


def _share(value: float | None, total: float | None) -> float | None:
    if value is None or not total:
        return None
    return round(100.0 * value / total, 2)


def _diff(now: float, before: float | None) -> float | None:
    return None if before is None else now - before


def progress_rows(
    values: Mapping[str, Mapping[str, float]],
    *,
    totals: Mapping[str, Mapping[str, float]] | None = None,
    first: str | None = None,
    last: str | None = None,
) -> list[ProgressRow]:
    """Turn month-end counts per group into the regulator's rows, ``first``..``last`` inclusive.

    ``values[group][month]`` is the remaining count; ``totals[group][month]`` (optional) all
    fixed-line users in the same unit, for the share. The change in the month needs the month
    before, the change since the start of the year the December before; either is None when that
    month was not recorded (irregular series stay honest: no change is made up).
    """
    rows: list[ProgressRow] = []
    for group in sorted(values):
        series, fixed = values[group], (totals or {}).get(group, {})
        for month in sorted(series):
            if (first and month < first) or (last and month > last):
                continue
            now, december = series[month], previous_december(month)
            rows.append(
                ProgressRow(
                    group=group,
                    month=month,
                    remaining=now,
                    change_month=_diff(now, series.get(add_months(month, -1))),
                    change_ytd=_diff(now, series.get(december)),
                    share_pct=_share(now, fixed.get(month)),
                    share_start_of_year_pct=_share(series.get(december), fixed.get(december)),
                )
            )
    return rows


def retiring_networks(planned: Sequence[str], with_deadline: Sequence[str]) -> list[str]:
    """The networks being retired: those with a retirement plan somewhere; before any plan is
    set, those the regulator gave a deadline (PHS: 2011-12-31)."""
    return sorted(set(planned)) if planned else sorted(set(with_deadline))


def only_network(candidates: Sequence[str]) -> str:
    """Return the one network being retired, the one the progress figures count by default;
    ValueError when there is none or there are several (the figures of one would be taken for
    the whole programme's: the caller must say which).

    >>> only_network(["phs"])
    'phs'
    >>> only_network(["gsm", "phs"])
    Traceback (most recent call last):
    ...
    ValueError: several networks are being retired (gsm, phs): say which with --network
    """
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValueError(
            "no network has a retirement plan or a regulator's deadline: say which with --network"
        )
    raise ValueError(
        f"several networks are being retired ({', '.join(candidates)}): say which with --network"
    )


def lines_unit(network: str | None) -> str:
    """The unit of a progress report, naming the network counted.

    >>> lines_unit("phs")
    'phs lines'
    """
    return f"{network} lines" if network else "lines"


def headline(row: ProgressRow, *, unit: str) -> str:
    """Say a row the way the regulator does.

    >>> r = ProgressRow(group="all", month="2012-02", remaining=1634, change_ytd=-151.2,
    ...                 share_pct=5.7, share_start_of_year_pct=6.3)
    >>> headline(r, unit="10k")
    'all, 2012-02: down 151.2 to 1,634 10k since 2011-12, share from 6.3 % to 5.7 %'
    """
    text = f"{row.group}, {row.month}: "
    if row.change_ytd is None:
        text += f"{_number(row.remaining)} {unit} (no figure for {previous_december(row.month)})"
    elif row.change_ytd == 0:
        text += f"unchanged at {_number(row.remaining)} {unit} since {previous_december(row.month)}"
    else:
        way = "down" if row.change_ytd < 0 else "up"
        text += (
            f"{way} {_number(abs(row.change_ytd))} to {_number(row.remaining)} {unit}"
            f" since {previous_december(row.month)}"
        )
    if row.share_pct is not None and row.share_start_of_year_pct is not None:
        text += f", share from {row.share_start_of_year_pct:.1f} % to {row.share_pct:.1f} %"
    elif row.share_pct is not None:
        text += f", share {row.share_pct:.1f} %"
    return text


def _number(value: float) -> str:
    rounded = round(value, 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


# --- official series --------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialRow:
    """One valid month of an official series."""

    month: str
    value_10k: float
    quoted: str
    source: str


def header_problems(header: Sequence[str]) -> list[str]:
    """Name the required columns missing from a header."""
    present = {h.strip().lower() for h in header}
    return [c for c in OFFICIAL_REQUIRED if c not in present]


def check_official_row(
    row: Mapping[str, str], *, line: int
) -> tuple[OfficialRow | None, list[RowError]]:
    """Validate one row of an official series; ``line`` is its row as a spreadsheet shows it."""
    errors: list[RowError] = []
    month, value = row.get("month_end", "").strip(), row.get("subscribers_10k", "").strip()
    quoted, source = row.get("quoted", "").strip().upper(), row.get("source", "").strip()
    try:
        parse_month(month)
    except ValueError:
        errors.append(RowError(line, "month_end", month, "not a month (YYYY-MM)"))
    number = _number_or_none(value)
    if number is None:
        errors.append(RowError(line, "subscribers_10k", value, "not a number"))
    elif number < 0:
        errors.append(RowError(line, "subscribers_10k", value, "must not be negative"))
    if quoted not in QUOTED:
        errors.append(RowError(line, "quoted", quoted, "must be Q (quoted) or D (derived)"))
    if len(source) > MAX_SOURCE:
        errors.append(RowError(line, "source", source[:40], f"longer than {MAX_SOURCE} characters"))
    if errors or number is None:
        return None, errors
    return OfficialRow(month, number, quoted, source), []


def _number_or_none(text: str) -> float | None:
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def duplicate_months(rows: Sequence[tuple[int, OfficialRow]]) -> list[RowError]:
    """Refuse a month given twice, naming the second row and the first."""
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    for line, row in rows:
        if row.month in seen:
            reason = f"month given twice (first on row {seen[row.month]})"
            errors.append(RowError(line, "month_end", row.month, reason))
        else:
            seen[row.month] = line
    return errors
