"""Every select and insert of base stations."""

from __future__ import annotations

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from sunset.kit.bulk import insert_frame
from sunset.sites.models import BaseStation


def existing_ids(session: Session, ids: list[str]) -> set[str]:
    """Return which of ``ids`` are already stored."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        found.update(
            session.scalars(select(BaseStation.site_id).where(BaseStation.site_id.in_(part)))
        )
    return found


def insert_sites(session: Session, records: pl.DataFrame, *, batch_id: int) -> None:
    """Insert validated site records."""
    insert_frame(session, "base_stations", records.with_columns(import_batch_id=pl.lit(batch_id)))
