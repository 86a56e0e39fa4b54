"""Benchmark offer eligibility for one line and campaign lists over a whole base.

    .venv/bin/python benchmarks/offers.py --database sqlite:///benchmarks/out/bench-import.db

Needs a database holding an imported base (benchmarks/import_lines.py leaves one in
benchmarks/out/). Prints:
- eligibility through the Python API (`offers.service.offers_for`: the line, its facts with the
  customer, every configured offer's conditions), database included, for random live numbers:
  p50 / p99 / max in ms;
- campaign lists (`offers.jobs.build_campaign`, CSV written) for the shipped Chongqing offer
  (one region) and for an offer open to every region, which scans the whole base with the
  customer join: lines written, seconds, lines scanned per second, peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from sunset.db import make_engine, session_scope
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES
from sunset.offers import jobs, service
from sunset.offers.schemas import Offer

DAY = date(2011, 1, 20)
EVERYONE = Offer.model_validate(
    {
        "id": "bench-everyone",
        "name": "every PHS line, any region",
        "operator": "telecom",
        "valid_from": "2009-01-01",
        "conditions": {
            "networks": ["phs"],
            "activated_before": "2008-01-01",
            "no_owner_change_months": 3,
            "real_name": True,
            "no_arrears": True,
        },
        "outcome": {"operator": "telecom", "network": "cdma2000", "plans_yuan": [35]},
    }
)


def sample_numbers(url: str, n: int, seed: int) -> list[str]:
    """Pick ``n`` live numbers at random (by id, so the pick does not favour a region)."""
    engine = make_engine(url, migrate=False)
    rng = random.Random(seed)
    with session_scope(engine) as session:
        top = session.scalar(select(func.max(Line.id))) or 0
        ids = rng.sample(range(1, top + 1), min(n * 2, top))
        query = select(Line.number).where(Line.id.in_(ids), Line.status.in_(LIVE_STATUSES))
        numbers = list(session.scalars(query))[:n]
    engine.dispose()
    return numbers


def eligibility(url: str, numbers: list[str]) -> list[float]:
    """Time ``offers_for`` per number, each in its own session like a care agent's request."""
    engine = make_engine(url, migrate=False)
    timings = []
    for number in numbers:
        started = time.perf_counter()
        with session_scope(engine) as session:
            views = service.offers_for(session, number=number, today=DAY)
        timings.append((time.perf_counter() - started) * 1000)
        assert views
    engine.dispose()
    return sorted(timings)


def campaign(url: str, offer: Offer, total: int) -> None:
    """Build one campaign list into a temporary file and print its figures."""
    engine = make_engine(url, migrate=False)
    with tempfile.TemporaryDirectory() as tmp, session_scope(engine) as session:
        started = time.perf_counter()
        result = jobs.build_campaign(session, offer=offer, today=DAY, out=Path(tmp) / "c.csv")
        seconds = time.perf_counter() - started
        size = (Path(tmp) / "c.csv").stat().st_size / 2**20
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"campaign {offer.id}: {result.lines:,} lines written ({size:,.0f} MiB) from a base of "
        f"{total:,} in {seconds:,.1f} s ({total / seconds:,.0f} base lines/s); "
        f"peak RSS {peak:,.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of an imported base")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    engine = make_engine(args.database)
    with session_scope(engine) as session:
        total = session.scalar(select(func.count()).select_from(Line)) or 0
    engine.dispose()
    numbers = sample_numbers(args.database, args.samples, args.seed)
    eligibility(args.database, numbers[:50])  # warm the caches and the offer files
    ms = eligibility(args.database, numbers)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    print(
        f"eligibility (offers_for, {len(service.list_offers())} offers, {len(ms):,} lines of "
        f"{total:,}): p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {ms[-1]:.2f} ms"
    )
    campaign(args.database, service.get_offer_or_raise("chongqing-2009-tianyi"), total)
    campaign(args.database, EVERYONE, total)


if __name__ == "__main__":
    main()
