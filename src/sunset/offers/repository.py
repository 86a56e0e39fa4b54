"""Offers from their YAML files; migrations; the campaign query; kept tariffs ending."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, cast, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from sunset.db import table_of
from sunset.kit.bulk import raw_rows
from sunset.kit.catalogues import load_catalogue
from sunset.kit.predicates import Predicate
from sunset.kit.sqlfunc import not_indexed, yuan_text
from sunset.kit.sqlpredicates import all_to_sql
from sunset.lines import repository as lines
from sunset.lines.models import Line
from sunset.offers.models import Migration
from sunset.offers.schemas import Offer


@lru_cache(maxsize=4)
def load_offers(extra: Path | None) -> dict[str, Offer]:
    """Return the shipped offers, then those of ``extra`` (same id replaces), by id."""
    return load_catalogue(
        Offer, package="sunset.offers", file="offers.yaml", key="offers", extra=extra
    )


CAMPAIGN_HEADER = (
    "number,area_code,operator,network,customer_ref,status,activated_on,monthly_fee,balance,prepaid"
)


def _csv_line() -> ColumnElement[str]:
    """One campaign CSV line per line, built by the database: millions of rows reach Python as
    one string each instead of ten values to convert (the customer reference is quoted)."""
    c = Line.__table__.c
    comma = literal(",")
    quoted = literal('"') + func.replace(c.customer_ref, '"', '""') + literal('"')
    prepaid = case((c.prepaid, literal("true")), else_=literal("false"))
    parts = [
        c.number,
        c.area_code,
        c.operator_code,
        c.network_code,
        quoted,
        c.status,
        cast(c.activated_on, String),
        yuan_text(c.monthly_fee_fen),
        yuan_text(c.balance_fen),
        prepaid,
    ]
    line: ColumnElement[str] = parts[0]
    for part in parts[1:]:
        line = line + comma + part
    return line.label("csv")


def eligible_where(predicates: list[Predicate]) -> ColumnElement[bool]:
    """The lines meeting ``predicates``, as a SQL condition over the lines table."""
    return all_to_sql(predicates, lines.fact_columns())


def eligible_numbers(session: Session, predicates: list[Predicate]) -> list[str]:
    """Return the numbers of the lines meeting ``predicates``, in number order (whatever order
    the rows lie in on disk: the demo draws its migrations from this list by seed)."""
    query = select(Line.number).where(eligible_where(predicates)).order_by(Line.number)
    return list(session.scalars(query))


def campaign_query(predicates: list[Predicate]) -> Select[Any]:
    """Select one CSV line for each line meeting ``predicates``.

    One statement over the base, not one per local network: a read that writes nothing needs no
    chunking for its commits, and on PostgreSQL each per-network query was a full parallel scan
    (18 networks: 56 s on 20M lines); the offer's regions are among its predicates, so a
    regional offer still reads through the (area_code, ...) index.
    """
    return select(_csv_line()).where(eligible_where(predicates))


def campaign_lines(session: Session, query: Select[Any], *, chunk: int) -> Iterator[list[str]]:
    """Yield the CSV lines of ``query``, ``chunk`` at a time, straight from the driver."""
    for rows in raw_rows(session, query, chunk=chunk):
        yield [row[0] for row in rows]


def replay(
    session: Session, *, number: str, keys: Collection[str], area_codes: Collection[str]
) -> Migration | None:
    """Return the migration one of the idempotency ``keys`` already made from the line of
    ``number`` (the earliest, if several did).

    A key is unique per local network; probing each network's (area_code, key) index entries
    finds it without knowing where the number lives now (a migrated number may be on no line).
    """
    return session.scalar(
        select(Migration)
        .join(Line, Line.id == Migration.old_line_id)
        .where(
            Migration.area_code.in_(sorted(area_codes)),
            Migration.idempotency_key.in_(sorted(keys)),
            Line.number == number,
        )
        .order_by(Migration.id)
        .limit(1)
    )


def add_migration(session: Session, migration: Migration) -> None:
    """Store a migration."""
    session.add(migration)
    session.flush()


def list_migrations(
    session: Session,
    *,
    operator_code: str | None,
    area_code: str | None,
    offer_id: str | None,
    limit: int,
    offset: int,
) -> list[tuple[Migration, Line, Line]]:
    """Return migrations, newest first, with their old and new lines (of one operator's lines)."""
    old, new = aliased(Line), aliased(Line)
    query = (
        select(Migration, old, new)
        .join(old, (old.area_code == Migration.area_code) & (old.id == Migration.old_line_id))
        .join(new, new.id == Migration.new_line_id)
        .order_by(Migration.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if operator_code is not None:
        query = query.where(old.operator_code == operator_code)
    if area_code is not None:
        query = query.where(Migration.area_code == area_code)
    if offer_id is not None:
        query = query.where(Migration.offer_id == offer_id)
    return [(m, o, n) for m, o, n in session.execute(query)]


def end_kept_tariffs(session: Session, *, area_code: str, from_day: date) -> int:
    """Switch lines whose kept old tariff ends on ``from_day`` to their offer's plan fee."""
    migrations = table_of(Migration)
    result = session.execute(
        update(Line)
        # From the migrations whose kept tariff ends (their index), each line by its id: not
        # every line of the local network through its index, read on each month-end for none
        # (20M lines: 1.8 s a month-end), nor the network's migrations again for each line.
        .where(
            migrations.c.area_code == area_code,
            migrations.c.tariff_kept_until == from_day,
            Line.id == migrations.c.new_line_id,
            not_indexed(Line.area_code) == area_code,
        )
        .values(monthly_fee_fen=migrations.c.plan_fee_fen)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
