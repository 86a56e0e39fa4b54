"""Use cases of reference data: load the shipped catalogue, add local networks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from sunset.reference import repository

SHIPPED = Path(__file__).parent / "data" / "reference.yaml"


def sync_reference(session: Session, *, extra: Path | None = None) -> int:
    """Insert every shipped (and operator-supplied) reference row that is missing; return the count.

    Existing rows are left as they are: an operator may have edited them.
    """
    sources = [SHIPPED]
    extra = extra or (Path(p) if (p := os.environ.get("SUNSET_REFERENCE_EXTRA")) else None)
    if extra:
        sources.append(extra)
    added = 0
    for source in sources:
        data: dict[str, list[dict[str, Any]]] = yaml.safe_load(source.read_text("utf-8")) or {}
        for table, model in repository.TABLES.items():
            have = repository.existing_keys(session, model)
            key = repository.key_columns(model)
            rows = [
                row for row in data.get(table, []) if tuple(str(row[k]) for k in key) not in have
            ]
            repository.add_all(session, model, rows)
            session.flush()
            added += len(rows)
    return added
