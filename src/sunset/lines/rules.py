"""Pure rules for lines: what an imported row must satisfy, written once as polars expressions.

Each check is a named condition over a whole chunk of rows: it gives the failing rows of a
20-million-line import and, on a one-row frame, the reasons for one line, in words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
import polars_hash  # noqa: F401  (registers the `chash` namespace on expressions)

from sunset.kit.checks import Check, apply_checks, check_header
from sunset.kit.dates import date_expr
from sunset.kit.money import yuan_to_fen_expr
from sunset.kit.numbers import NumberingPlan
from sunset.kit.rows import RowError
from sunset.kit.text import half_width
from sunset.lines.vocabulary import (
    IMPORTABLE_STATUSES,
    LineStatus,
    SuspensionReason,
    Vulnerability,
)

REQUIRED = (
    "number",
    "operator",
    "network",
    "area_code",
    "customer_id",
    "real_name",
    "activated_on",
    "status",
    "monthly_fee",
    "balance",
)
OPTIONAL = (
    "customer_name",
    "id_number",
    "owner_changed_on",
    "last_ported_on",
    "suspension_reason",
    "prepaid",
    "unpaid_bills",
    "commitment_until",
    "vulnerable",
    "home_site",
)
FREE_TEXT = ("customer_name",)
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "实名")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "非实名")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# The columns written to the lines table, in order, and the customer columns beside them.
LINE_COLUMNS = (
    "area_code",
    "number",
    "operator_code",
    "network_code",
    "customer_ref",
    "real_name",
    "status",
    "suspension_reason",
    "activated_on",
    "owner_changed_on",
    "last_ported_on",
    "monthly_fee_fen",
    "prepaid",
    "unpaid_bills",
    "commitment_until",
    "vulnerable",
    "home_site",
    "balance_fen",
)
CUSTOMER_COLUMNS = (
    "area_code",
    "operator_code",
    "customer_ref",
    "name",
    "real_name",
    "id_hash",
    "id_masked",
)


@dataclass(frozen=True)
class LineContext:
    """What validation needs to know besides the rows: the catalogue and the date."""

    today: date
    operators: frozenset[str]
    number_formats: Mapping[str, str]  # network code -> "fixed" | "mobile"
    area_groups: Mapping[str, str]  # area code -> the area it was merged into (or itself)
    id_salt: str
    max_monthly_fee_fen: int = 1_000_000
    # The most characters each free-text column's table holds (customer_id: 64, ...): a longer
    # value is refused by name here rather than by the database mid-import.
    text_limits: Mapping[str, int] = field(default_factory=dict)


def check_columns(names: list[str]) -> list[str]:
    """Refuse a bad header of the lines import; return the columns that will be ignored."""
    return check_header(names, required=REQUIRED, optional=OPTIONAL)


def prepare(frame: pl.DataFrame) -> pl.DataFrame:
    """Half-width every code column, turn empty cells into nulls, add absent optional columns."""
    missing = [pl.lit(None, pl.String).alias(c) for c in OPTIONAL if c not in frame.columns]
    frame = frame.with_columns(missing).select(REQUIRED + OPTIONAL)
    text = [
        (pl.col(c).str.strip_chars() if c in FREE_TEXT else half_width(pl.col(c))).alias(c)
        for c in REQUIRED + OPTIONAL
    ]
    frame = frame.with_columns(text)
    return frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
    )


def _flag(column: str, words: tuple[str, ...]) -> pl.Expr:
    return pl.col(column).str.to_lowercase().is_in(list(words))


def _typed(frame: pl.DataFrame, ctx: LineContext) -> pl.DataFrame:
    """Add the typed columns (suffix ``_v``) that the checks and the insert use."""
    fee, fee_ok = yuan_to_fen_expr("monthly_fee")
    balance, balance_ok = yuan_to_fen_expr("balance")
    area = pl.col("area_code")
    area = pl.when(area.str.starts_with("0")).then(area).otherwise(pl.lit("0") + area)
    return frame.with_columns(
        area_v=area,
        operator_v=pl.col("operator").str.to_lowercase(),
        network_v=pl.col("network").str.to_lowercase(),
        status_v=pl.col("status").str.to_lowercase(),
        reason_v=pl.col("suspension_reason").str.to_lowercase(),
        vulnerable_v=pl.col("vulnerable").str.to_lowercase().fill_null(Vulnerability.NONE.value),
        fee_v=fee,
        fee_ok=fee_ok,
        balance_v=balance,
        balance_ok=balance_ok,
        real_name_v=_flag("real_name", TRUE_WORDS),
        prepaid_v=_flag("prepaid", TRUE_WORDS).fill_null(False),
        unpaid_v=pl.col("unpaid_bills").cast(pl.Int64, strict=False).fill_null(0),
        activated_v=date_expr("activated_on"),
        owner_changed_v=date_expr("owner_changed_on"),
        last_ported_v=date_expr("last_ported_on"),
        commitment_v=date_expr("commitment_until"),
        id_v=pl.col("id_number").str.to_uppercase(),
    ).with_columns(
        number_format_v=pl.col("network_v").replace_strict(
            dict(ctx.number_formats), default=None, return_dtype=pl.String
        ),
        group_v=pl.col("area_v").replace_strict(
            dict(ctx.area_groups), default=None, return_dtype=pl.String
        ),
        number_group_v=pl.col("number_area").replace_strict(
            dict(ctx.area_groups), default=pl.col("number_area"), return_dtype=pl.String
        ),
    )


def _bad_date(column: str, parsed: str) -> pl.Expr:
    return pl.col(column).is_not_null() & pl.col(parsed).is_null()


def _not_bool(column: str) -> pl.Expr:
    value = pl.col(column).str.to_lowercase()
    return pl.col(column).is_not_null() & ~value.is_in(list(TRUE_WORDS + FALSE_WORDS))


def _id_checksum_ok() -> pl.Expr:
    ident = pl.col("id_v")
    total = pl.sum_horizontal(
        ident.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(ID_WEIGHTS)
    )
    expected = total.mod(11).replace_strict(dict(enumerate(ID_CHECK_CHARS)), return_dtype=pl.String)
    return ident.str.slice(17, 1) == expected


# Columns of free text a person typed: no control character may reach the database (PostgreSQL
# refuses a NUL byte mid-import; SQLite would store it).
TEXT_COLUMNS = ("customer_id", "customer_name", "home_site", "id_number")
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def text_checks(ctx: LineContext) -> list[Check]:
    """No control characters in free text; nothing longer than its column holds."""
    control = [
        Check(c, pl.col(c).str.contains(CONTROL_CHARACTERS), f"{c} contains a control character")
        for c in TEXT_COLUMNS
    ]
    long = [
        Check(c, pl.col(c).str.len_chars() > most, f"{c} is longer than {most:,} characters")
        for c, most in ctx.text_limits.items()
    ]
    return control + long


def checks(ctx: LineContext) -> list[Check]:
    """Every condition an imported line must meet, in the order a person would read them."""
    today = pl.lit(ctx.today)
    status, reason = pl.col("status_v"), pl.col("reason_v")
    ident = pl.col("id_v")
    return [*text_checks(ctx), *_row_checks(ctx, today, status, reason, ident)]


def _row_checks(
    ctx: LineContext, today: pl.Expr, status: pl.Expr, reason: pl.Expr, ident: pl.Expr
) -> list[Check]:
    return [
        Check("number", pl.col("number_error").is_not_null(), "number: {number_error}"),
        Check(
            "number",
            (pl.col("number_format_v") == "fixed") & (pl.col("number_kind") == "mobile"),
            "a {network_v} line has a fixed-line-format number (area code + local number), "
            "not a mobile number",
        ),
        Check(
            "number",
            (pl.col("number_format_v") == "mobile") & (pl.col("number_kind") == "fixed"),
            "a {network_v} line has an 11-digit mobile number, not a fixed-line number",
        ),
        Check(
            "number",
            (pl.col("number_kind") == "fixed")
            & pl.col("group_v").is_not_null()
            & (pl.col("number_group_v") != pl.col("group_v")),
            "area code {number_area} of the number does not match the line's local network "
            "{area_v}",
        ),
        Check(
            "operator",
            ~pl.col("operator_v").is_in(sorted(ctx.operators)),
            f"unknown operator (known: {', '.join(sorted(ctx.operators))})",
        ),
        Check(
            "network",
            pl.col("number_format_v").is_null(),
            f"unknown network (known: {', '.join(sorted(ctx.number_formats))})",
        ),
        Check(
            "area_code",
            pl.col("group_v").is_null(),
            "unknown area code: add the local network first",
        ),
        Check("customer_id", pl.col("customer_id").is_null(), "customer_id is empty"),
        Check(
            "real_name",
            pl.col("real_name").is_null() | _not_bool("real_name"),
            "real_name must be true or false",
        ),
        Check(
            "activated_on",
            pl.col("activated_v").is_null(),
            "activated_on must be a date (YYYY-MM-DD)",
        ),
        Check(
            "activated_on",
            pl.col("activated_v") > today,
            f"activated_on is after today ({ctx.today})",
        ),
        Check(
            "status",
            ~pl.col("status_v").is_in(list(IMPORTABLE_STATUSES)),
            f"status must be one of {', '.join(IMPORTABLE_STATUSES)} (only live lines are "
            "imported)",
        ),
        Check(
            "monthly_fee",
            ~pl.col("fee_ok"),
            "monthly_fee must be yuan: up to 10 digits, at most 2 decimals, not negative",
        ),
        Check(
            "monthly_fee",
            pl.col("fee_v") > ctx.max_monthly_fee_fen,
            f"monthly_fee above {ctx.max_monthly_fee_fen // 100} yuan is implausible for a line "
            "(an amount in fen? the limit is SUNSET_MAX_MONTHLY_FEE_YUAN)",
        ),
        Check(
            "balance",
            ~pl.col("balance_ok"),
            "balance must be yuan: up to 10 digits, at most 2 decimals, not negative",
        ),
        Check(
            "owner_changed_on",
            _bad_date("owner_changed_on", "owner_changed_v"),
            "owner_changed_on must be a date (YYYY-MM-DD)",
        ),
        Check(
            "owner_changed_on",
            pl.col("owner_changed_v") > today,
            f"owner_changed_on is after today ({ctx.today})",
        ),
        Check(
            "owner_changed_on",
            pl.col("owner_changed_v") < pl.col("activated_v"),
            "owner_changed_on is before the line was activated",
        ),
        Check(
            "last_ported_on",
            _bad_date("last_ported_on", "last_ported_v"),
            "last_ported_on must be a date (YYYY-MM-DD)",
        ),
        Check(
            "last_ported_on",
            pl.col("last_ported_v") > today,
            f"last_ported_on is after today ({ctx.today})",
        ),
        Check(
            "commitment_until",
            _bad_date("commitment_until", "commitment_v"),
            "commitment_until must be a date (YYYY-MM-DD)",
        ),
        Check(
            "suspension_reason",
            reason.is_not_null() & ~reason.is_in([r.value for r in SuspensionReason]),
            f"suspension_reason must be one of {', '.join(r.value for r in SuspensionReason)}",
        ),
        Check(
            "suspension_reason",
            (status == LineStatus.SUSPENDED.value) & reason.is_null(),
            "a suspended line needs a suspension_reason",
        ),
        Check(
            "suspension_reason",
            (status == LineStatus.ACTIVE.value) & reason.is_not_null(),
            "an active line cannot have a suspension_reason",
        ),
        Check("prepaid", _not_bool("prepaid"), "prepaid must be true or false"),
        Check(
            "unpaid_bills",
            pl.col("unpaid_bills").is_not_null()
            & ~pl.col("unpaid_bills").str.contains(r"^[0-9]{1,6}$"),
            "unpaid_bills must be a whole number of bills (0 to 999999)",
        ),
        Check(
            "vulnerable",
            ~pl.col("vulnerable_v").is_in([v.value for v in Vulnerability]),
            f"vulnerable must be one of {', '.join(v.value for v in Vulnerability)}",
        ),
        Check(
            "id_number",
            ident.is_not_null() & ~ident.str.contains(r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$"),
            "id_number must be an 18-character (or old 15-digit) resident ID number",
        ),
        Check(
            "id_number",
            (ident.str.len_chars() == 18)
            & ident.str.contains(r"^[0-9]{17}[0-9X]$")
            & ~_id_checksum_ok(),
            "id_number fails its check digit (a typo?)",
        ),
    ]


def validate(
    frame: pl.DataFrame, rows: np.ndarray, ctx: LineContext, plan: NumberingPlan
) -> tuple[pl.DataFrame, list[RowError]]:
    """Split a chunk into clean typed rows (with ``_row``) and the errors of the bad ones."""
    typed = _typed(plan.normalise_frame(prepare(frame), "number"), ctx)
    typed = typed.with_columns(_row=pl.Series(rows, dtype=pl.Int64))
    return apply_checks(typed, checks(ctx))


def mask_id(ident: str) -> str:
    """Keep the first four and last four characters of an ID number: 3401**********1234."""
    return ident[:4] + "*" * (len(ident) - 8) + ident[-4:]


def hash_id(ident: str, salt: str) -> str:
    """Return the salted SHA-256 of an ID number: the only form in which it is stored."""
    return hashlib.sha256(f"{salt}:{ident}".encode()).hexdigest()


def mask_id_expr(column: str) -> pl.Expr:
    """``mask_id`` over a column of ID numbers (nulls stay null)."""
    ident = pl.col(column)
    # Validated IDs have 15 or 18 characters; a slice of a fixed run of stars is 5x faster
    # than building one per row.
    stars = pl.lit("*" * 64).str.slice(0, ident.str.len_chars() - 8)
    return pl.concat_str(ident.str.slice(0, 4), stars, ident.str.slice(-4))


def hash_id_expr(column: str, salt: str) -> pl.Expr:
    """``hash_id`` over a column of ID numbers, in polars' threads (nulls stay null).

    A million IDs hash in 0.2 s instead of 1 s of Python holding the interpreter, which the
    import's writer needs at the same time.
    """
    return (pl.lit(f"{salt}:") + pl.col(column)).chash.sha2_256()  # type: ignore[attr-defined]


def to_records(clean: pl.DataFrame, ctx: LineContext) -> pl.DataFrame:
    """Shape clean rows for the database: line columns then customer columns."""
    return clean.select(
        pl.col("area_v").alias("area_code"),
        pl.col("e164").alias("number"),
        pl.col("operator_v").alias("operator_code"),
        pl.col("network_v").alias("network_code"),
        pl.col("customer_id").alias("customer_ref"),
        pl.col("status_v").alias("status"),
        pl.col("reason_v").alias("suspension_reason"),
        pl.col("activated_v").alias("activated_on"),
        pl.col("owner_changed_v").alias("owner_changed_on"),
        pl.col("last_ported_v").alias("last_ported_on"),
        pl.col("fee_v").alias("monthly_fee_fen"),
        pl.col("prepaid_v").alias("prepaid"),
        pl.col("unpaid_v").alias("unpaid_bills"),
        pl.col("commitment_v").alias("commitment_until"),
        pl.col("vulnerable_v").alias("vulnerable"),
        pl.col("home_site"),
        pl.col("balance_v").alias("balance_fen"),
        pl.col("customer_name").alias("name"),
        pl.col("real_name_v").alias("real_name"),
        hash_id_expr("id_v", ctx.id_salt).alias("id_hash"),
        mask_id_expr("id_v").alias("id_masked"),
        pl.col("_row"),
    )
