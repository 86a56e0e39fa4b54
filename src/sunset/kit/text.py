"""Clean-up of text from operators' exports: full-width characters, stray whitespace."""

from __future__ import annotations

import polars as pl

# Full-width digits and the punctuation that appears in numbers, dates and money (NFKC for these).
FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    "＋": "+",
    "－": "-",
    "．": ".",
    "／": "/",
    "：": ":",
    "，": ",",
    "（": "(",
    "）": ")",
    "\u3000": " ",
    "\u00a0": " ",
}
_FROM = list(FULL_WIDTH)
_TO = list(FULL_WIDTH.values())
_TABLE = {ord(k): v for k, v in FULL_WIDTH.items()}


def half_width(expr: pl.Expr) -> pl.Expr:
    """Map full-width digits and punctuation to ASCII and strip surrounding whitespace."""
    return expr.str.replace_many(_FROM, _TO).str.strip_chars()


def half_width_text(value: str) -> str:
    """Map full-width digits and punctuation in one string to ASCII and strip it."""
    return value.translate(_TABLE).strip()
