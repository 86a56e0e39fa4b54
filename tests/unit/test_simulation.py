"""The strategy simulation: reproducible from its seed; with no refusals and no switch-off only
natural churn; a refused prepaid line leaves when its balance runs out; a switch-off empties
the network, refunds what is left and stops the upkeep."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from sunset.plans.rules import PlanDates
from sunset.stats.simulation import Base, Behaviour, OfferModel, Outcome, simulate

START = date(2012, 1, 31)


def base(n: int = 10_000, *, balance_fen: int = 5_000, fee_fen: int = 2_000) -> Base:
    """``n`` prepaid lines, half in Hefei (0551), half in Chongqing (023)."""
    return Base(
        areas=["023", "0551"],
        area=np.arange(n, dtype=np.int32) % 2,
        prepaid=np.ones(n, dtype=bool),
        balance_fen=np.full(n, balance_fen, dtype=np.int64),
        fee_fen=np.full(n, fee_fen, dtype=np.int64),
        upkeep_fen={"023": 100_000, "0551": 50_000},
    )


def run(
    plans: dict[str, PlanDates], *, churn: float = 0.0, seed: int = 1, months: int = 12
) -> Outcome:
    return simulate(
        base(),
        plans,
        start=START,
        months=months,
        behaviour=Behaviour(churn, "test"),
        seed=seed,
        name="t",
    )


def test_a_simulation_is_reproducible_from_its_seed() -> None:
    first, again, other = run({}, churn=0.05), run({}, churn=0.05), run({}, churn=0.05, seed=2)

    assert first.remaining == again.remaining
    assert first.remaining != other.remaining


def test_with_no_refusals_and_no_switch_off_only_natural_churn_takes_lines() -> None:
    outcome = run({}, churn=0.05, months=12)

    assert outcome.left["balance_ran_out"] == outcome.left["switch_off"] == 0
    assert outcome.refunds_fen == outcome.upkeep_saved_fen == 0
    expected = 10_000 * 0.95**12
    spread = math.sqrt(10_000 * 0.95**12 * (1 - 0.95**12))
    assert abs(outcome.remaining[-1] - expected) < 4 * spread
    assert outcome.left["natural"] == 10_000 - outcome.remaining[-1]


def test_a_refused_prepaid_line_leaves_when_its_balance_no_longer_covers_a_month() -> None:
    # 50 yuan, 20 a month, top-ups refused in Hefei from 2012-01-01: 30 left after January,
    # 10 after February: it cannot pay for March, leaves, and its 10 yuan are refunded.
    outcome = run({"0551": PlanDates(topups_refused=date(2012, 1, 1))})

    assert outcome.remaining[:3] == [10_000, 5_000, 5_000]
    assert outcome.left == {
        "natural": 0,
        "no_service": 0,
        "balance_ran_out": 5_000,
        "switch_off": 0,
        "migrated": 0,
    }
    assert outcome.refunds_fen == 5_000 * 1_000


def test_a_switch_off_empties_the_network_refunds_balances_and_stops_its_upkeep() -> None:
    outcome = run({"023": PlanDates(switched_off=date(2012, 3, 10))})

    assert outcome.remaining[:3] == [10_000, 10_000, 5_000]
    assert outcome.left["switch_off"] == 5_000
    assert outcome.refunds_fen == 5_000 * 5_000
    assert outcome.upkeep_saved_fen == 10 * 100_000  # March to December
    assert outcome.clearance_month is None  # Hefei's half is still there


def test_the_clearance_month_is_the_first_below_one_percent_of_the_start() -> None:
    off = PlanDates(switched_off=date(2012, 5, 1))

    assert run({"023": off, "0551": off}).clearance_month == "2012-05"


@pytest.mark.parametrize("churn", [0.0, 1.0])
def test_natural_churn_at_its_bounds_keeps_everyone_or_no_one(churn: float) -> None:
    assert run({}, churn=churn, months=1).remaining == [10_000 if churn == 0 else 0]


def test_a_line_without_service_leaves_or_its_user_complains_until_the_switch_off() -> None:
    unserved = replace(base(), no_service=np.arange(10_000) < 1_000)  # 500 in each network
    off = {"023": PlanDates(switched_off=date(2012, 3, 10))}

    outcome = simulate(
        unserved,
        off,
        start=START,
        months=3,
        behaviour=Behaviour(0.0, "test", leave_without_service=0.5),
        seed=1,
        name="t",
    )

    # Half leave each month, before March's switch-off takes what is left in Chongqing:
    # 500 in January, 250 in February, 125 in March (62 of Hefei's, 63 of Chongqing's).
    assert outcome.left["no_service"] == pytest.approx(500 + 250 + 125, abs=120)
    assert outcome.complaints == pytest.approx(500 + 250 + 125, abs=120)
    assert outcome.left["natural"] == outcome.left["balance_ran_out"] == 0


OFFER = OfferModel(
    id="cq",
    valid_from=date(2012, 3, 1),
    valid_until=date(2012, 8, 31),
    take_up=0.1,
    subsidy_fen=30_000,
    credit_fen=1_000,
)


def with_offer(offer: OfferModel = OFFER, *, churn: float = 0.0, seed: int = 1) -> Outcome:
    lines = base()
    eligible = (lines.area == 0).reshape(-1, 1)  # Chongqing's half may take it
    return simulate(
        replace(lines, offers=(offer,), eligible=eligible),
        {},
        start=START,
        months=12,
        behaviour=Behaviour(churn, "test"),
        seed=seed,
        name="t",
    )


def test_eligible_lines_take_an_open_offer_at_its_take_up_and_it_costs_its_subsidies() -> None:
    outcome = with_offer()

    # Open March to August: six month-ends at 10 % of those still there, out of 5,000.
    expected = 5_000 * (1 - 0.9**6)
    spread = math.sqrt(5_000 * 0.9**6 * (1 - 0.9**6))
    assert abs(outcome.left["migrated"] - expected) < 4 * spread
    assert outcome.remaining[:2] == [10_000, 10_000]  # not open in January and February
    assert outcome.remaining[-1] == outcome.remaining[7]  # closed after August
    assert outcome.subsidies_fen == outcome.left["migrated"] * 30_000
    assert outcome.credits_fen == outcome.left["migrated"] * 1_000
    assert outcome.refunds_fen == 0  # the balance moves with the line


def test_an_offer_leaves_the_other_lines_fates_as_they_were_under_the_same_seed() -> None:
    without = run({}, churn=0.05)
    nobody = with_offer(replace(OFFER, take_up=0.0), churn=0.05)

    assert nobody.remaining == without.remaining
    assert with_offer(churn=0.05).remaining != without.remaining
