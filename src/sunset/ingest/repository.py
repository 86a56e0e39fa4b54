"""Reads and writes of import batches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sunset.ingest.models import ImportBatch


def find_by_sha(session: Session, *, kind: str, sha256: str) -> ImportBatch | None:
    """Return the earlier import of the same file, if any."""
    return session.scalar(
        select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.file_sha256 == sha256)
    )


def create(
    session: Session, *, kind: str, file_name: str, sha256: str, at: datetime
) -> ImportBatch:
    """Record a new import batch and give it an id."""
    batch = ImportBatch(kind=kind, file_name=file_name, file_sha256=sha256, imported_at=at)
    session.add(batch)
    session.flush()
    return batch
