"""Conditions over frames of rows: one definition gives bulk filtering and reasons in words."""

from __future__ import annotations

import difflib
import string
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from sunset.errors import InputInvalidError
from sunset.kit.rows import RowError


@dataclass(frozen=True)
class Check:
    """A condition a row must meet: the column it is about, when it fails, and why.

    ``reason`` may name other columns in braces (``"area {number_area} ..."``) to quote them.
    """

    column: str
    fails: pl.Expr
    reason: str

    def fields(self) -> list[str]:
        """Return the columns quoted in the reason."""
        return [name for _, name, _, _ in string.Formatter().parse(self.reason) if name]


def apply_checks(
    frame: pl.DataFrame, checks: Sequence[Check], *, row_column: str = "_row"
) -> tuple[pl.DataFrame, list[RowError]]:
    """Split ``frame`` into rows that pass every check and the errors of those that do not."""
    flags = [f"_fail{i}" for i in range(len(checks))]
    flagged = frame.with_columns(
        check.fails.fill_null(False).alias(flag) for check, flag in zip(checks, flags, strict=True)
    )
    # How many rows fail each check, in one pass; only the checks some row fails are read
    # row by row (a clean one-row activation ran fifteen filters for nothing).
    failures = flagged.select(pl.col(flags).sum()).row(0) if flags else ()
    errors: list[RowError] = []
    for check, flag, count in zip(checks, flags, failures, strict=True):
        if count:
            errors.extend(_row_errors(flagged.filter(pl.col(flag)), check, row_column))
    clean = flagged.filter(~pl.any_horizontal(flags)).drop(flags) if flags else flagged
    return clean, sorted(errors, key=lambda e: (e.row, e.column))


def _row_errors(failing: pl.DataFrame, check: Check, row_column: str) -> list[RowError]:
    fields = check.fields()
    values = failing.select(row_column, check.column, *fields).to_dicts()
    return [
        RowError(
            row=v[row_column],
            column=check.column,
            value="" if v[check.column] is None else str(v[check.column]),
            reason=check.reason.format(**{f: v[f] for f in fields}),
        )
        for v in values
    ]


def check_header(
    names: Sequence[str], *, required: Sequence[str], optional: Sequence[str]
) -> list[str]:
    """Refuse a header that lacks a required column, repeats one, or has a near-miss of one.

    Return the columns that will be ignored (unknown, and not a near-miss of a known one).
    """
    known = [*required, *optional]
    names = list(names)
    problems = [
        f"column {name!r} appears twice" for name in sorted(set(names)) if names.count(name) > 1
    ]
    problems += [f"required column {name!r} is missing" for name in required if name not in names]
    ignored = []
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if close and close[0] not in names:
            problems.append(f"column {name!r} is not known: did you mean {close[0]!r}?")
        else:
            ignored.append(name)
    if problems:
        raise InputInvalidError(
            "the header is not usable: "
            + "; ".join(problems)
            + f". Required: {', '.join(required)}. Optional: {', '.join(optional)}."
        )
    return ignored
