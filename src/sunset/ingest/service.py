"""What every import shares: one batch per file, no file twice, an errors report."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy.orm import Session

from sunset.errors import ImportRejectedError, InputInvalidError
from sunset.ingest import repository
from sunset.ingest.models import ImportBatch
from sunset.ingest.reader import file_sha256
from sunset.kit.rows import RowError

KEEP_IN_MEMORY = 1_000


@dataclass
class ImportResult:
    """What an import did (or, when rejected, what it found)."""

    batch_id: int | None
    rows_read: int = 0
    imported: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    opening_entries: int = 0
    ids_after: int = 0  # the highest id of the imported table before the import


class ErrorLog:
    """Collect row errors: all of them to a CSV file if asked, the first thousand in memory."""

    def __init__(self, path: Path | None) -> None:
        self.count = 0
        self.rows: set[int] = set()
        self.first: list[RowError] = []
        self._handle = path.open("w", encoding="utf-8", newline="") if path else None
        self._writer = csv.writer(self._handle) if self._handle else None
        if self._writer:
            self._writer.writerow(["row", "column", "value", "reason"])

    def extend(self, errors: list[RowError]) -> None:
        """Record errors."""
        self.count += len(errors)
        self.rows.update(e.row for e in errors)
        room = KEEP_IN_MEMORY - len(self.first)
        self.first.extend(errors[: max(room, 0)])
        if self._writer:
            self._writer.writerows((e.row, e.column, e.value, e.reason) for e in errors)

    def __enter__(self) -> ErrorLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle:
            self._handle.close()


def start_batch(
    session: Session, *, kind: str, path: Path, now: datetime, sha256: str | None = None
) -> ImportBatch:
    """Open an import batch for ``path`` (whose digest is ``sha256``, if the caller has it
    already); refuse a file that was imported before."""
    sha = sha256 or file_sha256(path)
    earlier = repository.find_by_sha(session, kind=kind, sha256=sha)
    if earlier is not None:
        raise ImportRejectedError(
            f"{path.name} was already imported as batch {earlier.id} on "
            f"{earlier.imported_at:%Y-%m-%d %H:%M} ({earlier.rows_imported} rows); "
            "importing it again would count its lines twice",
            code="IMPORT_DUPLICATE_FILE",
        )
    return repository.create(session, kind=kind, file_name=path.name, sha256=sha, at=now)


def refuse_if_empty(result: ImportResult, *, file_name: str) -> None:
    """Refuse a file with a header and no rows: most likely the wrong export."""
    if result.rows_read == 0:
        raise InputInvalidError(f"{file_name}: the file has a header but no rows")


def reject(errors: ErrorLog, *, file_name: str, can_skip: bool = True) -> ImportRejectedError:
    """Build the refusal of a whole file, carrying its first errors."""
    advice = (
        "Fix them, or use --skip-invalid to import the good rows only."
        if can_skip
        else "Fix them and import the file again (--errors FILE lists them all)."
    )
    return ImportRejectedError(
        f"{file_name}: {len(errors.rows)} bad row(s), {errors.count} problem(s); nothing was "
        f"imported. {advice}",
        errors=errors.first,
        error_count=errors.count,
    )
