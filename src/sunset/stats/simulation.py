"""Strategy simulation: today's base month by month under candidate plans (numpy, seeded).

Pure: arrays and plan dates in, an outcome out; no session, no clock. Local networks do not
affect one another, so the base is played one local network at a time (``region_runs``,
``run_region``: plain data in and out, a task each on a cluster) and the outcomes are added up
(``combine``). Each region draws from random streams of its own, derived from the seed and its
area code (``streams``): one process or many, in any order, the same seed gives the same run.

The behavioural model, per line and month-end (vectorised over every live line):

1. natural churn: each live line leaves of its own accord with the monthly probability fitted
   on the observed history (see ``service.fit_behaviour``);
2. top-ups refused (拒绝缴费): a prepaid line is charged its monthly fee and, once its balance no
   longer covers a month, leaves; what is left on it is refunded. Elsewhere prepaid lines are
   assumed to top up, and postpaid lines are billed;
3. switch-off (停用): every line still live in the local network leaves; positive balances are
   refunded; from that month the network's base stations no longer cost their monthly upkeep;
4. no service: a line whose home base station is off air or dismantled has no signal (the
   Beijing subscriber "只收钱不服务"); each month it leaves with probability
   ``leave_without_service``, otherwise its user complains (one complaint a line-month).

5. offers: a line eligible for an open offer (eligibility as of the start, from the offer's own
   conditions compiled to SQL) migrates with the offer's monthly take-up probability, fitted on
   the migrations recorded under it where there are any; each migration costs the offer's
   handset subsidy and free credit; its balance moves with the line, so it is no refund.

``leave_without_service`` is an assumption, reported as such: it is not fitted yet on the
complaints and departures of lines without service.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from sunset.plans.rules import PlanDates
from sunset.plans.vocabulary import Phase

CLEAR_SHARE = 0.01  # the base counts as cleared below this share of its start


@dataclass(frozen=True)
class Base:
    """Live lines of the network being retired: one array element per line."""

    areas: list[str]
    area: np.ndarray  # index into ``areas``
    prepaid: np.ndarray
    balance_fen: np.ndarray
    fee_fen: np.ndarray
    upkeep_fen: Mapping[str, int] = field(default_factory=dict)  # monthly, per local network
    no_service: np.ndarray | None = None  # the line's home base station is off air
    offers: tuple[OfferModel, ...] = ()
    eligible: np.ndarray | None = None  # lines x offers: may take that offer at the start


@dataclass(frozen=True)
class OfferModel:
    """An offer as the simulation sees it: when it is open, its take-up and what it costs."""

    id: str
    valid_from: date
    valid_until: date | None
    take_up: float  # monthly probability that an eligible live line takes it
    subsidy_fen: int
    credit_fen: int

    def open_on(self, day: date) -> bool:
        """Tell whether the offer can be taken on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Behaviour:
    """The fitted parameters of the model, with where they came from."""

    natural_churn: float  # monthly probability that a live line leaves of its own accord
    source: str
    leave_without_service: float = 0.0  # monthly probability, for a line without service


@dataclass
class Outcome:
    """One plan's simulated months."""

    name: str
    months: list[str]
    remaining: list[int] = field(default_factory=list)
    left: dict[str, int] = field(
        default_factory=lambda: {
            "natural": 0,
            "no_service": 0,
            "balance_ran_out": 0,
            "switch_off": 0,
            "migrated": 0,
        }
    )
    subsidies_fen: int = 0
    credits_fen: int = 0
    complaints: int = 0
    refunds_fen: int = 0
    upkeep_saved_fen: int = 0
    clearance_month: str | None = None


def month_ends(start: date, months: int) -> list[date]:
    """The last day of ``start``'s month and of each of the next ``months - 1`` months."""
    ends = []
    year, month = start.year, start.month
    for _ in range(months):
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def _in_phase(base: Base, plans: Mapping[str, PlanDates], phase: Phase, day: date) -> np.ndarray:
    """Per local network (as in ``base.areas``): is ``phase`` (or a later one) in force?"""
    return np.array([plans[a].is_at_least(phase, day) if a in plans else False for a in base.areas])


def simulate(
    base: Base,
    plans: Mapping[str, PlanDates],
    *,
    start: date,
    months: int,
    behaviour: Behaviour,
    seed: int,
    name: str,
) -> Outcome:
    """Play ``months`` month-ends from ``start`` under ``plans``; the same seed, the same run."""
    (outcome,) = simulate_candidates(
        base, [(name, plans)], start=start, months=months, behaviour=behaviour, seed=seed
    )
    return outcome


RegionsRunner = Callable[
    [Callable[["RegionRun"], list[Outcome]], Mapping[str, "RegionRun"]], Mapping[str, list[Outcome]]
]


def one_after_another(
    play: Callable[[RegionRun], list[Outcome]], runs: Mapping[str, RegionRun]
) -> dict[str, list[Outcome]]:
    """Play each region in turn, in this process."""
    return {area: play(run) for area, run in runs.items()}


def simulate_candidates(
    base: Base,
    candidates: Sequence[tuple[str, Mapping[str, PlanDates]]],
    *,
    start: date,
    months: int,
    behaviour: Behaviour,
    seed: int,
    each: RegionsRunner = one_after_another,
) -> list[Outcome]:
    """Every candidate over every local network, added up per candidate (in ``candidates``'
    order). ``each`` plays the regions: in turn here by default, or as tasks elsewhere (the
    regions never affect one another, so the answer is the same)."""
    runs = region_runs(base, candidates, start=start, months=months, behaviour=behaviour, seed=seed)
    by_region = each(run_region, runs)
    return [
        combine(
            name,
            [outcomes[k] for outcomes in by_region.values()],
            start=start,
            months=months,
            start_count=len(base.area),
        )
        for k, (name, _) in enumerate(candidates)
    ]


@dataclass(frozen=True)
class RegionRun:
    """One local network's share of a simulation: its lines, each candidate's plan for it (or
    none) and the rest of the model. Plain data, so it can run in another process."""

    base: Base  # the region's lines only
    plans: tuple[tuple[str, PlanDates | None], ...]  # (candidate, its plan for the region)
    start: date
    months: int
    behaviour: Behaviour
    seed: int


def region_runs(
    base: Base,
    candidates: Sequence[tuple[str, Mapping[str, PlanDates]]],
    *,
    start: date,
    months: int,
    behaviour: Behaviour,
    seed: int,
) -> dict[str, RegionRun]:
    """Split the base by local network (in ``base.areas``' order), each with every candidate's
    plan for it: lines of one network never affect another's, so the regions run apart."""
    order = np.argsort(base.area, kind="stable")
    bounds = np.searchsorted(base.area[order], np.arange(len(base.areas) + 1))
    runs = {}
    for i, area in enumerate(base.areas):
        rows = order[bounds[i] : bounds[i + 1]]
        runs[area] = RegionRun(
            base=_rows(base, area, rows),
            plans=tuple((name, plans.get(area)) for name, plans in candidates),
            start=start,
            months=months,
            behaviour=behaviour,
            seed=seed,
        )
    return runs


def _rows(base: Base, area: str, rows: np.ndarray) -> Base:
    return Base(
        areas=[area],
        area=np.zeros(len(rows), dtype=np.int32),
        prepaid=base.prepaid[rows],
        balance_fen=base.balance_fen[rows],
        fee_fen=base.fee_fen[rows],
        upkeep_fen={area: base.upkeep_fen.get(area, 0)},
        no_service=None if base.no_service is None else base.no_service[rows],
        offers=base.offers,
        eligible=None if base.eligible is None else base.eligible[rows],
    )


def streams(seed: int, area: str) -> tuple[np.random.Generator, np.random.Generator]:
    """A region's two random streams, from the seed and its area code alone: the same numbers
    whichever process runs it, in whatever order, and whichever other regions are in the base.
    Offers draw from the second, so that adding or removing an offer leaves every other line's
    fate (natural churn, no service) as it was under the same seed."""
    code = list(area.encode())
    return np.random.default_rng([seed, 0, *code]), np.random.default_rng([seed, 1, *code])


def run_region(run: RegionRun) -> list[Outcome]:
    """Play one region under each candidate's plan (a task of its own on a cluster)."""
    (area,) = run.base.areas
    return [
        _play(run, name, {area: plan} if plan else {}, *streams(run.seed, area))
        for name, plan in run.plans
    ]


def _play(
    run: RegionRun,
    name: str,
    plans: Mapping[str, PlanDates],
    rng: np.random.Generator,
    offers_rng: np.random.Generator,
) -> Outcome:
    base, behaviour = run.base, run.behaviour
    ends = month_ends(run.start, run.months)
    outcome = Outcome(name, [f"{d:%Y-%m}" for d in ends])
    alive = np.ones(len(base.area), dtype=bool)
    balance = base.balance_fen.astype(np.int64, copy=True)
    for day in ends:
        _natural(alive, rng, behaviour.natural_churn, outcome)
        _take_offers(base, alive, offers_rng, day, outcome)
        if base.no_service is not None:
            _without_service(alive & base.no_service, alive, rng, behaviour, outcome)
        off_areas = _in_phase(base, plans, Phase.SWITCHED_OFF, day)
        refused = _in_phase(base, plans, Phase.TOPUPS_REFUSED, day) & ~off_areas
        _balance_runs_out(base, alive, refused[base.area], balance, outcome)
        _switch_off(alive & off_areas[base.area], alive, balance, outcome)
        outcome.upkeep_saved_fen += sum(
            base.upkeep_fen.get(a, 0) for a, off in zip(base.areas, off_areas, strict=True) if off
        )
        outcome.remaining.append(int(alive.sum()))
    return outcome


def combine(
    name: str, by_region: Sequence[Outcome], *, start: date, months: int, start_count: int
) -> Outcome:
    """Add up the regions' outcomes of one candidate; the clearance month is the whole base's."""
    total = Outcome(name, [f"{d:%Y-%m}" for d in month_ends(start, months)])
    total.remaining = [0] * months
    for part in by_region:
        total.remaining = [a + b for a, b in zip(total.remaining, part.remaining, strict=True)]
        for how, count in part.left.items():
            total.left[how] += count
        total.subsidies_fen += part.subsidies_fen
        total.credits_fen += part.credits_fen
        total.complaints += part.complaints
        total.refunds_fen += part.refunds_fen
        total.upkeep_saved_fen += part.upkeep_saved_fen
    total.clearance_month = _cleared(total, start_count)
    return total


def _natural(alive: np.ndarray, rng: np.random.Generator, rate: float, outcome: Outcome) -> None:
    leaving = alive & (rng.random(len(alive)) < rate)
    alive &= ~leaving
    outcome.left["natural"] += int(leaving.sum())


def _take_offers(
    base: Base, alive: np.ndarray, rng: np.random.Generator, day: date, outcome: Outcome
) -> None:
    """Eligible live lines take each open offer with its monthly take-up (one offer a line)."""
    if base.eligible is None:
        return
    for k, offer in enumerate(base.offers):
        if not offer.open_on(day) or offer.take_up <= 0:
            continue
        taking = alive & base.eligible[:, k] & (rng.random(len(alive)) < offer.take_up)
        taken = int(taking.sum())
        alive &= ~taking
        outcome.left["migrated"] += taken
        outcome.subsidies_fen += taken * offer.subsidy_fen
        outcome.credits_fen += taken * offer.credit_fen


def _without_service(
    unserved: np.ndarray,
    alive: np.ndarray,
    rng: np.random.Generator,
    behaviour: Behaviour,
    outcome: Outcome,
) -> None:
    """Lines without a signal leave, or their users complain."""
    leaving = unserved & (rng.random(len(alive)) < behaviour.leave_without_service)
    alive &= ~leaving
    outcome.left["no_service"] += int(leaving.sum())
    outcome.complaints += int((unserved & ~leaving).sum())


def _balance_runs_out(
    base: Base, alive: np.ndarray, refusing: np.ndarray, balance: np.ndarray, outcome: Outcome
) -> None:
    """Charge refused prepaid lines a month (never below zero); those that cannot pay for the
    next month leave, and what is left on them is refunded."""
    charged = alive & refusing & base.prepaid
    balance[charged] = np.maximum(balance[charged] - base.fee_fen[charged], 0)
    out = charged & (balance < base.fee_fen)
    outcome.refunds_fen += int(balance[out].sum())
    balance[out] = 0
    alive &= ~out
    outcome.left["balance_ran_out"] += int(out.sum())


def _switch_off(
    leaving: np.ndarray, alive: np.ndarray, balance: np.ndarray, outcome: Outcome
) -> None:
    outcome.refunds_fen += int(np.clip(balance[leaving], 0, None).sum())
    balance[leaving] = 0
    alive &= ~leaving
    outcome.left["switch_off"] += int(leaving.sum())


def _cleared(outcome: Outcome, start_count: int) -> str | None:
    for month, remaining in zip(outcome.months, outcome.remaining, strict=True):
        if remaining < CLEAR_SHARE * start_count:
            return month
    return None
