"""Dates at the edges: ISO 8601 in, ISO 8601 out."""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl

from sunset.errors import InputInvalidError

# ISO 8601 first; the slash form is what spreadsheets turn ISO dates into and is unambiguous.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


def parse_date(text: str, *, field: str = "date") -> date:
    """Parse an ISO date ("2011-12-31"); refuse anything else, naming the field."""
    try:
        return date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError as exc:
        raise InputInvalidError(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from exc


def date_expr(column: str) -> pl.Expr:
    """Parse a string column into dates (null where it does not parse)."""
    col = pl.col(column)
    return pl.coalesce([col.str.strptime(pl.Date, fmt, strict=False) for fmt in DATE_FORMATS])


def add_months(day: date, months: int) -> date:
    """Move ``day`` by whole calendar months, clamping to the month's last day.

    >>> add_months(date(2011, 1, 31), 1), add_months(date(2011, 5, 15), -3)
    (datetime.date(2011, 2, 28), datetime.date(2011, 2, 15))
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
