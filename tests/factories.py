"""Typed builders for tests: rows of the lines import, files holding them, quick imports."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from sunset.access.rules import Actor
from sunset.db import session_scope
from sunset.ingest.service import ImportResult
from sunset.integrity.service import verify
from sunset.lines.rules import OPTIONAL, REQUIRED
from sunset.notices.service import send_phase_notice
from sunset.notices.vocabulary import Channel
from sunset.plans import service as plans_service
from sunset.plans.schemas import PlanView

# The import date of every test import: the day before the story of DOMAIN.md begins.
TODAY = date(2010, 12, 31)
NOW = datetime(2010, 12, 31, 12, 0)

# Who the tests' writes are made by: the command line's own user, an administrator.
ACTOR = Actor.operating_system("tests")


def noon(day: date) -> datetime:
    """The moment a test's write is made on ``day``."""
    return datetime.combine(day, NOW.time())


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
    """Import a lines file in its own transaction (committed when it succeeds), as the command
    line does: lines and their opening balances."""
    from sunset.usecases.batch import import_lines

    with session_scope(engine) as session:
        return import_lines(session, ACTOR, path=path, today=TODAY, now=NOW, **options)  # type: ignore[arg-type]


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


# --- retirement plans, notices and the cycle ------------------------------------------------


def set_plan(
    engine: sa.Engine,
    area_code: str = "0551",
    *,
    today: date = TODAY,
    network: str = "phs",
    **dates: date | None,
) -> PlanView:
    """Set (or change) a plan through the service, committed; ``dates`` by phase name."""
    with session_scope(engine, write=True) as session:
        return plans_service.set_plan(
            session,
            area_code=area_code,
            network_code=network,
            changes=dates,
            today=today,
            now=datetime.combine(today, NOW.time()),
            actor="test",
        )


def send_notice(
    engine: sa.Engine,
    area_code: str,
    day: date,
    *,
    channel: Channel = Channel.SMS,
    phase: str = "announced",
    network: str = "phs",
) -> int:
    """Record that every live line of the network was told of ``phase`` on ``day``."""
    with session_scope(engine, write=True) as session:
        return send_phase_notice(
            session,
            area_code=area_code,
            network_code=network,
            phase=phase,
            channel=channel,
            today=day,
        )


def violations_of(engine: sa.Engine) -> list[str]:
    """The codes of every invariant `verify` finds broken (empty when all hold)."""
    with session_scope(engine) as session:
        return [v.code for v in verify(session)]


def rows_of(engine: sa.Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    """Run a query; dates come back as ISO text on both engines, so rows compare across them."""
    with engine.connect() as conn:
        return [
            tuple(v.isoformat() if isinstance(v, date) else v for v in row)
            for row in conn.execute(sa.text(sql), params)
        ]


def scalar_of(engine: sa.Engine, sql: str, **params: object) -> Any:
    """Run a query that returns one value."""
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def e164(number: str) -> str:
    """A fixed-line number as people write it (0551-62000000) as stored (+8655162000000)."""
    digits = number.replace("-", "").replace(" ", "")
    return digits if digits.startswith("+") else "+86" + digits.removeprefix("0")


def line_of(engine: sa.Engine, number: str) -> dict[str, Any]:
    """The most recent line of a number (E.164 or as people write it), with its ledger sum."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(
                    "SELECT l.*, (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entries e"
                    " WHERE e.area_code = l.area_code AND e.line_id = l.id) AS ledger_fen"
                    " FROM lines l WHERE l.number = :n ORDER BY l.id DESC"
                ),
                {"n": e164(number)},
            )
            .mappings()
            .first()
        )
    assert row is not None, f"no line has the number {number}"
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}


STATE_QUERIES = {
    # Everything the cycle decides, without the ids a rolled-back transaction may have used up.
    "lines": (
        "SELECT l.id, l.number, l.status, l.suspension_reason, l.suspended_on, l.terminated_on,"
        " l.balance_fen, (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entries e"
        " WHERE e.area_code = l.area_code AND e.line_id = l.id) AS ledger_fen"
        " FROM lines l ORDER BY l.id"
    ),
    "entries": (
        "SELECT area_code, period, cause, line_id, part, kind, amount_fen, entry_date"
        " FROM ledger_entries ORDER BY area_code, period, cause, line_id, part"
    ),
    "entry_count": "SELECT COUNT(*) FROM ledger_entries",
    "number_holds": (
        "SELECT area_code, number, state, since, until, from_line_id FROM number_holds"
        " ORDER BY area_code, number"
    ),
    "refunds": (
        "SELECT area_code, line_id, amount_fen, created_on FROM refunds"
        " ORDER BY area_code, line_id, created_on, amount_fen"
    ),
    "refund_totals": "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM refunds",
    "checkpoints": "SELECT area_code, done_through FROM cycle_progress ORDER BY area_code",
}


def state_of(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """The whole state of money and numbers, comparable between two databases of one base."""
    return {name: rows_of(engine, sql) for name, sql in STATE_QUERIES.items()}


def entries_of(engine: sa.Engine, number: str, kind: str) -> list[tuple[object, ...]]:
    """(entry date, amount) of one kind of entry on a number's line, in date order."""
    return rows_of(
        engine,
        "SELECT e.entry_date, e.amount_fen FROM ledger_entries e"
        " JOIN lines l ON l.area_code = e.area_code AND l.id = e.line_id"
        " WHERE l.number = :n AND e.kind = :k"
        " ORDER BY e.entry_date, e.period, e.cause, e.part",
        n=e164(number),
        k=kind,
    )


# --- base stations and outages --------------------------------------------------------------


def import_sites_rows(engine: sa.Engine, folder: Path, rows: Sequence[Mapping[str, str]]) -> None:
    """Import base stations from rows (committed), as of TODAY."""
    from sunset.usecases.batch import import_sites

    path = write_csv(folder / "sites.csv", rows)
    with session_scope(engine) as session:
        import_sites(session, ACTOR, path=path, today=TODAY, now=NOW)


def record_site_status(
    engine: sa.Engine, site_id: str, status: str, since: date, *, today: date | None = None
) -> int:
    """Record a site's status from ``since`` (committed); return the credits written."""
    from sunset.sites import service as sites

    with session_scope(engine, write=True) as session:
        done = sites.record_status(
            session, site_id=site_id, status=status, since=since, today=today or since
        )
    return done.credits


def chart_font(png: bytes) -> tuple[str, str]:
    """The font a chart's text was drawn in, as the PNG names it: (family, file)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        text = dict(getattr(image, "text", {}))
    return str(text.get("Font", "")), str(text.get("Font-File", ""))


def glyphs_missing(font_file: str, text: str) -> str:
    """The characters of ``text`` that ``font_file`` has no glyph for (drawn as boxes)."""
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_file)
    return "".join(c for c in text if not c.isspace() and font.get_char_index(ord(c)) == 0)
