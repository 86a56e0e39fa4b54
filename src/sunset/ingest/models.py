"""Import batches: which file came in, when, and how many rows it brought."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sunset.db import Base


class ImportBatch(Base):
    """One import of one file; a file already imported (same SHA-256) is refused."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_kind_file_sha256", "kind", "file_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
