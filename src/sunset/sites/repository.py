"""Every select, insert and update of base stations, their history and their outages."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import String, and_, cast, delete, func, insert, literal, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from sunset.db import table_of
from sunset.kit.bulk import insert_frame
from sunset.kit.sqlfunc import days_between, greatest, least
from sunset.ledger import repository as ledger
from sunset.ledger.models import LedgerEntry
from sunset.ledger.rules import EntryCause, EntryKind, period_of
from sunset.lines.models import LIVE_WHERE, Line
from sunset.sites.history import Change, Outage
from sunset.sites.models import BaseStation, SiteOutage, SiteStatusChange


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


def record_imported(session: Session, *, batch_id: int, since: date) -> None:
    """Start the history of a batch's sites: their imported status from the import day on."""
    sites = table_of(BaseStation)
    rows = select(
        sites.c.area_code, sites.c.site_id, literal(since), sites.c.status, literal(since)
    ).where(sites.c.import_batch_id == batch_id)
    columns = ["area_code", "site_id", "since", "status", "recorded_on"]
    session.execute(insert(table_of(SiteStatusChange)).from_select(columns, rows))
    silent = rows.with_only_columns(sites.c.area_code, sites.c.site_id, literal(since)).where(
        sites.c.status != "on_air"
    )
    session.execute(
        insert(table_of(SiteOutage)).from_select(["area_code", "site_id", "start_on"], silent)
    )


def get(session: Session, site_id: str) -> BaseStation | None:
    """Return a base station by its id."""
    return session.get(BaseStation, site_id)


def history(session: Session, site: BaseStation) -> list[Change]:
    """Return a site's recorded changes, oldest first."""
    rows = session.execute(
        select(SiteStatusChange.since, SiteStatusChange.status)
        .where(
            SiteStatusChange.area_code == site.area_code, SiteStatusChange.site_id == site.site_id
        )
        .order_by(SiteStatusChange.since)
    )
    return [Change(since, status) for since, status in rows]


def save_change(session: Session, site: BaseStation, change: Change, *, recorded_on: date) -> None:
    """Record a change (a second change on the same day replaces the first)."""
    key = (site.area_code, site.site_id, change.since)
    stored = session.get(SiteStatusChange, key)
    if stored is None:
        stored = SiteStatusChange(area_code=key[0], site_id=key[1], since=key[2])
        session.add(stored)
    stored.status, stored.recorded_on = change.status, recorded_on
    session.flush()


def replace_outages(session: Session, site: BaseStation, periods: list[Outage]) -> None:
    """Store a site's outages afresh from its history."""
    session.execute(
        delete(SiteOutage).where(
            SiteOutage.area_code == site.area_code, SiteOutage.site_id == site.site_id
        )
    )
    session.add_all(
        SiteOutage(area_code=site.area_code, site_id=site.site_id, start_on=p.start, end_on=p.end)
        for p in periods
    )
    session.flush()


def sites_with_history(session: Session) -> dict[tuple[str, str], list[Change]]:
    """Every site's history by (area code, site id)."""
    found: dict[tuple[str, str], list[Change]] = defaultdict(list)
    changes = table_of(SiteStatusChange)
    for area, site, since, status in session.execute(
        select(changes.c.area_code, changes.c.site_id, changes.c.since, changes.c.status)
    ):
        found[(area, site)].append(Change(since, status))
    return found


def visible_to(operator_code: str) -> ColumnElement[bool]:
    """Sites an operator's staff see: its own, and those of no operator (shared masts)."""
    return or_(BaseStation.operator_code == operator_code, BaseStation.operator_code.is_(None))


def list_sites(
    session: Session,
    *,
    area_code: str | None = None,
    operator_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[BaseStation]:
    """Return the base stations (of one local network; those ``operator_code`` sees), by id."""
    query = select(BaseStation).order_by(BaseStation.site_id)
    if area_code is not None:
        query = query.where(BaseStation.area_code == area_code)
    if operator_code is not None:
        query = query.where(visible_to(operator_code))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(session.scalars(query))


def live_lines_by_site(session: Session, *, area_code: str) -> dict[str, int]:
    """Count the live lines whose home site each site is."""
    lines = table_of(Line)
    rows = session.execute(
        select(lines.c.home_site, func.count())
        .where(lines.c.area_code == area_code, lines.c.home_site.is_not(None), text(LIVE_WHERE))
        .group_by(lines.c.home_site)
    )
    return {site: int(n) for site, n in rows}


def live_lines_of(
    session: Session, site: BaseStation, *, operator_code: str | None = None
) -> list[Line]:
    """Return the live lines whose home site this is (of one operator when given), by number."""
    query = (
        select(Line)
        .where(Line.area_code == site.area_code, Line.home_site == site.site_id, text(LIVE_WHERE))
        .order_by(Line.number)
    )
    if operator_code is not None:
        query = query.where(Line.operator_code == operator_code)
    return list(session.scalars(query))


def outage_credit_rows(
    *,
    area_code: str,
    month_start: date,
    days_in_month: int,
    entry_date: date,
    sites: list[str],
    line_id: int | None = None,
    credited_before: bool = True,
) -> Any:
    """Select the outage credit each line is owed for one month (ENTRY_COLUMNS).

    For each line charged that month whose home site was out some of its days of service: what
    was charged minus what its served days would have cost (fee x served days / days in the
    month, rounded down, never more than was charged), minus what outage credits already gave
    back for that month. Identified (local network, month, ``OUTAGE_CREDIT``, line, fen already
    credited for the month), so a rerun writes nothing and a history recorded later credits only
    the difference. The charge is found by its own identity: credit and charge of one
    line-month are two entries, and the charge is never touched.

    Worked example: 70 yuan a month, site off air from 2011-03-10 on: March charged 7000 fen for
    31 days, served 9 -> 7000 x 9 // 31 = 2032, credit 4968 fen; April onwards 7000 each.

    ``credited_before=False`` says no outage credit of the month exists in the local network
    (``month_credited``): the statement then skips looking for one.
    """
    entries = table_of(LedgerEntry)
    stop = month_start + timedelta(days=days_in_month)
    month = f"{month_start:%Y-%m}"
    period = period_of(month_start)
    per_line = _outage_days(area_code, month_start, stop, sites, line_id, credited_before)
    served = greatest(per_line.c.window_days - per_line.c.out_days, 0)
    owed = ledger.fee_for_days(per_line.c.fee, served, days_in_month)
    charge = entries.alias("charge")
    charged = -charge.c.amount_fen
    already = per_line.c.already if credited_before else literal(0)
    due = charged - least(owed, charged) - already
    reference = (
        literal(f"no service in {month}: home site ")
        + per_line.c.site
        + literal(" out ")
        + cast(per_line.c.out_days, String)
        + literal(f" of {days_in_month} days; the days charged are credited")
    )
    # No ORDER BY: grouped by id, the lines come in id order already (the order changes nothing
    # written; it only keeps the charge look-ups and index writes moving forward).
    return (
        select(
            literal(area_code),
            per_line.c.line_id.label("line_id"),  # a compound of these is sorted by it
            literal(EntryKind.CREDIT.value),
            due,
            literal(entry_date),
            literal(period),
            literal(int(EntryCause.OUTAGE_CREDIT)),
            already,
            reference,
            func.current_timestamp(),
        )
        .select_from(per_line)
        .join(
            charge,
            and_(
                charge.c.area_code == area_code,
                charge.c.period == period,
                charge.c.cause == int(EntryCause.CHARGE),
                charge.c.line_id == per_line.c.line_id,
                charge.c.part == 0,
            ),
        )
        .where(due > 0)
    )


def _outage_days(
    area_code: str,
    month_start: date,
    stop: date,
    sites: list[str],
    line_id: int | None,
    credited_before: bool = False,
) -> Any:
    """Each line of the chosen sites that may have been charged for the month, with its days of
    service in the month (``window_days``), how many of them its home site was out and, when
    ``credited_before``, what outage credits already gave it back for the month (``already``)."""
    lines, outs = table_of(Line), table_of(SiteOutage)
    w_start, w_end = ledger.service_window(month_start=month_start, stop=stop)
    overlap = days_between(
        greatest(outs.c.start_on, w_start),
        least(func.coalesce(outs.c.end_on, literal(stop)), w_end),
    )
    where = [
        outs.c.area_code == area_code,
        outs.c.start_on < stop,
        or_(outs.c.end_on.is_(None), outs.c.end_on > month_start),
        # A line with no day of service or no fee was not charged: leave it out early.
        lines.c.activated_on < stop,
        or_(lines.c.terminated_on.is_(None), lines.c.terminated_on > month_start),
        lines.c.monthly_fee_fen > 0,
    ]
    if sites:
        # Stated on both sides: SQLite then reads the lines of these sites through their index
        # instead of every line of the local network.
        where += [outs.c.site_id.in_(sites), lines.c.home_site.in_(sites)]
    if line_id is not None:
        where.append(lines.c.id == line_id)
    joined = outs.join(
        lines, and_(lines.c.area_code == outs.c.area_code, lines.c.home_site == outs.c.site_id)
    )
    # Grouped by the primary key, the line's own columns are its own (on both engines), and the
    # service window is worked out once a line instead of in every expression that needs it.
    # Grouped by id alone, not by site first: then the charges are looked up and the credits
    # written in id order, one pass over each index instead of one a site (20M lines: 46 -> 36 s
    # for the biggest local network's year).
    columns = [
        lines.c.id.label("line_id"),
        lines.c.home_site.label("site"),
        lines.c.monthly_fee_fen.label("fee"),
        days_between(w_start, w_end).label("window_days"),
        func.sum(greatest(overlap, 0)).label("out_days"),
    ]
    if credited_before:
        columns.append(_credited(area_code, period_of(month_start), lines.c.id).label("already"))
    return (
        select(*columns)
        .select_from(joined)
        .where(*where)
        .group_by(lines.c.id)
        .subquery("outage_days")
    )


def _credited(area_code: str, period: int, line_id: Any) -> Any:
    """What outage credits already gave a line for a month (usually nothing), as a scalar
    subquery: one range probe of the ledger's primary key under (area, month, outage, line).

    A probe a line, not a join with every credit of the month: PostgreSQL, estimating one line
    and one credit, joined the two by a nested loop that summed the month's credits again for
    each line (4 s for one local network's month of 5,180 lines on a 1M-line base)."""
    credit = table_of(LedgerEntry).alias("prior")
    return (
        select(func.coalesce(func.sum(credit.c.amount_fen), 0))
        .where(
            credit.c.area_code == area_code,
            credit.c.period == period,
            credit.c.cause == int(EntryCause.OUTAGE_CREDIT),
            credit.c.line_id == line_id,
        )
        .scalar_subquery()
    )


def month_credited(session: Session, *, area_code: str, month_start: date) -> bool:
    """Whether outage credits were written for a month in a local network (usually not)."""
    credit = table_of(LedgerEntry)
    found = session.scalar(
        select(credit.c.line_id)
        .where(
            credit.c.area_code == area_code,
            credit.c.period == period_of(month_start),
            credit.c.cause == int(EntryCause.OUTAGE_CREDIT),
        )
        .limit(1)
    )
    return found is not None


def first_outage(session: Session, *, area_code: str, site_id: str) -> date | None:
    """Return the day a site's first outage began, if it ever had one."""
    return session.scalar(
        select(func.min(SiteOutage.start_on)).where(
            SiteOutage.area_code == area_code, SiteOutage.site_id == site_id
        )
    )


def outage_credited_fen(session: Session, *, area_code: str, line_id: int) -> int:
    """Return the fen outage credits have given a line so far."""
    entries = table_of(LedgerEntry)
    total = session.scalar(
        select(func.coalesce(func.sum(entries.c.amount_fen), 0)).where(
            entries.c.area_code == area_code,
            entries.c.line_id == line_id,
            entries.c.cause == int(EntryCause.OUTAGE_CREDIT),
        )
    )
    return int(total or 0)


def areas_with_outages(session: Session) -> list[str]:
    """Return the local networks where some site was ever out of service, by area code."""
    outs = table_of(SiteOutage)
    return list(session.scalars(select(outs.c.area_code).distinct().order_by(outs.c.area_code)))


def sites_out_during(
    session: Session, *, area_code: str, month_start: date, stop: date
) -> list[str]:
    """Return the sites of a local network out of service some day in [month_start, stop)."""
    outs = table_of(SiteOutage)
    query = (
        select(outs.c.site_id)
        .distinct()
        .where(
            outs.c.area_code == area_code,
            outs.c.start_on < stop,
            or_(outs.c.end_on.is_(None), outs.c.end_on > month_start),
        )
    )
    return list(session.scalars(query))
