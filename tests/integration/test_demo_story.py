"""The demo plays the story of DOMAIN.md on a synthetic operator that behaves like the real one.

One run of 10,000 lines on SQLite (the leaving rates do not depend on the size of the base), then
what a reader of the demo would check: the PHS base falls month by month as the national series
did, every departure is on the ledger, and the seed's cases happened.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pytest
import sqlalchemy as sa
from tests.factories import rows_of, scalar_of, violations_of

from sunset.db import make_engine
from sunset.stats.service import SHIPPED
from sunset.synth import scenario
from sunset.synth.story import Story, tell

LINES = 10_000


@dataclass
class Played:
    engine: sa.Engine
    demo: scenario.Demo
    story: Story


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    folder = tmp_path_factory.mktemp("demo")
    engine = make_engine(f"sqlite:///{folder}/demo.db")
    try:
        demo = scenario.load(engine, folder / "files", lines=LINES, seed=2011)
        story = scenario.play(engine, demo, on_month=lambda _: None)
        yield Played(engine, demo, story)
    finally:
        engine.dispose()


def phs_lines_by_month(engine: sa.Engine) -> dict[str, int]:
    """Live PHS lines at each month-end, as the month-end snapshots counted them."""
    found = rows_of(
        engine,
        "SELECT month, SUM(lines) FROM stats_snapshots WHERE network_code = 'phs'"
        " AND status IN ('active', 'suspended') GROUP BY month ORDER BY month",
    )
    return {str(month): int(str(lines)) for month, lines in found}


def national_by_month(first: str, last: str) -> dict[str, float]:
    """The shipped national series, its missing months filled log-linearly."""
    with SHIPPED.open(encoding="utf-8", newline="") as handle:
        rows = [(r["month_end"], float(r["subscribers_10k"])) for r in csv.DictReader(handle)]

    def index(month: str) -> int:
        return int(month[:4]) * 12 + int(month[5:7]) - 1

    known = np.array([index(m) for m, _ in rows])
    logs = np.log([v for _, v in rows])
    wanted = range(index(first), index(last) + 1)
    return {f"{i // 12}-{i % 12 + 1:02d}": float(np.exp(np.interp(i, known, logs))) for i in wanted}


def declines(levels: list[float]) -> np.ndarray:
    """Month-on-month declines as a share of the month before (positive: fewer)."""
    values = np.array(levels)
    return 1.0 - values[1:] / values[:-1]


def test_the_phs_base_falls_every_month_of_2011_as_the_national_series_did(
    played: Played,
) -> None:
    demo = phs_lines_by_month(played.engine)
    months = [f"2011-{m:02d}" for m in range(1, 13)]
    ours = declines([LINES] + [demo[m] for m in months])
    national = national_by_month("2010-12", "2011-12")
    theirs = declines([national[m] for m in ["2010-12", *months]])

    assert (np.sign(ours) == np.sign(theirs)).all(), (ours, theirs)
    assert 0.5 <= float(np.mean(ours / theirs)) <= 2.0, (ours, theirs)


def test_the_base_keeps_falling_in_2012_and_the_hard_core_remains(played: Played) -> None:
    demo = phs_lines_by_month(played.engine)
    later = [demo[f"2012-{m:02d}"] for m in range(1, 13)]

    assert all(b < a for a, b in itertools.pairwise(later))
    assert played.story.end_lines == later[-1] > 0
    # The lines still there at the end are the hard core more often than the base was.
    left = played.demo.behaviour.leaves < 0
    core = played.demo.behaviour.hard_core
    assert core[left].mean() > 1.5 * core.mean()


def test_every_departure_went_through_the_ledger_and_verify_holds(played: Played) -> None:
    assert violations_of(played.engine) == []
    story = played.story
    gone = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM lines WHERE network_code = 'phs' AND status NOT IN ('active',"
        " 'suspended')",
    )
    assert gone == story.left
    assert story.given_up > sum(story.switched_off.values()) > 0
    assert sum(story.migrated.values()) > 0 and sum(story.ported.values()) > 0


def test_chaohu_was_switched_off_on_2012_01_10(played: Played) -> None:
    off = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM lines WHERE area_code = '0565' AND terminated_on = :day",
        day=date(2012, 1, 10),
    )
    assert off > 0
    assert played.story.switched_off["0565"] >= off


def test_shijiazhuang_told_late_held_its_lines_back_past_the_switch_off(played: Played) -> None:
    held, until = played.story.held_back_late["0311"]
    after = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM lines WHERE area_code = '0311' AND terminated_on = :day"
        " AND status = 'terminated'",
        day=until,
    )
    on_the_day = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM lines WHERE area_code = '0311' AND terminated_on = '2012-02-15'",
    )
    assert until > date(2012, 2, 15)
    assert after > 0 and held > 0
    assert on_the_day == 0  # everyone was told too late for the plan's day
    ported = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM lines WHERE area_code = '0311' AND status = 'ported_out'",
    )
    assert ported == sum(played.story.ported.values()) > 0


def test_foshan_refused_new_sales(played: Played) -> None:
    assert played.story.activations_refused["0757"] >= 1
    sold_after = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM lines WHERE area_code = '0757' AND activated_on >= '2011-02-01'",
    )
    assert sold_after == 0


def test_beijing_users_charged_for_no_signal_were_credited(played: Played) -> None:
    complaints = rows_of(
        played.engine,
        "SELECT status, credit_fen FROM complaints WHERE area_code = '010'"
        " AND kind = 'charged_without_service'",
    )
    assert len(complaints) == played.story.complaints > 0
    assert all(status == "resolved" and int(str(fen)) > 0 for status, fen in complaints)
    credited = scalar_of(
        played.engine,
        "SELECT COUNT(*) FROM ledger_entries WHERE area_code = '010' AND kind = 'credit'",
    )
    assert credited > 0


def test_arrears_suspended_some_lines_and_refused_top_ups_were_refused(played: Played) -> None:
    story = played.story
    assert story.arrears_suspended > 0
    assert story.sunset_suspended > 0
    assert sum(story.top_ups_refused.values()) > 0 and story.top_ups > 0
    refusing = {"023", "010", "024", "0411", "0565"}  # regions whose plans refuse top-ups
    assert set(story.top_ups_refused) <= refusing


def test_the_story_tells_who_left_how_and_what_was_refunded_credited_and_ported(
    played: Played,
) -> None:
    story = played.story
    told = "\n".join(tell(story, {"0565": "Chaohu", "0311": "Shijiazhuang", "0757": "Foshan"}))

    assert f"PHS lines: {LINES:,} -> {story.end_lines:,}" in told
    assert f"{story.left:,} left the network" in told
    assert f"{story.given_up:,} given up by their owners" in told
    assert f"{sum(story.ported.values()):,} ported out of Shijiazhuang's PHS" in told
    assert f"Chaohu {story.switched_off['0565']:,}" in told
    assert "Shijiazhuang told its lines late" in told
    assert "Foshan 1" in told  # the new line its shops could no longer sell
    assert "3 dismantled since 2011-06-15" in told
    assert f"The ledger (yuan): refunds {story.money.refunds}" in told  # type: ignore[union-attr]
