"""Every select and write of snapshots, flows and official series (set-based, portable SQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from sunset.db import table_of
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES, LineStatus
from sunset.offers.models import Migration
from sunset.plans.models import RetirementPlan
from sunset.sites.models import BaseStation
from sunset.stats.flows import Flow
from sunset.stats.models import MonthlyFlow, MonthlySnapshot, OfficialPoint

GROUP_COLUMNS = {"region": "area_code", "operator": "operator_code", "network": "network_code"}
UPKEEP_STATUSES = ("on_air", "faulty")  # sites that still cost their upkeep


def status_on(day: date) -> ColumnElement[str]:
    """A line's status as it stood at the end of ``day``.

    A line that left after ``day`` was still live then (suspended if its sunset suspension had
    begun); a line suspended after ``day`` was still active. So a month-end run late, after
    migrations or ports dated later, records the month as it was.
    """
    lines = table_of(Line)
    live_then = case(
        (lines.c.suspended_on <= day, LineStatus.SUSPENDED.value),
        else_=LineStatus.ACTIVE.value,
    )
    return case(
        (lines.c.terminated_on > day, live_then),
        (
            and_(lines.c.status == LineStatus.SUSPENDED.value, lines.c.suspended_on > day),
            LineStatus.ACTIVE.value,
        ),
        else_=lines.c.status,
    )


@dataclass(frozen=True)
class Recorded:
    """What a month-end snapshot wrote, and the lines activated in the month it counted."""

    rows: int
    activated: Mapping[tuple[str, str], int]  # (operator, network) -> lines


def record_snapshot(session: Session, *, area_code: str, month: str, day: date) -> Recorded:
    """Replace a local network's snapshot of ``month`` with its lines by status on ``day``;
    count, in the same pass, the lines activated in the month (new lines, migrations in)."""
    snapshots, lines = table_of(MonthlySnapshot), table_of(Line)
    session.execute(
        delete(snapshots).where(snapshots.c.area_code == area_code, snapshots.c.month == month)
    )
    first = day.replace(day=1)
    per_line = (
        select(
            lines.c.network_code,
            lines.c.operator_code,
            status_on(day).label("status"),
            case((lines.c.activated_on >= first, 1), else_=0).label("joined"),
        )
        .where(lines.c.area_code == area_code, lines.c.activated_on <= day)
        .subquery()
    )
    # One count a status side by side, grouped in the order of the index by local network: a
    # status as a grouping column made SQLite sort every line of the network (20M lines:
    # 15.3 -> 11.6 s).
    counted = select(
        per_line.c.operator_code,
        per_line.c.network_code,
        func.sum(per_line.c.joined),
        *(func.sum(case((per_line.c.status == s.value, 1), else_=0)) for s in LineStatus),
    ).group_by(per_line.c.network_code, per_line.c.operator_code)
    groups = [
        (str(op), str(net), int(joined or 0), *c)
        for op, net, joined, *c in session.execute(counted)
    ]
    rows = [
        {
            "area_code": area_code,
            "month": month,
            "operator_code": operator,
            "network_code": network,
            "status": status.value,
            "lines": count,
        }
        for operator, network, _, *counts in groups
        for status, count in zip(LineStatus, counts, strict=True)
        if count
    ]
    if rows:
        session.execute(insert(snapshots), rows)
    activated = {(op, net): joined for op, net, joined, *_ in groups if joined}
    return Recorded(rows=len(rows), activated=activated)


def live_in_snapshot(
    session: Session, *, area_code: str, month: str, networks: Sequence[str]
) -> int:
    """Return the live lines (active or suspended) a local network's snapshot of ``month``
    counted, on ``networks`` (all of them when none is named): a few rows, where counting the
    lines again would read them all."""
    snapshots = table_of(MonthlySnapshot)
    query = select(func.sum(snapshots.c.lines)).where(
        snapshots.c.area_code == area_code,
        snapshots.c.month == month,
        snapshots.c.status.in_(LIVE_STATUSES),
    )
    if networks:
        query = query.where(snapshots.c.network_code.in_(list(networks)))
    return session.scalar(query) or 0


def _group(table: object, by: str | None) -> ColumnElement[str]:
    if by is None:
        return literal("all")
    return getattr(table, "c")[GROUP_COLUMNS[by]]  # noqa: B009


def live_by_month(
    session: Session,
    *,
    by: str | None = None,
    area_code: str | None = None,
    network_code: str | None = None,
    operator_code: str | None = None,
    since: str | None = None,
) -> list[tuple[str, str, int]]:
    """Return (group, month, live lines) for every recorded month-end (from ``since``)."""
    snaps = table_of(MonthlySnapshot)
    group = _group(snaps, by)
    live = func.sum(case((snaps.c.status.in_(LIVE_STATUSES), snaps.c.lines), else_=0))
    query = select(group, snaps.c.month, live).group_by(group, snaps.c.month)
    if area_code is not None:
        query = query.where(snaps.c.area_code == area_code)
    if network_code is not None:
        query = query.where(snaps.c.network_code == network_code)
    if operator_code is not None:
        query = query.where(snaps.c.operator_code == operator_code)
    if since is not None:
        query = query.where(snaps.c.month >= since)
    return [(str(g), str(m), int(n or 0)) for g, m, n in session.execute(query)]


def recorded_months(session: Session) -> list[str]:
    """Return every month whose month-end was recorded (YYYY-MM), in order."""
    snaps = table_of(MonthlySnapshot)
    query = select(snaps.c.month).distinct().order_by(snaps.c.month)
    return [str(m) for m in session.scalars(query)]


def last_month(session: Session) -> str | None:
    """Return the latest month-end recorded (YYYY-MM), or None before the first."""
    snaps = table_of(MonthlySnapshot)
    found = session.scalar(select(func.max(snaps.c.month)))
    return str(found) if found else None


def flows_by_month(
    session: Session,
    *,
    by: str | None = None,
    network_code: str | None = None,
    operator_code: str | None = None,
) -> dict[tuple[str, str], Flow]:
    """Return the flows (departures by how, activations, refunds) per (group, month)."""
    flows = table_of(MonthlyFlow)
    group = _group(flows, by)
    sums = [func.sum(flows.c[c]) for c in Flow._fields]
    query = select(group, flows.c.month, *sums).group_by(group, flows.c.month)
    if network_code is not None:
        query = query.where(flows.c.network_code == network_code)
    if operator_code is not None:
        query = query.where(flows.c.operator_code == operator_code)
    return {
        (str(g), str(m)): Flow(*(int(v or 0) for v in rest))
        for g, m, *rest in session.execute(query)
    }


def planned_networks(session: Session) -> list[str]:
    """Return the networks with a retirement plan in some local network, in code order."""
    plans = table_of(RetirementPlan)
    query = select(plans.c.network_code).distinct().order_by(plans.c.network_code)
    return [str(code) for code in session.scalars(query)]


def replace_series(session: Session, *, series: str, points: Sequence[dict[str, object]]) -> int:
    """Replace every point of an official series with ``points``."""
    table = table_of(OfficialPoint)
    session.execute(delete(table).where(table.c.series == series))
    if points:
        session.execute(insert(table), [{"series": series, **p} for p in points])
    return len(points)


def series_points(session: Session, series: str) -> list[tuple[str, float]]:
    """Return (month, value in 10k) of an official series, in month order."""
    table = table_of(OfficialPoint)
    query = (
        select(table.c.month, table.c.value_10k)
        .where(table.c.series == series)
        .order_by(table.c.month)
    )
    return [(str(m), float(v)) for m, v in session.execute(query)]


def series_names(session: Session) -> list[str]:
    """Return the names of the official series loaded."""
    table = table_of(OfficialPoint)
    return list(session.scalars(select(table.c.series).distinct().order_by(table.c.series)))


def live_lines(
    session: Session,
    *,
    network_code: str,
    eligibility: Sequence[ColumnElement[bool]] = (),
) -> list[tuple[Any, ...]]:
    """Return (area code, prepaid, balance fen, monthly fee fen, without service, then one flag
    per ``eligibility`` condition) of every live line; a line is without service when its home
    base station is off air or dismantled."""
    lines, sites = table_of(Line), table_of(BaseStation)
    unserved = (
        select(sites.c.site_id)
        .where(
            sites.c.site_id == lines.c.home_site,
            sites.c.status.notin_(UPKEEP_STATUSES),
        )
        .exists()
    )
    flags = [case((condition, True), else_=False) for condition in eligibility]
    query = select(
        lines.c.area_code,
        lines.c.prepaid,
        lines.c.balance_fen,
        lines.c.monthly_fee_fen,
        unserved,
        *flags,
    ).where(lines.c.network_code == network_code, lines.c.status.in_(LIVE_STATUSES))
    # In the lines' own order: a simulation draws each line's fate by its place in the base,
    # and a plain read returns the rows as they lie on disk, which every update changes on
    # PostgreSQL (the same seed gave another answer after a month-end).
    query = query.order_by(lines.c.area_code, lines.c.id)
    return [
        (str(a), bool(p), int(b), int(f), bool(u), *(bool(x) for x in rest))
        for a, p, b, f, u, *rest in session.execute(query)
    ]


def migrations_by_offer(session: Session, *, since: date, before: date) -> dict[str, int]:
    """Count the migrations of each offer made in [since, before)."""
    query = (
        select(Migration.offer_id, func.count())
        .where(Migration.migrated_on >= since, Migration.migrated_on < before)
        .group_by(Migration.offer_id)
    )
    return {str(o): int(n) for o, n in session.execute(query)}


def upkeep_by_area(session: Session, *, network_code: str) -> dict[str, int]:
    """Return the monthly upkeep (fen) of the base stations still costing it, per area."""
    sites = table_of(BaseStation)
    query = (
        select(sites.c.area_code, func.sum(sites.c.monthly_upkeep_fen))
        .where(sites.c.network_code == network_code, sites.c.status.in_(UPKEEP_STATUSES))
        .group_by(sites.c.area_code)
    )
    return {str(a): int(f or 0) for a, f in session.execute(query)}


def count_where(session: Session, condition: ColumnElement[bool]) -> int:
    """Count the lines meeting ``condition``."""
    lines = table_of(Line)
    return int(session.scalar(select(func.count()).select_from(lines).where(condition)) or 0)
