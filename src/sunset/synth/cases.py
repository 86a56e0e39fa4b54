"""The seed's cases that are not a plan's dates: Beijing's base stations off air and its users
complaining of paying for no signal (只收钱不服务), credited; Shijiazhuang's lines told too late
for its switch-off, held back (DOMAIN.md; ``/work/shared/seed``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from sunset.kit.money import parse_yuan
from sunset.plans.rules import PlanDates
from sunset.synth import operations as ops
from sunset.synth.story import Story
from sunset.usecases import notices

BEIJING = "010"
# sites, off air since, recorded in (on that month's action day)
BEIJING_REMOVED = (3, date(2011, 6, 15), date(2011, 12, 1))
BEIJING_FAULTY = (4, date(2012, 2, 10), date(2012, 3, 1))
BEIJING_COMPLAINTS = 12
COMPLAINT = "小灵通没有信号半年了,每月70元照扣,只收钱不服务 (no signal for months, still charged)"


def beijing(
    session: Session,
    staff: ops.Staff,
    *,
    sites: pl.DataFrame,
    lines: pl.DataFrame,
    alive: np.ndarray,
    day: date,
    story: Story,
) -> None:
    """Beijing's base stations off air: three removed in June 2011 without a record, recorded by
    engineering in December (the months already charged are credited) when their users complain;
    four faulty from February 2012, recorded at once. ``sites`` and ``lines`` as exported,
    ``alive``: which lines may still be there."""
    on_air = sites.filter((pl.col("area_code") == BEIJING) & (pl.col("status") == "on_air"))
    ids = on_air["id"].to_list()
    removed, faulty = ids[: BEIJING_REMOVED[0]], ids[BEIJING_REMOVED[0] :][: BEIJING_FAULTY[0]]
    for chosen, (_, since, recorded), status in (
        (removed, BEIJING_REMOVED, "dismantled"),
        (faulty, BEIJING_FAULTY, "faulty"),
    ):
        if (recorded.year, recorded.month) != (day.year, day.month):
            continue
        for site in chosen:
            ops.record_site(
                session,
                staff,
                area_code=BEIJING,
                site_id=site,
                status=status,
                since=since,
                day=day,
            )
            story.sites_recorded[f"{status} since {since}"] += 1
        if status == "dismantled":
            _complaints(
                session, staff, lines=lines, alive=alive, sites=chosen, day=day, story=story
            )


def _complaints(
    session: Session,
    staff: ops.Staff,
    *,
    lines: pl.DataFrame,
    alive: np.ndarray,
    sites: list[str],
    day: date,
    story: Story,
) -> None:
    # Those who paid for the months without signal: postpaid lines (a prepaid line whose money
    # had run out was charged nothing).
    served = lines["home_site"].is_in(sites).to_numpy() & (lines["prepaid"] == "false").to_numpy()
    numbers = lines["number"].to_numpy()[np.flatnonzero(served & alive)[:BEIJING_COMPLAINTS]]
    for number in numbers:
        found = ops.complain(session, staff, number=str(number), text=COMPLAINT, day=day)
        story.complaints += 1
        story.complaints_credited_fen += parse_yuan(found.credit)


def late_notices(
    session: Session, *, plans: Mapping[str, PlanDates], network: str, day: date, story: Story
) -> None:
    """At the start of a switch-off's month, count the lines it must hold back, told too late
    (Shijiazhuang's), and until when."""
    for area, plan in plans.items():
        off = plan.switched_off
        if off is None or (off.year, off.month) != (day.year, day.month):
            continue
        report = notices.late_report(session, ops.BACK_OFFICE, area_code=area, network=network)
        firsts = [n.earliest_switch_off for n in report.lines if n.earliest_switch_off]
        if report.count and firsts:
            story.held_back_late[area] = (report.count, max(firsts))
