"""The batch writes people start: an import of lines, sites or number-database entries, a run
of the daily cycle, outage credits over a stretch of months, the porting run, many lines closed
at their owners' request.

Each checks that the actor may start it and records one audit entry of what it did: an import
in its own transaction (all rows or none), a job that commits local network by local network
once it has finished (or failed: what it had committed stands, and the entry says where it
stopped; a rerun completes it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.cluster import twophase
from sunset.cluster.layout import is_coordinator, own_tables_only
from sunset.cluster.routing import layout_in, layout_of
from sunset.cycle import credits, daily, steps
from sunset.cycle.credits import AreaCredits
from sunset.cycle.report import CycleReport
from sunset.cycle.steps import Closed
from sunset.db import session_scope
from sunset.errors import NotFoundError, OperationRefusedError
from sunset.ingest.reader import file_sha256
from sunset.ingest.service import ImportResult
from sunset.kit import fields
from sunset.ledger import archive
from sunset.ledger import repository as ledger_repo
from sunset.ledger.archive import Archived
from sunset.ledger.models import LedgerArchive, LedgerEntry
from sunset.ledger.rules import period_label, period_of
from sunset.lines import repository as lines_repo
from sunset.lines.jobs import Elsewhere
from sunset.lines.jobs import import_lines as load_lines
from sunset.porting import jobs as porting_jobs
from sunset.routing import jobs as routing_jobs
from sunset.sites.jobs import import_sites as load_sites

from .common import audit, require_admin_of_every_operator

Progress = Callable[[int], None]


def import_lines(
    session: Session,
    actor: Actor,
    *,
    path: Path,
    today: date,
    now: datetime,
    skip_invalid: bool = False,
    errors_path: Path | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
) -> ImportResult:
    """Import lines from a CSV or Parquet file with their opening balances in the ledger; if any
    row is bad nothing is imported (unless ``skip_invalid``).

    On a cluster's coordinator each local network's lines are written on the server that holds
    it, every server at once, and the import stays all or none: the data servers' shares are
    prepared and commit with the coordinator's transaction (``cluster.twophase``).
    """
    access.require(actor, Permission.RUN_JOBS)

    def open_balances(on: Session, batch_id: int, after_line_id: int) -> int:
        return ledger_repo.add_opening_balances(
            on, batch_id=batch_id, after_line_id=after_line_id, entry_date=today
        )

    load = partial(
        load_lines,
        session,
        path=path,
        today=today,
        now=now,
        skip_invalid=skip_invalid,
        errors_path=errors_path,
        progress=progress,
        chunk_rows=chunk_rows,
        also_indexed=ledger_repo.secondary_indexes(),
        open_balances=open_balances,
    )
    connection = session.connection()
    if not is_coordinator(connection):
        result = load()
    else:
        plan = layout_in(session, steady=True)
        held = plan.by_server(plan.placed)
        twophase.settle_in_doubt(plan)
        sha = file_sha256(path)
        # Its own networks in its own tables: the parents' foreign tables, read in this
        # transaction, would tie its commit to every server's (postgres_fdw commits them too).
        own_tables_only(connection)
        with twophase.shares_on(
            session, plan, sorted(held), twophase.gid_of(twophase.IMPORT, sha)
        ) as shares:
            result = load(
                elsewhere=[
                    Elsewhere(shares.session_of(server), frozenset(areas))
                    for server, areas in held.items()
                ],
                sha256=sha,
            )
    _audit_import(session, actor, "lines", path, result, now)
    return result


def import_sites(
    session: Session,
    actor: Actor,
    *,
    path: Path,
    today: date,
    now: datetime,
    skip_invalid: bool = False,
    errors_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import base stations; if any row is bad nothing is imported (unless ``skip_invalid``)."""
    access.require(actor, Permission.RUN_JOBS)
    result = load_sites(
        session,
        path=path,
        today=today,
        now=now,
        skip_invalid=skip_invalid,
        errors_path=errors_path,
        progress=progress,
    )
    _audit_import(session, actor, "sites", path, result, now)
    return result


def import_routes(
    session: Session, actor: Actor, *, path: Path, now: datetime, errors_path: Path | None = None
) -> ImportResult:
    """Import number-database entries; if any row is bad nothing is imported."""
    access.require(actor, Permission.RUN_JOBS)
    result = routing_jobs.import_routes(session, path=path, now=now, errors_path=errors_path)
    _audit_import(session, actor, "routes", path, result, now)
    return result


def export_routes(session: Session, actor: Actor, *, path: Path) -> int:
    """Write the number database to a CSV file; return how many entries."""
    access.require(actor, Permission.READ_LINES)
    return routing_jobs.export_routes(session, path=path)


def _audit_import(
    session: Session, actor: Actor, kind: str, path: Path, result: ImportResult, now: datetime
) -> None:
    audit(
        session,
        actor,
        action=f"import.{kind}",
        target=f"{path.name} (batch {result.batch_id})",
        before=None,
        after={
            "rows_read": result.rows_read,
            "imported": result.imported,
            "rejected": result.rejected,
            "opening_entries": result.opening_entries,
        },
        now=now,
    )


def run_cycle(
    engine: Engine,
    actor: Actor,
    *,
    until: date,
    now: datetime,
    start: date | None = None,
    workers: int | None = None,
    progress: Callable[[str, date], None] | None = None,
) -> CycleReport:
    """Advance the daily cycle in every local network up to ``until`` (see ``cycle.daily``)."""
    access.require(actor, Permission.RUN_JOBS)
    twophase.settle_in_doubt(layout_of(engine))
    with _audited_job(engine, actor, "cycle.run", f"until {until}", now) as after:
        report = daily.run_cycle(
            engine, until=until, start=start, progress=progress, workers=workers
        )
        after["days_committed"] = report.days_committed
        after["months"] = {
            month: {area: asdict(counts) for area, counts in areas.items()}
            for month, areas in report.months.items()
        }
    return report


def credit_history(
    engine: Engine,
    actor: Actor,
    *,
    first: date,
    last: date,
    today: date,
    now: datetime,
    area_codes: Sequence[str] | None = None,
    workers: int | None = None,
    progress: Callable[[AreaCredits], None] | None = None,
) -> list[AreaCredits]:
    """Credit every charged day lost to a home site out of service, month by month from
    ``first`` to ``last`` (see ``cycle.credits``)."""
    access.require(actor, Permission.RUN_JOBS)
    target = f"{first:%Y-%m} to {last:%Y-%m}"
    twophase.settle_in_doubt(layout_of(engine))
    with _audited_job(engine, actor, "sites.credit", target, now) as after:
        done = credits.credit_history(
            engine,
            first=first,
            last=last,
            today=today,
            area_codes=area_codes,
            progress=progress,
            workers=workers,
        )
        after["areas"] = {a.area_code: {"entries": a.entries, "fen": a.fen} for a in done}
    return done


def close_lines(
    session: Session,
    actor: Actor,
    *,
    area_code: str,
    line_ids: Sequence[int],
    day: date,
    reason: str,
    now: datetime,
) -> Closed:
    """Close many lines of a local network on ``day`` at their owners' request (a day's batch
    of requests taken at the counters): each line's days of the month before ``day`` charged, its
    balance refunded, its number quarantined (``cycle.steps.close_lines``). A line no longer
    live is left alone; a day the cycle has already run through is refused; an admin of one
    operator may not close another operator's lines (not found, as for one line)."""
    access.require(actor, Permission.RUN_JOBS)
    why = fields.required_text(reason, field="reason", column=LedgerEntry.reference)
    if actor.operator is not None:
        others = lines_repo.operators_of(session, area_code=area_code, line_ids=line_ids)
        if others - {actor.operator}:
            raise NotFoundError(
                f"some of the {len(line_ids):,} lines of {area_code} are not lines of "
                f"{actor.operator}",
                field="line_ids",
            )
    done = steps.close_lines(session, area_code=area_code, line_ids=line_ids, day=day, reason=why)
    audit(
        session,
        actor,
        action="lines.close",
        target=f"{len(line_ids):,} lines of {area_code}",
        before=None,
        after={"day": day.isoformat(), "reason": why, **asdict(done)},
        now=now,
    )
    return done


def run_ports(session: Session, actor: Actor, *, now: datetime) -> dict[str, int]:
    """Close requests whose code expired unused, validate authorised requests from the rules and
    complete every port due by ``now``."""
    access.require(actor, Permission.RUN_JOBS)
    done = porting_jobs.run_due(session, now=now)
    audit(
        session, actor, action="port.run", target=f"due by {now}", before=None, after=done, now=now
    )
    return done


def archive_month(session: Session, actor: Actor, *, month: date, now: datetime) -> Archived:
    """Take a closed month out of the ledger on PostgreSQL (``ledger.archive``). The month holds
    every operator's entries: only an administrator of every operator may. A month archived
    before is answered as it was, with nothing written."""
    require_admin_of_every_operator(
        actor, because="a month of the ledger holds every operator's entries", does="archives it"
    )
    period = period_of(month)
    if is_coordinator(session.connection()):
        done = _archive_on_every_server(session, period=period, now=now, by=actor.name)
    else:
        done = archive.archive_month(session, period=period, now=now, by=actor.name)
    if not done.already:
        audit(
            session,
            actor,
            action="ledger.archive",
            target=period_label(done.period),
            before=None,
            after={
                "table": done.table,
                "entries": done.entries,
                "amount_fen": done.amount_fen,
                "brought_forward": done.brought_forward,
            },
            now=now,
        )
    return done


def _archive_on_every_server(session: Session, *, period: int, now: datetime, by: str) -> Archived:
    """A cluster's archive of a month: each data server's ledger in a prepared transaction of
    its own, then the coordinator's, all committed with the coordinator's transaction or none
    (``cluster.twophase``); no network moves meanwhile. Each server refuses what it would refuse
    alone (a network of its not closed, the ledger busy), naming it; nothing is archived then."""
    connection = session.connection()
    earlier = session.get(LedgerArchive, period)
    if earlier is not None:
        return archive.archive_month(session, period=period, now=now, by=by)  # as it was
    plan = layout_in(session, steady=True)
    twophase.settle_in_doubt(plan)
    gid = twophase.gid_of(twophase.ARCHIVE, str(period))
    with twophase.shares_on(session, plan, sorted(plan.servers), gid) as shares:
        parts = [
            archive.archive_here(shares.session_of(s), period=period, now=now, by=by)
            for s in sorted(plan.servers)
        ]
        own_tables_only(connection)  # its own ledger's partitions, not the parents
        parts.append(archive.archive_here(session, period=period, now=now, by=by))
        done = [p for p in parts if p is not None]
        if not done:
            raise OperationRefusedError(
                f"no server's ledger has entries of {period_label(period)}: nothing to archive",
                code="NOTHING_TO_ARCHIVE",
            )
        return archive.record_of_all(session, period=period, parts=done, now=now, by=by)


def archived_months(session: Session, actor: Actor) -> list[LedgerArchive]:
    """Every month taken out of the ledger, oldest first."""
    access.require(actor, Permission.RUN_JOBS)
    return archive.archives(session)


@contextmanager
def _audited_job(
    engine: Engine, actor: Actor, action: str, target: str, now: datetime
) -> Iterator[dict[str, Any]]:
    """Record one audit entry of a job that commits as it goes: what it did, or where it failed
    (what it had committed by then stands; a rerun completes it)."""
    after: dict[str, Any] = {}
    try:
        yield after
    except Exception as exc:
        after["failed"] = f"{type(exc).__name__}: {exc}"[:500]
        _record(engine, actor, action, target, after, now)
        raise
    _record(engine, actor, action, target, after, now)


def _record(
    engine: Engine, actor: Actor, action: str, target: str, after: dict[str, Any], now: datetime
) -> None:
    with session_scope(engine, write=True) as session:
        audit(session, actor, action=action, target=target, before=None, after=after, now=now)
