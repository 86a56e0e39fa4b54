"""Pure rules for base stations: what an imported site row must satisfy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from sunset.kit.checks import Check, apply_checks, check_header
from sunset.kit.dates import date_expr
from sunset.kit.money import yuan_to_fen_expr
from sunset.kit.rows import RowError
from sunset.kit.text import half_width
from sunset.sites.vocabulary import SiteStatus

REQUIRED = ("id", "network", "area_code", "lat", "lon", "status", "monthly_upkeep")
OPTIONAL = ("commissioned_on", "operator")
SITE_COLUMNS = (
    "site_id",
    "area_code",
    "network_code",
    "operator_code",
    "status",
    "monthly_upkeep_fen",
    "lat",
    "lon",
    "commissioned_on",
)


@dataclass(frozen=True)
class SiteContext:
    """The catalogue and the date site validation needs."""

    today: date
    operators: frozenset[str]
    networks: frozenset[str]
    area_codes: frozenset[str]


def check_columns(names: list[str]) -> list[str]:
    """Refuse a bad header of this import; return the columns that will be ignored."""
    return check_header(names, required=REQUIRED, optional=OPTIONAL)


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [pl.lit(None, pl.String).alias(c) for c in OPTIONAL if c not in frame.columns]
    frame = frame.with_columns(missing).select(REQUIRED + OPTIONAL)
    frame = frame.with_columns(half_width(pl.col(c)).alias(c) for c in frame.columns)
    frame = frame.with_columns(
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in frame.columns
    )
    upkeep, upkeep_ok = yuan_to_fen_expr("monthly_upkeep")
    area = pl.col("area_code")
    return frame.with_columns(
        area_v=pl.when(area.str.starts_with("0")).then(area).otherwise(pl.lit("0") + area),
        network_v=pl.col("network").str.to_lowercase(),
        operator_v=pl.col("operator").str.to_lowercase(),
        status_v=pl.col("status").str.to_lowercase(),
        lat_v=pl.col("lat").cast(pl.Float64, strict=False),
        lon_v=pl.col("lon").cast(pl.Float64, strict=False),
        upkeep_v=upkeep,
        upkeep_ok=upkeep_ok,
        commissioned_v=date_expr("commissioned_on"),
    )


def checks(ctx: SiteContext) -> list[Check]:
    """Every condition an imported site must meet."""
    return [
        Check("id", pl.col("id").is_null(), "id is empty"),
        Check(
            "network",
            ~pl.col("network_v").is_in(sorted(ctx.networks)),
            f"unknown network (known: {', '.join(sorted(ctx.networks))})",
        ),
        Check(
            "area_code",
            ~pl.col("area_v").is_in(sorted(ctx.area_codes)),
            "unknown area code: add the local network first",
        ),
        Check(
            "operator",
            pl.col("operator_v").is_not_null() & ~pl.col("operator_v").is_in(sorted(ctx.operators)),
            f"unknown operator (known: {', '.join(sorted(ctx.operators))})",
        ),
        Check(
            "lat",
            pl.col("lat_v").is_null() | ~pl.col("lat_v").is_between(-90, 90),
            "lat must be a latitude in degrees (-90 to 90)",
        ),
        Check(
            "lon",
            pl.col("lon_v").is_null() | ~pl.col("lon_v").is_between(-180, 180),
            "lon must be a longitude in degrees (-180 to 180)",
        ),
        Check(
            "status",
            ~pl.col("status_v").is_in([s.value for s in SiteStatus]),
            f"status must be one of {', '.join(s.value for s in SiteStatus)}",
        ),
        Check(
            "monthly_upkeep",
            ~pl.col("upkeep_ok"),
            "monthly_upkeep must be yuan: up to 10 digits, at most 2 decimals, not negative",
        ),
        Check(
            "commissioned_on",
            pl.col("commissioned_on").is_not_null() & pl.col("commissioned_v").is_null(),
            "commissioned_on must be a date (YYYY-MM-DD)",
        ),
        Check(
            "commissioned_on",
            pl.col("commissioned_v") > pl.lit(ctx.today),
            f"commissioned_on is after today ({ctx.today})",
        ),
    ]


def validate(
    frame: pl.DataFrame, rows: np.ndarray, ctx: SiteContext
) -> tuple[pl.DataFrame, list[RowError]]:
    """Split a chunk of sites into database records and the errors of the bad rows."""
    typed = _typed(frame).with_columns(_row=pl.Series(rows, dtype=pl.Int64))
    clean, errors = apply_checks(typed, checks(ctx))
    records = clean.select(
        pl.col("id").alias("site_id"),
        pl.col("area_v").alias("area_code"),
        pl.col("network_v").alias("network_code"),
        pl.col("operator_v").alias("operator_code"),
        pl.col("status_v").alias("status"),
        pl.col("upkeep_v").alias("monthly_upkeep_fen"),
        pl.col("lat_v").alias("lat"),
        pl.col("lon_v").alias("lon"),
        pl.col("commissioned_v").alias("commissioned_on"),
        pl.col("_row"),
    )
    return records, errors
