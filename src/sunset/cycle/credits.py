"""Outage credits over a stretch of months, every local network with an outage on record: for a
site history corrected in the database rather than through ``sunset sites status``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from sunset.cluster.routing import Reach, layout_of, on_each_server, share_reference
from sunset.cycle.workers import each_at_once, workers_for
from sunset.db import plan_without_jit, session_scope, use_batch_cache
from sunset.errors import InputInvalidError
from sunset.ledger.partitions import prepare_periods, refuse_archived
from sunset.ledger.rules import periods_between
from sunset.reference import repository as reference
from sunset.sites import repository as sites
from sunset.sites.history import months_between
from sunset.sites.jobs import credit_stretch


@dataclass(frozen=True)
class AreaCredits:
    """What crediting a stretch of months wrote in one local network."""

    area_code: str
    entries: int
    fen: int


def credit_history(
    engine: Engine,
    *,
    first: date,
    last: date,
    today: date,
    area_codes: Sequence[str] | None = None,
    progress: Callable[[AreaCredits], None] | None = None,
    workers: int | None = None,
) -> list[AreaCredits]:
    """Credit, month by month from ``first``'s month to ``last``'s, every charged day lost to a
    home site out of service, in every local network with an outage on record (or those named).

    For a site history recorded late (a batch of corrections from the network's logs): each
    month as ``credit_outages`` does it, dated ``today``. One transaction a local network, so
    that a failure leaves every network either credited or untouched; a rerun writes nothing.
    """
    if first > last:
        raise InputInvalidError(f"{first:%Y-%m} is after the last month {last:%Y-%m}", field="from")
    if last.replace(day=1) > today:
        raise InputInvalidError(
            f"{last:%Y-%m} is after today ({today}): nothing is charged yet", field="to"
        )
    with session_scope(engine) as session:
        with_outages = sites.areas_with_outages(session)
        unknown = sorted(set(area_codes or ()) - set(reference.local_networks(session)))
    if unknown:
        raise InputInvalidError(f"unknown local network(s) {', '.join(unknown)} (an area code)")
    areas = list(with_outages if area_codes is None else area_codes)
    with session_scope(engine) as session:
        refuse_archived(session, periods_between(first, last))  # even with nothing to credit
    plan = layout_of(engine)
    reach = Reach()
    share_reference(plan, plan.by_server(areas), reach)

    def prepare(server: Engine, _held: list[str]) -> None:
        with session_scope(server, write=True) as session:
            # Before the networks' transactions start: see ledger.partitions.
            prepare_periods(session, periods_between(first, last))

    on_each_server(plan, areas, prepare, reach)

    def credit(area: str) -> AreaCredits:
        try:
            with session_scope(plan.engine_for(area), write=True) as session:
                use_batch_cache(session)  # one statement's pages are written again by the next
                plan_without_jit(session)
                written = credit_stretch(
                    session,
                    area_code=area,
                    months=months_between(first, last),
                    entry_date=today,
                )
        except DBAPIError as error:  # its server went down: the others go on
            reach.note(plan.server_of(area), error)
            return AreaCredits(area_code=area, entries=0, fen=0)
        return AreaCredits(area_code=area, entries=written.entries, fen=written.fen)

    # On PostgreSQL several local networks at once, each in its own transaction (as the cycle);
    # on a cluster each on the server that holds it.
    done = {}
    ready = reach.ready(plan, plan.interleaved(areas))
    for area, credited in each_at_once(credit, ready, workers=workers_for(engine, workers)):
        done[area] = credited
        if progress and plan.server_of(area) not in reach.down:
            progress(credited)
    reach.refuse_if_any(plan, done="The other networks are credited.")
    return [done[area] for area in areas]
