"""Benchmark crediting a year of site outages over a whole base (no charge for no service).

    .venv/bin/python benchmarks/outage_credits.py --database sqlite:///benchmarks/out/care-1m.db

On a database holding an imported base (a copy: this writes to it): a base station is created
for every home site the lines name, the cycle charges 2011 month by month (skipped when the
database has already been charged), then a year of history is recorded for a share of the sites
(faulty for days, off air for months, some dismantled), directly in the tables, as a history
recorded late. Timed: `cycle.credits.credit_history` (what `sunset sites credit --from 2011-01 --to
2011-12` runs): every month of 2011 in every local network, one transaction per local network,
then the same again (a rerun must write nothing).
Prints seconds, entries, fen, lines credited and the peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import date, timedelta

from sqlalchemy import Engine, text
from timing import print_statements, time_statements

from sunset.cycle.credits import credit_history
from sunset.cycle.daily import run_cycle
from sunset.db import make_engine, session_scope
from sunset.sites import history, repository
from sunset.sites.models import BaseStation

YEAR = 2011


def ensure_sites(engine: Engine) -> int:
    """Create a base station for every home site the lines name (once)."""
    with session_scope(engine) as session:
        session.execute(
            text(
                "INSERT INTO base_stations (site_id, area_code, network_code, status,"
                " monthly_upkeep_fen) SELECT DISTINCT home_site, area_code, network_code,"
                " 'on_air', 120000 FROM lines WHERE home_site IS NOT NULL AND home_site NOT IN"
                " (SELECT site_id FROM base_stations)"
            )
        )
        return int(session.execute(text("SELECT COUNT(*) FROM base_stations")).scalar_one())


def last_day(months: int) -> date:
    """The last day of the ``months``-th month of the year."""
    return date(YEAR + months // 12, months % 12 + 1, 1) - timedelta(days=1)


def charge_year(engine: Engine, months: int) -> float:
    """Run the cycle through the months unless it has run; return the seconds it took."""
    with engine.connect() as conn:
        done = conn.execute(text("SELECT MAX(done_through) FROM cycle_progress")).scalar()
    if done is not None and str(done) >= last_day(months).isoformat():
        return 0.0
    started = time.perf_counter()
    run_cycle(engine, until=last_day(months), start=date(YEAR, 1, 1))
    return time.perf_counter() - started


def random_history(rng: random.Random, months: int) -> list[history.Change]:
    """The months of one site: faulty for days, off air for months, or dismantled."""
    start = date(YEAR, 1, 1) + timedelta(days=rng.randrange(last_day(months).timetuple().tm_yday))
    kind = rng.random()
    if kind < 0.5:
        back = start + timedelta(days=rng.randint(1, 10))
        return [history.Change(start, "faulty"), history.Change(back, "on_air")]
    if kind < 0.85:
        back = start + timedelta(days=rng.randint(30, 180))
        return [history.Change(start, "off_air"), history.Change(back, "on_air")]
    return [history.Change(start, "dismantled")]


def record_history(engine: Engine, *, share: float, seed: int, months: int) -> int:
    """Record a year of history for a share of the sites, without crediting; return how many."""
    rng = random.Random(seed)
    with session_scope(engine) as session:
        sites = session.query(BaseStation).order_by(BaseStation.site_id).all()
        chosen = [s for s in sites if rng.random() < share]
        for site in chosen:
            changes = random_history(rng, months)
            for change in changes:
                repository.save_change(session, site, change, recorded_on=date(YEAR + 1, 1, 5))
            repository.replace_outages(session, site, history.outages(changes))
    return len(chosen)


def credit_year(engine: Engine, months: int) -> tuple[float, int]:
    """Credit every month in every local network (`sunset sites credit`); return seconds and
    entries."""
    started = time.perf_counter()
    done = credit_history(
        engine, first=date(YEAR, 1, 1), last=date(YEAR, months, 1), today=date(YEAR + 1, 1, 5)
    )
    return time.perf_counter() - started, sum(area.entries for area in done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a base (a copy)")
    parser.add_argument("--share", type=float, default=0.2, help="share of sites with outages")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--months", type=int, default=12, help="months of 2011 (default all)")
    parser.add_argument("--charge-only", action="store_true", help="stop once the year is charged")
    parser.add_argument("--statements", type=int, default=0, help="print the N slowest SQL")
    args = parser.parse_args()
    engine = make_engine(args.database)
    with engine.connect() as conn:
        lines = int(conn.execute(text("SELECT COUNT(*) FROM lines")).scalar_one())
    sites = ensure_sites(engine)
    charged = charge_year(engine, args.months)
    print(
        f"{lines:,} lines, {sites:,} sites; {args.months} month(s) charged in {charged:,.1f} s"
        " (0: already)"
    )
    if args.charge_only:
        return
    with engine.connect() as conn:
        if conn.execute(text("SELECT COUNT(*) FROM site_outages")).scalar_one() == 0:
            recorded = record_history(engine, share=args.share, seed=args.seed, months=args.months)
            print(f"history recorded for {recorded:,} sites")
    statements = time_statements(engine) if args.statements else {}
    seconds, written = credit_year(engine, args.months)
    timed = {sql: list(runs) for sql, runs in statements.items()}
    with engine.connect() as conn:
        fen, credited = conn.execute(
            text(
                "SELECT COALESCE(SUM(amount_fen), 0), COUNT(DISTINCT line_id) FROM ledger_entries"
                " WHERE cause = 4"  # ledger.rules.EntryCause.OUTAGE_CREDIT
            )
        ).one()
    print(
        f"credited {args.months} month(s) of outages: {seconds:,.1f} s, {written:,} entries,"
        f" {credited:,} lines, {fen / 100:,.2f} yuan in all; {lines / seconds:,.0f} base lines/s"
    )
    again, rewritten = credit_year(engine, args.months)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rerun: {again:,.1f} s, {rewritten:,} entries written; peak RSS {peak:,.0f} MiB")
    if args.statements:
        print("the first run's statements:")
        print_statements(timed, args.statements)
    engine.dispose()


if __name__ == "__main__":
    main()
