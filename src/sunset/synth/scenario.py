"""The demo's story: a synthetic PHS base, the plans of DOMAIN.md, two years of the cycle."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import Engine

from sunset.access.rules import Actor
from sunset.cycle.report import CycleReport
from sunset.db import session_scope
from sunset.notices.vocabulary import Channel
from sunset.offers import rules as offer_rules
from sunset.offers import service as offers
from sunset.synth.generator import write_base
from sunset.usecases import batch, notices, operations
from sunset.usecases import plans as plans_uc

# Who the story's writes are made by (audited under this name).
AGENT = Actor.operating_system("demo")

PLANS = Path(__file__).parent / "demo_plans.yaml"
# The synthetic base is exported on the last day before the story starts.
EXPORTED_ON = date(2010, 12, 31)
FIRST_MONTH, LAST_MONTH = date(2011, 1, 1), date(2012, 12, 1)
LAST_DAY = date(2012, 12, 31)  # the day the story ends


@dataclass(frozen=True)
class Loaded:
    """What the demo loaded."""

    lines: int
    sites: int
    opening_entries: int
    plans: int


def load(engine: Engine, folder: Path, *, lines: int, seed: int) -> Loaded:
    """Generate the base, import it through the normal import path, set the demo's plans."""
    base = write_base(folder, lines=lines, seed=seed, today=EXPORTED_ON)
    now = datetime.combine(EXPORTED_ON, time(18))
    with session_scope(engine, write=True) as session:
        batch.import_sites(session, AGENT, path=base.sites_path, today=EXPORTED_ON, now=now)
        result = batch.import_lines(
            session, AGENT, path=base.lines_path, today=EXPORTED_ON, now=now
        )
        # Each plan publishes the public notice of each phase, with its comment board.
        views = plans_uc.import_plans(
            session, AGENT, rows=_spec()["plans"], today=EXPORTED_ON, now=now
        )
    return Loaded(base.lines, base.sites, result.opening_entries, len(views))


def _spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PLANS.read_text(encoding="utf-8"))
    return data


def _notices_in(engine: Engine, month: date) -> None:
    """Send each region's SMS notice on its day, if that day falls in ``month``."""
    spec = _spec()
    late = {str(k): v for k, v in (spec.get("late_notices") or {}).items()}
    for plan in spec["plans"]:
        day = late.get(plan["area_code"], plan["announced"])
        if (day.year, day.month) == (month.year, month.month):
            with session_scope(engine, write=True) as session:
                notices.send(
                    session,
                    AGENT,
                    area_code=plan["area_code"],
                    network=plan["network"],
                    phase="announced",
                    channel=Channel.SMS,
                    today=day,
                    now=datetime.combine(day, time(9)),
                )


# Each month an offer is open, this share of the lines eligible for it takes it (the demo's
# take-up; the Zhongshan survey says users wanted their tariff kept, a handset, or credit).
TAKE_UP = 0.001
DEMO_OFFERS = ("chongqing-2009-tianyi", "beijing-unicom-upgrade")


def _migrations_in(engine: Engine, month: date, rng: np.random.Generator) -> int:
    """Migrate a sample of each open offer's eligible lines on the first of ``month``, through
    the same service as `sunset migrate` (new numbers from a demo range of 189/186)."""
    done = 0
    for offer_id in DEMO_OFFERS:
        offer = offers.get_offer_or_raise(offer_id)
        if offer_rules.window_refusal(offer, month) is not None:
            continue
        with session_scope(engine, write=True) as session:
            eligible = offers.eligible_numbers(session, offer=offer, today=month)
            k = int(len(eligible) * TAKE_UP)
            chosen = sorted(rng.choice(eligible, size=k, replace=False)) if k else []
            prefix = "189" if offer.outcome.operator == "telecom" else "186"
            for i, number in enumerate(chosen):
                operations.migrate(
                    session,
                    AGENT,
                    request=offers.MigrationRequest(
                        number=str(number),
                        offer_id=offer_id,
                        key=f"demo-{month:%Y-%m}-{i}",
                        plan_yuan=str(offer.outcome.plans_yuan[0]),
                        new_number=f"{prefix}{month:%y%m}{i:04d}",
                    ),
                    today=month,
                    now=datetime.combine(month, time(10)),
                )
            done += len(chosen)
    return done


def months() -> list[date]:
    """Return the first day of each month of the story."""
    out, day = [], FIRST_MONTH
    while day <= LAST_MONTH:
        out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def play(
    engine: Engine, *, on_month: Callable[[date, CycleReport, int], None], seed: int = 2011
) -> None:
    """Run the story month by month: migrations under the open offers on the first, notices on
    their days, then the cycle to the month's end."""
    rng = np.random.default_rng(seed)
    for month in months():
        migrated = _migrations_in(engine, month, rng)
        _notices_in(engine, month)
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        done = batch.run_cycle(
            engine, AGENT, until=end, start=FIRST_MONTH, now=datetime.combine(end, time(23))
        )
        on_month(month, done, migrated)
