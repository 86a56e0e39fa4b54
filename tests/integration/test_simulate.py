"""`simulate_plans` on SQLite and PostgreSQL: the churn fitted on the snapshots of months no plan
drove, candidates applied over the stored plans, the same seed for every candidate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, import_file, line_row, noon, write_csv
from tests.integration.test_stats import two_regions

from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import InputInvalidError
from sunset.stats.schemas import SimulationReport
from sunset.stats.strategy import simulate_plans
from sunset.usecases.operations import MigrationRequest, migrate


@pytest.fixture
def history(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """The two regions run to the end of 2011, one Shijiazhuang line having left in October."""
    two_regions(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE lines SET status = 'ported_out', terminated_on = '2011-10-12'"
                " WHERE number = '+8631186000001'"
            )
        )
    run_cycle(engine, until=date(2011, 12, 31), start=date(2011, 9, 1))
    return engine


def test_the_churn_is_fitted_on_the_months_no_plan_drove_and_every_plan_is_simulated(
    history: sa.Engine,
) -> None:
    keep = [{"area_code": "0311", "network": "phs"}]
    off = [{"area_code": "0311", "network": "phs", "switched_off": "2012-02-15"}]
    with session_scope(history) as session:
        report = simulate_plans(
            session,
            candidates=[("keep", keep), ("off", off)],
            today=date(2011, 12, 31),
            months=3,
            seed=7,
        )

    # Lines live at the month-end before October, November and December (September has no
    # month before it): Hefei 4 + 4 + 4, Shijiazhuang 2 + 1 + 1; one port in October. Hefei's
    # plan only announces in those months (no refusal), so they count.
    assert report.fitted_from == "snapshots: 1 departures in 16 line-months"
    assert report.natural_churn_per_month == pytest.approx(1 / 16, abs=1e-6)
    assert report.start_lines == 5  # Hefei's 4 (switched off only in January) and one in 0311
    keep_plan, off_plan = report.plans
    # Hefei's stored plan (switched off in January) holds in both candidates: its 4 lines are
    # gone by the end of January, switched off unless they left of their own accord before.
    assert keep_plan.remaining[1] <= 1  # at most Shijiazhuang's line
    assert keep_plan.left["switch_off"] >= 1
    assert keep_plan.left["switch_off"] + keep_plan.left["natural"] >= 4
    assert off_plan.left["switch_off"] + off_plan.left["natural"] == 5
    # Cleared by the switch-off of February at the latest (earlier if 0311's line left first).
    assert off_plan.remaining[-1] == 0
    assert off_plan.clearance_month is not None and off_plan.clearance_month <= "2012-02"


def test_a_bad_date_in_a_candidate_names_the_candidate_and_the_entry(history: sa.Engine) -> None:
    bad = [{"area_code": "0311", "network": "phs", "switched_off": "2012-13-01"}]
    with (
        pytest.raises(InputInvalidError, match="bad, entry 1 \\(0311\\)"),
        session_scope(history) as session,
    ):
        simulate_plans(
            session, candidates=[("bad", bad)], today=date(2011, 12, 31), months=3, seed=1
        )


def test_an_offers_take_up_is_fitted_on_the_migrations_recorded_under_it(
    history: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        line_row(20 + i, number=f"023-6{1000000 + i:07d}", area_code="023", customer_id=f"CQ{i}")
        for i in range(4)
    ]
    import_file(history, write_csv(tmp_path / "cq.csv", rows))
    request = MigrationRequest(
        number="023-61000000",
        offer_id="chongqing-2009-tianyi",
        key="m-1",
        plan_yuan="35",
        new_number="18923000001",
    )
    with session_scope(history, write=True) as session:
        migrate(session, ACTOR, request=request, today=date(2011, 6, 1), now=noon(date(2011, 6, 1)))
    with session_scope(history) as session:
        report = simulate_plans(
            session,
            candidates=[("keep", [])],
            today=date(2011, 12, 31),
            months=12,
            seed=3,
            offers=["chongqing-2009-tianyi"],
        )
    # Three Chongqing lines still eligible and one migration in the last 12 months:
    # take-up 1 / (12 x (3 + 1)) a month.
    assert any("take-up 2.08% a month, fitted on 1 migrations" in n for n in report.notes), (
        report.notes
    )
    plan = report.plans[0]
    assert plan.left["migrated"] <= 3
    assert plan.subsidies_yuan == f"{300 * plan.left['migrated']}.00"


def _scatter_on_disk(engine: sa.Engine) -> None:
    """Rewrite every other line unchanged: on PostgreSQL each gets a new row version further
    along its page (a plain read then returns the lines in another order); on SQLite nothing
    moves."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE lines SET balance_fen = balance_fen WHERE id % 2 = 0"))


def test_the_same_seed_gives_the_same_simulation_however_the_lines_lie_on_disk(
    engine: sa.Engine, tmp_path: Path
) -> None:
    # Lines with different balances: which of them leave of their own accord before the
    # switch-off decides what the switch-off refunds.
    off = [{"area_code": "0551", "network": "phs", "switched_off": "2013-01-15"}]
    rows = [
        line_row(i, balance=str(5 + 7 * i), prepaid="true" if i % 3 else "false")
        for i in range(120)
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))

    def simulated() -> SimulationReport:
        with session_scope(engine) as session:
            return simulate_plans(
                session,
                candidates=[("off", off)],
                today=date(2011, 12, 31),
                months=24,
                seed=11,
                churn="national",
            )

    before = simulated()
    assert before.plans[0].refunds_yuan != "0.00"
    _scatter_on_disk(engine)
    assert simulated() == before
