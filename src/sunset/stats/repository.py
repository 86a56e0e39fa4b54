"""Every select and write of snapshots, flows and official series (set-based, portable SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from sunset.db import execute_counted, table_of
from sunset.ledger.models import Refund
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES, LineStatus
from sunset.offers.models import Migration
from sunset.porting.models import PortRequest
from sunset.sites.models import BaseStation
from sunset.stats.models import MonthlyFlow, MonthlySnapshot, OfficialPoint

LEFT = (LineStatus.TERMINATED.value, LineStatus.MIGRATED.value, LineStatus.PORTED_OUT.value)
GROUP_COLUMNS = {"region": "area_code", "operator": "operator_code"}
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


def record_snapshot(session: Session, *, area_code: str, month: str, day: date) -> int:
    """Replace a local network's snapshot of ``month`` with its lines by status on ``day``."""
    snapshots, lines = table_of(MonthlySnapshot), table_of(Line)
    session.execute(
        delete(snapshots).where(snapshots.c.area_code == area_code, snapshots.c.month == month)
    )
    per_line = (
        select(lines.c.network_code, lines.c.operator_code, status_on(day).label("status"))
        .where(lines.c.area_code == area_code, lines.c.activated_on <= day)
        .subquery()
    )
    # One count a status side by side, grouped in the order of the index by local network: a
    # status as a grouping column made SQLite sort every line of the network (20M lines:
    # 15.3 -> 11.6 s).
    counted = select(
        per_line.c.operator_code,
        per_line.c.network_code,
        *(func.sum(case((per_line.c.status == s.value, 1), else_=0)) for s in LineStatus),
    ).group_by(per_line.c.network_code, per_line.c.operator_code)
    rows = [
        {
            "area_code": area_code,
            "month": month,
            "operator_code": operator,
            "network_code": network,
            "status": status.value,
            "lines": count,
        }
        for operator, network, *counts in session.execute(counted)
        for status, count in zip(LineStatus, counts, strict=True)
        if count
    ]
    if rows:
        session.execute(insert(snapshots), rows)
    return len(rows)


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


FLOW_COLUMNS = [
    "area_code",
    "month",
    "operator_code",
    "network_code",
    *LEFT,
    "refunds",
    "refunded_fen",
]


def _departures(area_code: str, first: date, last: date) -> Select[Any]:
    """One row per line that left between ``first`` and ``last``: a 1 under how it left."""
    lines = table_of(Line)
    return select(
        lines.c.operator_code.label("op"),
        lines.c.network_code.label("net"),
        *(case((lines.c.status == s, 1), else_=0).label(s) for s in LEFT),
        literal(0).label("refunds"),
        literal(0).label("fen"),
    ).where(
        lines.c.area_code == area_code,
        lines.c.status.in_(LEFT),
        lines.c.terminated_on.between(first, last),
        text("terminated_on IS NOT NULL"),  # literally the partial index's own condition
    )


def _refunds(area_code: str, first: date, last: date) -> Select[Any]:
    """One row per refund made between ``first`` and ``last``, with its line's operator."""
    lines, refunds = table_of(Line), table_of(Refund)
    same_line = and_(lines.c.area_code == refunds.c.area_code, lines.c.id == refunds.c.line_id)
    return (
        select(
            lines.c.operator_code,
            lines.c.network_code,
            *(literal(0) for _ in LEFT),
            literal(1),
            refunds.c.amount_fen,
        )
        .join(lines, same_line)
        .where(refunds.c.area_code == area_code, refunds.c.created_on.between(first, last))
    )


def record_flows(session: Session, *, area_code: str, month: str, first: date, last: date) -> int:
    """Replace a local network's flows of ``month``: lines that left between ``first`` and
    ``last`` by how they left (their status, dated by terminated_on), and the refunds made."""
    flows = table_of(MonthlyFlow)
    session.execute(delete(flows).where(flows.c.area_code == area_code, flows.c.month == month))
    both = union_all(_departures(area_code, first, last), _refunds(area_code, first, last))
    rows = both.subquery()
    summed = select(
        literal(area_code),
        literal(month),
        rows.c.op,
        rows.c.net,
        *(func.sum(rows.c[s]) for s in (*LEFT, "refunds", "fen")),
    ).group_by(rows.c.op, rows.c.net)
    return execute_counted(session, insert(flows).from_select(FLOW_COLUMNS, summed))


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
) -> dict[tuple[str, str], tuple[int, ...]]:
    """Return (terminated, migrated, ported out, refunds, refunded fen) per (group, month)."""
    flows = table_of(MonthlyFlow)
    group = _group(flows, by)
    sums = [func.sum(flows.c[c]) for c in (*LEFT, "refunds", "refunded_fen")]
    query = select(group, flows.c.month, *sums).group_by(group, flows.c.month)
    if network_code is not None:
        query = query.where(flows.c.network_code == network_code)
    if operator_code is not None:
        query = query.where(flows.c.operator_code == operator_code)
    return {
        (str(g), str(m)): tuple(int(v or 0) for v in rest) for g, m, *rest in session.execute(query)
    }


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


def moves_by_target(
    session: Session, *, last: date, operator_code: str | None = None
) -> list[tuple[str, str, str, int]]:
    """Count the lines moved on to another network up to ``last``, by month, how (migration,
    port) and target (operator/network): [(YYYY-MM, how, target, lines)], month order.

    ``operator_code``: only the lines that operator lost (its migrations, its ports out)."""
    new = aliased(Line)
    migrations = (
        select(Migration.migrated_on, literal("migration"), new.operator_code, new.network_code)
        .join(new, new.id == Migration.new_line_id)
        .where(Migration.migrated_on <= last)
    )
    ports = select(
        PortRequest.closed_at,
        literal("port"),
        PortRequest.recipient_operator,
        PortRequest.recipient_network,
    ).where(PortRequest.state == "completed", PortRequest.closed_at < last + timedelta(days=1))
    if operator_code is not None:
        migrations = migrations.where(new.operator_code == operator_code)  # offers: own operator
        ports = ports.where(PortRequest.donor_operator == operator_code)
    counts: dict[tuple[str, str, str], int] = {}
    for query in (migrations, ports):
        for day, how, operator, network in session.execute(query):
            key = (f"{day:%Y-%m}", how, f"{operator}/{network}")
            counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in sorted(counts.items())]


def count_where(session: Session, condition: ColumnElement[bool]) -> int:
    """Count the lines meeting ``condition``."""
    lines = table_of(Line)
    return int(session.scalar(select(func.count()).select_from(lines).where(condition)) or 0)
