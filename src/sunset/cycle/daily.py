"""The daily cycle: walk each local network's days, one transaction a day with work.

For each local network the cycle walks the days after its checkpoint. On a day with something to
do (degradation, a month-end, a switch-off sweep, numbers leaving quarantine) it runs set-based
statements over that network's lines and commits them together with the new checkpoint, so a
crash at any point leaves either the whole day done or none of it, and a rerun carries on from
the checkpoint: running twice gives the state of one clean run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sunset.cluster.routing import Reach, layout_of, on_each_server, survey
from sunset.cycle import repository, steps
from sunset.cycle.report import CycleReport
from sunset.cycle.workers import each_at_once, workers_for
from sunset.db import session_scope
from sunset.ledger import repository as ledger
from sunset.ledger.partitions import prepare_periods
from sunset.ledger.rules import periods_between
from sunset.lines import repository as lines
from sunset.plans import repository as plans
from sunset.plans.rules import PlanDates
from sunset.plans.service import dates_of
from sunset.stats import repository as snapshots
from sunset.stats.jobs import record_month_end


@dataclass
class _Network:
    code: str
    plan: PlanDates
    degrade_on: date | None
    # The next day the switch-off has lines to take: its date, then each day a held-back line
    # (exempt, told late, vulnerable) becomes free to go; month-ends are swept as well.
    sweep_on: date | None = None

    def sweeps(self, day: date) -> bool:
        off = self.plan.switched_off
        if off is None or day < off:
            return False
        return (
            day == off or is_month_end(day) or (self.sweep_on is not None and self.sweep_on <= day)
        )


Progress = Callable[[str, date], None]


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def is_month_end(day: date) -> bool:
    """Tell whether ``day`` is the last of its month."""
    return (day + timedelta(days=1)).month != day.month


def run_cycle(
    engine: Engine,
    *,
    until: date,
    start: date | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> CycleReport:
    """Run the cycle in every local network up to and including ``until``.

    On PostgreSQL several local networks run at once, each in its own connection (``workers``,
    by default the ``batch_workers`` setting: one per core). A local network's days touch only
    its own lines, entries, totals and checkpoint, so they never wait for each other. On SQLite,
    one writer at a time, they run one after the other. On a cluster each network's days are
    written on the server that holds it (``cluster``); a server down stops only its networks,
    named once the others are done (``SERVER_DOWN``), and a rerun finishes them.
    """
    workers = workers_for(engine, workers)
    plan = layout_of(engine)
    reach = Reach()
    with session_scope(engine) as session:
        default_start = start or _day_after(repository.last_import_day(session)) or until
        # Biggest first when several run at once: the last to start are the quick ones.
        if plan.clustered:
            areas = survey(plan, reach)  # each server's own networks; a server down noted
        elif workers > 1:
            areas = repository.areas_largest_first(session)
        else:
            areas = repository.areas_with_lines(session)

    def prepare(server: Engine, held: list[str]) -> None:
        _prepare_months(server, held, first=default_start, until=until)

    on_each_server(plan, areas, prepare, reach)

    def run(area_code: str) -> CycleReport:
        done = CycleReport()
        try:
            _run_area(
                plan.engine_for(area_code),
                area_code,
                until=until,
                default_start=default_start,
                report=done,
            )
        except DBAPIError as error:  # its server went down: the others go on
            reach.note(plan.server_of(area_code), error)
        return done

    report = CycleReport()
    for area_code, done in each_at_once(run, reach.ready(plan, areas), workers=workers):
        report.add(done)
        if progress:
            progress(area_code, until)
    reach.refuse_if_any(plan, done=f"The other networks ran through {until}.")
    return report


def _prepare_months(engine: Engine, areas: list[str], *, first: date, until: date) -> None:
    """Give the ledger a place for every month the run may write, and the month after (on
    PostgreSQL, its partitions; before the networks' transactions start: see
    ``ledger.partitions``), on the server that holds ``areas``."""
    with session_scope(engine) as session:
        done = [ledger.checkpoint(session, area) for area in areas]
        # Each network from the day after its checkpoint (``first`` if it has none): a month
        # archived behind every checkpoint is not one the run writes.
        starts = [first if d is None else d + timedelta(days=1) for d in done] or [first]
        last = (until.replace(day=1) + timedelta(days=31)).replace(day=1)
        prepare_periods(session, periods_between(min(min(starts), until), last))


def _day_after(day: date | None) -> date | None:
    return day + timedelta(days=1) if day else None


def _networks(session: Session, area_code: str) -> list[_Network]:
    return [
        _Network(p.network_code, dates_of(p), p.degrade_on)
        for p in plans.list_all(session)
        if p.area_code == area_code
    ]


def _run_area(
    engine: Engine, area_code: str, *, until: date, default_start: date, report: CycleReport
) -> None:
    with session_scope(engine) as session:
        done = ledger.checkpoint(session, area_code)
        networks = _networks(session, area_code)
        release_on = repository.next_release(session, area_code)
    first = done + timedelta(days=1) if done else default_start
    for net in networks:
        net.sweep_on = first  # whatever was freed between runs goes on the first day
    saved = done
    for day in _days(first, until):
        if not _has_work(day, networks, release_on):
            continue
        with session_scope(engine, write=True) as session:
            if (ledger.checkpoint(session, area_code, lock=True) or date.min) >= day:
                continue  # another run did this day meanwhile
            _run_day(session, area_code, day, networks, report)
            ledger.save_checkpoint(session, area_code, day)
            release_on = repository.next_release(session, area_code)
        saved = day
        report.days_committed += 1
    # The days after the last one with work had nothing to do: the checkpoint moves past them
    # (a transaction of its own only when there were such days).
    if first <= until and saved != until:
        with session_scope(engine, write=True) as session:
            ledger.save_checkpoint(session, area_code, until)


def _has_work(day: date, networks: list[_Network], release_on: date | None) -> bool:
    if is_month_end(day) or (release_on is not None and release_on <= day):
        return True
    for net in networks:
        if net.degrade_on == day:
            return True
        if net.sweeps(day):
            return True
    return False


def _run_day(
    session: Session, area_code: str, day: date, networks: list[_Network], report: CycleReport
) -> None:
    stats = report.at(day, area_code)
    for net in networks:
        if net.degrade_on == day:
            stats.barred += lines.bar_outgoing(session, area_code=area_code, network_code=net.code)
        if net.sweeps(day):
            net.sweep_on = steps.switch_off(session, area_code, net.code, day, stats)
    if is_month_end(day):
        steps.month_end(session, area_code, day, {net.code: net.plan for net in networks}, stats)
        record_month_end(session, area_code=area_code, day=day)
        # Live on the networks being retired (a line migrated to the new network has left them),
        # as the month's snapshot has just counted them.
        stats.live_at_end = snapshots.live_in_snapshot(
            session,
            area_code=area_code,
            month=f"{day:%Y-%m}",
            networks=[net.code for net in networks],
        )
    stats.released += lines.release_quarantine(session, area_code=area_code, day=day)
