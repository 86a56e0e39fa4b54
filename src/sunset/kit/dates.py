"""Dates at the edges: ISO 8601 in, ISO 8601 out."""

from __future__ import annotations

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
