"""The demo's story: a synthetic PHS operator, the plans of DOMAIN.md, two years month by month.

The base is exported on 2010-12-31 and imported through the normal import path with its base
stations; the regions' plans are set. Then, early in each month of 2011 and 2012 (on its action
day), the customers and the staff act (``behaviour`` says when each owner gives a line up or
falls into arrears; every write goes through ``operations``), and the cycle runs to the month's
end:

- owners give their lines up (closed at their request: last days charged, balance refunded,
  number quarantined), faster after their region's announcement and once top-ups are refused;
- lines take the open offers (Chongqing's and Beijing's): one in a thousand of those eligible a
  month, three times as many once their region refuses top-ups (the seed: "whatever they try,
  persuasion does not work" until top-ups are refused);
- Shijiazhuang's numbers may be ported to another operator's mobile before its switch-off;
- a few lines a month fall into arrears and are suspended; prepaid lines top up at the counter
  (refused where top-ups are refused); new lines are sold where the network is not announced
  for switch-off (refused where new sales stopped: Foshan, Zhongshan);
- Beijing's base stations: three removed in June 2011 without a record, recorded by engineering
  in December, when their users' complaints of paying for no signal are credited; four more
  faulty from February 2012, recorded at once;
- vulnerable lines wait for a confirmed replacement before their switch-off takes them.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.db import session_scope
from sunset.lines.service import NewLine
from sunset.offers.service import list_offers
from sunset.plans.rules import PlanDates
from sunset.plans.vocabulary import Phase
from sunset.synth import cases
from sunset.synth import operations as ops
from sunset.synth.behaviour import Behaviour, behave
from sunset.synth.generator import REGIONS, SyntheticBase, spare_numbers, write_base
from sunset.synth.story import MonthDone, Story
from sunset.usecases import status as status_uc

PLANS = Path(__file__).parent / "demo_plans.yaml"
# The synthetic base is exported on the last day before the story starts.
EXPORTED_ON = date(2010, 12, 31)
FIRST_MONTH, LAST_MONTH = date(2011, 1, 1), date(2012, 12, 1)
LAST_DAY = date(2012, 12, 31)  # the day the story ends
NETWORK = "phs"
FIRST_WEEK = 7

# What staff and customers do besides giving lines up, a month (the demo's planning figures).
TAKE_UP = 0.001  # of an open offer's eligible lines
TAKE_UP_PRESSED = 3.0  # as many times more once the offer's region refuses top-ups
PORT_TAKE_UP = 0.005  # of the lines a porting rule set lets go
PORT_TARGETS = ("telecom/cdma2000", "mobile/gsm")
SALES = 0.0001  # new lines sold a month, per line of a region not announced for switch-off
TOP_UPS = 10  # prepaid lines topped up at a counter, nationwide
TOP_UP_FEN = (3000, 5000, 10000)
NEW_LINE_FEE_FEN = 2000
CONFIRMED_AROUND = (-2, 4)  # months after the switch-off a vulnerable line's replacement works


@dataclass(frozen=True)
class Loaded:
    """What the demo loaded."""

    lines: int
    sites: int
    opening_entries: int
    plans: int


@dataclass
class Demo:
    """The loaded base and what its owners will do: ``frame`` holds the lines as exported (text
    columns), ``ids`` their ids in the database, ``behaviour`` their months."""

    loaded: Loaded
    base: SyntheticBase
    frame: pl.DataFrame
    ids: np.ndarray
    numbers: np.ndarray  # as exported (0551-62345678)
    areas: np.ndarray  # area codes (the distinct ones, sorted)
    area_of: np.ndarray  # each line's index in ``areas``
    prepaid: np.ndarray
    may_port: np.ndarray  # real name, active, no unpaid bills, no commitment when exported
    behaviour: Behaviour
    plans: dict[str, PlanDates]
    confirm_in: np.ndarray  # month a vulnerable line's replacement is confirmed (-1: never)
    rng: np.random.Generator
    sold: dict[str, int]  # spare numbers used, by area
    staff: ops.Staff  # who acts: each operator's planner, agent and engineer


def _spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PLANS.read_text(encoding="utf-8"))
    return data


def plan_dates() -> dict[str, PlanDates]:
    """Return the demo's plans by area code."""
    keys = ("announced", "no_new_sales", "topups_refused", "switched_off", "cleared")
    return {p["area_code"]: PlanDates(**{k: p.get(k) for k in keys}) for p in _spec()["plans"]}


def months() -> list[date]:
    """Return the first day of each month of the story."""
    out, day = [], FIRST_MONTH
    while day <= LAST_MONTH:
        out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def load(engine: Engine, folder: Path, *, lines: int, seed: int) -> Demo:
    """Generate the base, import it through the normal import path, set the demo's plans, and
    draw what its owners will do."""
    base = write_base(folder, lines=lines, seed=seed, today=EXPORTED_ON)
    with session_scope(engine, write=True) as session:
        staff = ops.hire(session, day=EXPORTED_ON)
        result = ops.import_base(
            session, lines_path=base.lines_path, sites_path=base.sites_path, day=EXPORTED_ON
        )
        views = ops.set_plans(session, staff, rows=_spec()["plans"], day=EXPORTED_ON)
        ids = dict(ops.base_ids(session, network=NETWORK))
    frame = base.frame
    e164 = "+86" + frame["number"].str.replace("-", "").str.slice(1)
    plans = plan_dates()
    rng = np.random.default_rng([seed, 2011])
    areas, area_of = np.unique(frame["area_code"].to_numpy(), return_inverse=True)
    may_port = (
        (frame["real_name"] == "true")
        & (frame["status"] == "active")
        & (frame["unpaid_bills"] == "0")
        & (frame["commitment_until"] == "")
    )
    return Demo(
        loaded=Loaded(base.lines, base.sites, result.opening_entries, len(views)),
        base=base,
        frame=frame,
        ids=np.array([ids[n] for n in e164.to_list()], dtype=np.int64),
        numbers=frame["number"].to_numpy(),
        areas=areas,
        area_of=area_of,
        prepaid=(frame["prepaid"] == "true").to_numpy(),
        may_port=may_port.to_numpy(),
        behaviour=behave(base.frame, plans=plans, months=months(), seed=seed),
        plans=plans,
        confirm_in=_confirmations(frame, plans, rng),
        rng=rng,
        sold={},
        staff=staff,
    )


def _confirmations(
    frame: pl.DataFrame, plans: dict[str, PlanDates], rng: np.random.Generator
) -> np.ndarray:
    """Draw the month each vulnerable line's replacement is confirmed, around its switch-off."""
    story = months()
    off = {
        area: _index(plan.switched_off, story)
        for area, plan in plans.items()
        if plan.switched_off is not None
    }
    switch = np.array([off.get(a, -1) for a in frame["area_code"].to_list()])
    vulnerable = (frame["vulnerable"] != "none").to_numpy() & (switch >= 0)
    drawn = switch + rng.integers(*CONFIRMED_AROUND, frame.height)
    return np.where(vulnerable, np.clip(drawn, 0, len(story) - 1), -1)


def _index(day: date, story: list[date]) -> int:
    return (day.year - story[0].year) * 12 + day.month - story[0].month


def action_day(month: date, *, quarantine_days: int) -> date:
    """Return the day of ``month`` the month's doings happen: the first day of its first week
    whose numbers come out of quarantine on a month-end (the 1st when none does).

    The cycle works in every region on a month-end anyway; a quarantine ending on another day
    is one more day of work in each region (about 3 s a demo). With 90 days: 2011-03-02 (out on
    2011-05-31), 2011-04-01 (out on 2011-06-30), 2011-02-01 (none in February does).
    """
    day = month
    while day.day <= FIRST_WEEK:
        if (day + timedelta(days=quarantine_days) + timedelta(days=1)).day == 1:
            return day
        day += timedelta(days=1)
    return month


def play(engine: Engine, demo: Demo, *, on_month: Callable[[MonthDone], None]) -> Story:
    """Play the story month by month: the cycle up to the month's action day, the month's doings
    on that day, notices on their days, then the cycle to the month's end. Return what
    happened."""
    story = Story(start_lines=demo.loaded.lines, start_day=EXPORTED_ON)
    quarantine_days = get_settings().quarantine_days
    for index, month in enumerate(months()):
        done = MonthDone(month)
        day = action_day(month, quarantine_days=quarantine_days)
        if _switch_off_between(demo, month, day):  # the switch-off comes first
            story.take_in(
                ops.advance(engine, until=day - timedelta(days=1), start=FIRST_MONTH), done
            )
        with session_scope(engine, write=True) as session:
            _act(session, demo, index, day, story, done)
            _notices_in(session, demo.staff, month)
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        story.take_in(ops.advance(engine, until=end, start=FIRST_MONTH), done)
        story.close_month(done)
        on_month(done)
    with session_scope(engine) as session:
        story.money = status_uc.status(session, ops.BACK_OFFICE, today=LAST_DAY).money
    return story


def _switch_off_between(demo: Demo, first: date, day: date) -> bool:
    """Tell whether a region is switched off on a day from ``first`` to the day before ``day``
    (the only work of the cycle the month's doings must follow; numbers coming out of quarantine
    meanwhile do not touch them)."""
    offs = [p.switched_off for p in demo.plans.values() if p.switched_off is not None]
    return any(first <= off < day for off in offs)


def _act(
    session: Session, demo: Demo, index: int, day: date, story: Story, done: MonthDone
) -> None:
    alive = _alive(demo, index)
    cases.beijing(
        session,
        demo.staff,
        sites=demo.base.site_frame,
        lines=demo.frame,
        alive=alive,
        day=day,
        story=story,
    )
    cases.late_notices(session, plans=demo.plans, network=NETWORK, day=day, story=story)
    _arrears(session, demo, index, day, story)
    _top_ups(session, demo, index, day, story)
    _sales(session, demo, index, day, story)
    _replacements(session, demo, index, day, story)
    done.migrated = _migrations(session, demo, day, story)
    done.ported = _ports(session, demo, index, day, story)
    done.given_up = _giving_up(session, demo, index, day, story)


def _alive(demo: Demo, index: int) -> np.ndarray:
    """Lines whose owners have not given them up before month ``index`` (they may have left
    otherwise meanwhile: the operations then find no live line and do nothing)."""
    leaves = demo.behaviour.leaves
    return (leaves < 0) | (leaves >= index)


def _numbers(demo: Demo, rows: np.ndarray) -> list[str]:
    return [str(n) for n in demo.numbers[rows]]


def _arrears(session: Session, demo: Demo, index: int, day: date, story: Story) -> None:
    rows = np.flatnonzero((demo.behaviour.arrears == index) & _alive(demo, index))
    for number in _numbers(demo, rows):
        if ops.suspend_for_arrears(session, demo.staff, number=number, day=day) is None:
            story.arrears_suspended += 1


def _top_ups(session: Session, demo: Demo, index: int, day: date, story: Story) -> None:
    rows = np.flatnonzero(demo.prepaid & _alive(demo, index))
    chosen = np.sort(demo.rng.choice(rows, size=min(TOP_UPS, rows.size), replace=False))
    for i, row in enumerate(chosen):
        amount = int(demo.rng.choice(TOP_UP_FEN))
        number = _numbers(demo, np.array([row]))[0]
        refused = ops.top_up(
            session,
            demo.staff,
            number=number,
            amount_fen=amount,
            day=day,
            key=f"demo:{day:%Y-%m}:{i}",
        )
        if refused is None:
            story.top_ups += 1
        elif refused.startswith("TOPUP_REFUSED"):
            story.top_ups_refused[str(demo.areas[demo.area_of[row]])] += 1


def _sales(session: Session, demo: Demo, index: int, day: date, story: Story) -> None:
    """Sell new lines where the network is not announced for switch-off, a few per ten thousand
    lines a month (refused where new sales have stopped). The first day a region stops new
    sales, a shop still tries one: the refusal is the seed's Foshan case."""
    counts = np.bincount(demo.area_of[_alive(demo, index)], minlength=demo.areas.size)
    live = dict(zip(demo.areas, counts, strict=True))
    for area, operator, _, _ in REGIONS:
        plan = demo.plans.get(area, PlanDates())
        if plan.switched_off is not None and plan.is_at_least(Phase.ANNOUNCED, day):
            continue
        tries = int(demo.rng.poisson(int(live.get(area, 0)) * SALES))
        stops = plan.no_new_sales
        if stops is not None and (stops.year, stops.month) == (day.year, day.month):
            tries = max(tries, 1)
        for _ in range(tries):
            _sell(session, demo, area, operator, day, story)


def _sell(session: Session, demo: Demo, area: str, operator: str, day: date, story: Story) -> None:
    sold = demo.sold.get(area, 0)
    new = NewLine(
        number=spare_numbers(area, sold + 1)[-1],
        operator=operator,
        network=NETWORK,
        area_code=area,
        customer_ref=f"{area}-N{sold}",
        real_name=True,
        monthly_fee_fen=NEW_LINE_FEE_FEN,
        prepaid=False,
    )
    refused = ops.activate(session, demo.staff, new=new, day=day)
    if refused is None:
        demo.sold[area] = sold + 1
        story.activated += 1
    else:
        story.activations_refused[area] += 1


def _replacements(session: Session, demo: Demo, index: int, day: date, story: Story) -> None:
    rows = np.flatnonzero((demo.confirm_in == index) & _alive(demo, index))
    for number in _numbers(demo, rows):
        story.replacements_confirmed += ops.confirm_replacement(
            session, demo.staff, number=number, day=day
        )


def _migrations(session: Session, demo: Demo, day: date, story: Story) -> int:
    """Migrate a share of each open offer's eligible lines, through the same service as
    `sunset migrate` (new numbers from a demo range of 189/186)."""
    done = 0
    for offer in list_offers():
        eligible = ops.eligible(session, offer=offer, day=day)
        regions = offer.conditions.regions or []
        pressed = any(
            demo.plans.get(r, PlanDates()).is_at_least(Phase.TOPUPS_REFUSED, day) for r in regions
        )
        share = TAKE_UP * (TAKE_UP_PRESSED if pressed else 1.0)
        k = int(demo.rng.binomial(len(eligible), share)) if eligible else 0
        chosen = sorted(demo.rng.choice(eligible, size=k, replace=False)) if k else []
        prefix = "189" if offer.outcome.operator == "telecom" else "186"
        for i, number in enumerate(chosen):
            moved = ops.migrate(
                session,
                demo.staff,
                number=str(number),
                offer=offer,
                new_number=f"{prefix}{day:%y%m}{i:04d}",
                day=day,
                key=f"demo:{day:%Y-%m}:{offer.id}:{i}",
            )
            if moved is not None:
                story.migrated[offer.id] += 1
                done += 1
    return done


def _ports(session: Session, demo: Demo, index: int, day: date, story: Story) -> int:
    """Port a share of the lines a porting rule set lets go, then complete the day's ports."""
    ready = demo.may_port & _alive(demo, index)
    asked = 0
    areas = [str(a) for a in demo.areas]
    for area in ops.porting_regions(areas, network=NETWORK, day=day):
        rows = np.flatnonzero(ready & (demo.area_of == areas.index(area)))
        k = int(demo.rng.binomial(rows.size, PORT_TAKE_UP))
        chosen = np.sort(demo.rng.choice(rows, size=k, replace=False))
        for i, number in enumerate(_numbers(demo, chosen)):
            to = str(demo.rng.choice(PORT_TARGETS))
            now = datetime.combine(day, time(9)) + timedelta(minutes=i % 600)
            if ops.port(session, demo.staff, number=number, to=to, now=now):
                story.ported[to] += 1
                asked += 1
            else:
                story.ports_refused += 1
    if asked:
        ops.complete_ports(session, now=datetime.combine(day, time(21)))
    return asked


def _giving_up(session: Session, demo: Demo, index: int, day: date, story: Story) -> int:
    rows = np.flatnonzero(demo.behaviour.leaves == index)
    closed = 0
    for a in np.unique(demo.area_of[rows]):
        ids = demo.ids[rows[demo.area_of[rows] == a]]
        found = ops.close(session, area_code=str(demo.areas[a]), line_ids=ids.tolist(), day=day)
        closed += found.lines
        story.given_up_refunded_fen += found.refunded_fen
    story.given_up += closed
    return closed


def _notices_in(session: Session, staff: ops.Staff, month: date) -> None:
    """Send each region's SMS notice on its day, if that day falls in ``month``."""
    spec = _spec()
    late = {str(k): v for k, v in (spec.get("late_notices") or {}).items()}
    for plan in spec["plans"]:
        day = late.get(plan["area_code"], plan["announced"])
        if (day.year, day.month) == (month.year, month.month):
            ops.send_notice(
                session, staff, area_code=plan["area_code"], network=plan["network"], day=day
            )
