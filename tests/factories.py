"""Typed builders for tests: rows of the lines import, files holding them, quick imports."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from sunset.db import session_scope
from sunset.ingest.service import ImportResult
from sunset.lines.jobs import import_lines
from sunset.lines.rules import OPTIONAL, REQUIRED

# The import date of every test import: the day before the story of DOMAIN.md begins.
TODAY = date(2010, 12, 31)
NOW = datetime(2010, 12, 31, 12, 0)

# A resident ID number with a valid check digit (GB 11643: 7,9,10,5,8,4,2,1,6,3,... mod 11).
VALID_ID = "34010119800101126X"


def hefei_number(i: int) -> str:
    """The i-th distinct Hefei PHS number, written as people do: 0551-6xxxxxxx."""
    return f"0551-6{2000000 + i:07d}"


def line_row(i: int = 0, **overrides: str) -> dict[str, str]:
    """A valid row of the lines import (a Hefei PHS line), with ``overrides`` applied.

    Rows built with different ``i`` have different numbers and customers.
    """
    row = {
        "number": hefei_number(i),
        "operator": "telecom",
        "network": "phs",
        "area_code": "0551",
        "customer_id": f"C{i}",
        "real_name": "true",
        "activated_on": "2005-03-01",
        "status": "active",
        "monthly_fee": "20",
        "balance": "12.50",
    }
    row.update(overrides)
    return row


def line_rows(n: int, *, start: int = 0, **overrides: str) -> list[dict[str, str]]:
    """``n`` valid rows with distinct numbers."""
    return [line_row(start + i, **overrides) for i in range(n)]


def _columns(rows: Sequence[Mapping[str, str]]) -> list[str]:
    present = {key for row in rows for key in row}
    known = [c for c in (*REQUIRED, *OPTIONAL) if c in present]
    return known + sorted(present - set(known))


def write_csv(
    path: Path,
    rows: Sequence[Mapping[str, str]],
    *,
    columns: Sequence[str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write rows as CSV (a header first); missing cells are empty."""
    header = list(columns) if columns is not None else _columns(rows)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([row.get(c, "") for c in header] for row in rows)
    return path


def write_parquet(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """Write rows as a Parquet file of text columns."""
    header = _columns(rows)
    frame = pl.DataFrame(
        {c: [row.get(c) for row in rows] for c in header}, schema=dict.fromkeys(header, pl.String)
    )
    frame.write_parquet(path)
    return path


def import_file(engine: sa.Engine, path: Path, **options: object) -> ImportResult:
    """Import a lines file in its own transaction (committed when it succeeds)."""
    with session_scope(engine) as session:
        return import_lines(session, path=path, today=TODAY, now=NOW, **options)  # type: ignore[arg-type]


def count(engine: sa.Engine, table: str) -> int:
    """Count the rows of a table."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one())


def read_errors_csv(path: Path) -> list[dict[str, str]]:
    """Read an errors file written by ``--errors`` / ``errors_path``."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def numbers_in(engine: sa.Engine) -> list[str]:
    """Every number stored in the lines table (E.164), sorted."""
    with engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT number FROM lines").scalars())


def site_row(i: int = 0, **overrides: str) -> dict[str, str]:
    """A valid row of the sites import (a Hefei PHS base station), with ``overrides`` applied."""
    row = {
        "id": f"S0551-{i}",
        "network": "phs",
        "area_code": "0551",
        "lat": "31.86",
        "lon": "117.28",
        "status": "on_air",
        "monthly_upkeep": "1200",
    }
    row.update(overrides)
    return row
