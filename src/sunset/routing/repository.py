"""Every query of the number database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from sunset.db import table_of
from sunset.kit.bulk import insert_frame
from sunset.lines import repository as lines
from sunset.lines.models import Line, NumberHold
from sunset.lines.vocabulary import LIVE_STATUSES
from sunset.routing.index import ENTRY_SCHEMA, LINE_SCHEMA
from sunset.routing.models import RoutingEntry

ENTRY_COLUMNS = (
    "area_code",
    "number",
    "valid_from",
    "operator_code",
    "network_code",
    "routing_number",
    "source",
    "forward_to",
    "forward_until",
)
EXPORT_CHUNK = 200_000
IN_LIST = 10_000


def entries_of(session: Session, number: str) -> list[RoutingEntry]:
    """Return every entry of a number, oldest first."""
    query = select(RoutingEntry).where(RoutingEntry.number == number)
    return list(session.scalars(query.order_by(RoutingEntry.valid_from)))


def entry_at(session: Session, number: str, valid_from: datetime) -> RoutingEntry | None:
    """Return the entry of a number from exactly this moment, if any."""
    query = select(RoutingEntry).where(
        RoutingEntry.number == number, RoutingEntry.valid_from == valid_from
    )
    return session.scalar(query)


def area_of(session: Session, number: str) -> str | None:
    """Return the area code a number already has in the number database or on a live line."""
    stored = session.scalar(select(RoutingEntry.area_code).where(RoutingEntry.number == number))
    if stored is not None:
        return stored
    line = lines.get_live(session, number)
    return line.area_code if line else None


def live_line(session: Session, number: str) -> Line | None:
    """Return the live line holding a number, if any."""
    return lines.get_live(session, number)  # through the partial index of live numbers


def hold_of(session: Session, number: str) -> NumberHold | None:
    """Return the quarantine or pool record of a number, if any."""
    return session.scalar(select(NumberHold).where(NumberHold.number == number))


def withdraw(session: Session, entry: RoutingEntry) -> None:
    """Remove an entry that will never take effect (a scheduled port cancelled)."""
    session.delete(entry)
    session.flush()


def add(session: Session, entry: RoutingEntry) -> RoutingEntry:
    """Store an entry."""
    session.add(entry)
    session.flush()
    return entry


def insert_entries(session: Session, frame: pl.DataFrame) -> None:
    """Insert validated entries (columns as in the table) at bulk-load speed."""
    insert_frame(session, "routing_entries", frame)


def _pieces(values: list[str]) -> Iterator[list[str]]:
    """Split an IN list: PostgreSQL takes at most 65,535 parameters a statement."""
    for start in range(0, len(values), IN_LIST):
        yield values[start : start + IN_LIST]


def existing_keys(session: Session, numbers: list[str]) -> set[tuple[str, datetime]]:
    """Return (number, valid_from) of the stored entries of some numbers."""
    table = table_of(RoutingEntry)
    found: set[tuple[str, datetime]] = set()
    for piece in _pieces(numbers):
        query = select(table.c.number, table.c.valid_from).where(table.c.number.in_(piece))
        found.update((number, moment) for number, moment in session.execute(query))
    return found


def known_areas(session: Session, numbers: list[str]) -> dict[str, str]:
    """Return the area code each number already has in the number database or, failing that,
    on its live line."""
    found: dict[str, str] = {}
    for piece in _pieces(numbers):
        lines = select(Line.number, Line.area_code).where(
            Line.number.in_(piece), Line.status.in_(LIVE_STATUSES)
        )
        entries = select(RoutingEntry.number, RoutingEntry.area_code).where(
            RoutingEntry.number.in_(piece)
        )
        found.update({number: area for number, area in session.execute(lines)})
        found.update({number: area for number, area in session.execute(entries)})
    return found


def iter_entries(
    session: Session, *, ordered: bool = True, chunk: int = EXPORT_CHUNK
) -> Iterator[pl.DataFrame]:
    """Yield every entry, in (number, valid_from) order when asked, in frames of ``chunk`` rows.

    Unordered is a plain table scan: ordered walks the number index and visits the table at
    random (four times slower on SQLite).
    """
    table = table_of(RoutingEntry)
    query = select(*(table.c[c] for c in ENTRY_COLUMNS))
    if ordered:
        query = query.order_by(table.c.number, table.c.valid_from)
    result = session.execute(query.execution_options(yield_per=chunk))
    for rows in result.partitions(chunk):
        yield pl.DataFrame(rows, schema=ENTRY_SCHEMA, orient="row")


def iter_live_lines(session: Session, *, chunk: int = EXPORT_CHUNK) -> Iterator[pl.DataFrame]:
    """Yield (number, operator_code, network_code, activated_on) of every live line."""
    query = select(Line.number, Line.operator_code, Line.network_code, Line.activated_on).where(
        Line.status.in_(LIVE_STATUSES)
    )
    result = session.execute(query.execution_options(yield_per=chunk))
    for rows in result.partitions(chunk):
        yield pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")
