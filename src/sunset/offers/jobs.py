"""Campaign lists: every line an offer can go to, set-based, one local network per chunk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from sunset.errors import OperationRefusedError
from sunset.offers import repository, rules
from sunset.offers.schemas import Offer
from sunset.reference import repository as reference

CHUNK_ROWS = 200_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class CampaignList:
    """A written campaign list: where, how many lines, for which offer and day."""

    path: Path
    lines: int
    offer_id: str
    day: date


def build_campaign(
    session: Session, *, offer: Offer, today: date, out: Path, progress: Progress | None = None
) -> CampaignList:
    """Write every line eligible for ``offer`` on ``today`` to ``out`` (CSV).

    The WHERE clause is the offer's own conditions (``rules.conditions``) compiled to SQL, so the
    list holds exactly the lines ``sunset offers NUMBER`` calls eligible.
    """
    closed = rules.window_refusal(offer, today)
    if closed is not None:
        raise OperationRefusedError(f"{offer.id}: {closed.message}", code=closed.code)
    predicates = [c.predicate for c in rules.conditions(offer, today)]
    areas = offer.conditions.regions or sorted(reference.local_networks(session))
    written = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(_HEADER) + "\n")
        for area_code in areas:
            query = repository.campaign_query(predicates, area_code)
            for rows in repository.stream(session, query, chunk=CHUNK_ROWS):
                _frame(rows).write_csv(handle, include_header=False)
                written += len(rows)
                if progress:
                    progress(len(rows))
    return CampaignList(out, written, offer.id, today)


_HEADER = (
    "number",
    "area_code",
    "operator",
    "network",
    "customer_ref",
    "status",
    "activated_on",
    "monthly_fee",
    "balance",
    "prepaid",
)


def _frame(rows: list[tuple[object, ...]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=list(repository.CAMPAIGN_COLUMNS), orient="row")
    return frame.select(
        pl.col("number"),
        pl.col("area_code"),
        pl.col("operator_code"),
        pl.col("network_code"),
        pl.col("customer_ref"),
        pl.col("status"),
        pl.col("activated_on").cast(pl.String),
        _yuan("monthly_fee_fen"),
        _yuan("balance_fen"),
        pl.col("prepaid").cast(pl.Boolean),
    )


def _yuan(column: str) -> pl.Expr:
    """Fen as a yuan string with two decimals (exact: integer arithmetic, sign kept)."""
    fen = pl.col(column).cast(pl.Int64)
    sign = pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (fen.abs() // 100).cast(pl.String)
    cents = (fen.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.concat_str(sign, whole, pl.lit("."), cents).alias(column)
