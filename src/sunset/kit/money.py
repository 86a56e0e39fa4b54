"""Money is integer fen (分) inside; yuan with two decimals only at the edges."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import polars as pl

from sunset.errors import InputInvalidError

# "12", "12.5", "12.50", "1,234.50"; a currency sign or 元 around it is accepted and dropped.
# ASCII digits only ([0-9], not \d, which also matches other scripts' digits), and at most ten
# before the point: no amount of a telephone line comes near it, and fen stay far inside int64.
YUAN_PATTERN = r"^(?:[0-9]{1,10}|[0-9]{1,3}(?:,[0-9]{3}){1,3})(?:\.[0-9]{1,2})?$"
_DECORATION = r"[¥￥元\s]"
_YUAN_RE = re.compile(YUAN_PATTERN)


def parse_yuan(text: str, *, field: str = "amount") -> int:
    """Turn a yuan amount written by a person ("12.50") into fen (1250); refuse anything else.

    >>> parse_yuan("1,234.5")
    123450
    """
    cleaned = re.sub(_DECORATION, "", text)
    if not _YUAN_RE.match(cleaned):
        raise InputInvalidError(
            f"{field}: {text!r} is not an amount in yuan"
            " (up to 10 digits, at most 2 decimals, not negative)"
        )
    try:
        return int(Decimal(cleaned.replace(",", "")) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guarantees digits
        raise InputInvalidError(f"{field}: {text!r} is not a number") from exc


def format_yuan(fen: int) -> str:
    """Render fen as yuan with two decimals: 123450 -> '1234.50', -5 -> '-0.05'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_to_fen_expr(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Return (fen, ok) polars expressions for a string column of yuan amounts.

    ``ok`` is false where the text is not a non-negative amount with at most two decimals;
    ``fen`` is null there. Empty cells are not ok either: callers decide if a column may be empty.
    """
    text = pl.col(column).str.replace_all(_DECORATION, "")
    ok = text.str.contains(YUAN_PATTERN).fill_null(False)
    plain = text.str.replace_all(",", "")
    whole = plain.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False)
    frac = plain.str.extract(r"\.([0-9]{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64, strict=False)
    fen = pl.when(ok).then(whole * 100 + frac.fill_null(0)).otherwise(None)
    return fen, ok
