"""Use cases of the strategy simulation: fit the behaviour, load the base, compare plans."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import partial

import numpy as np
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from sunset.errors import InputInvalidError
from sunset.kit import tasks
from sunset.kit.dates import add_months as shift_date
from sunset.kit.money import format_yuan
from sunset.offers import service as offers_service
from sunset.plans import repository as plans_repository
from sunset.plans.rules import PlanDates
from sunset.plans.service import dates_of
from sunset.plans.vocabulary import DATED_PHASES, Phase
from sunset.stats import forecast as fc
from sunset.stats import repository
from sunset.stats.flows import Flow
from sunset.stats.rules import add_months, parse_month
from sunset.stats.schemas import SimulatedPlan, SimulationReport
from sunset.stats.service import NATIONAL, network_of
from sunset.stats.simulation import (
    Base,
    Behaviour,
    OfferModel,
    month_ends,
    simulate_candidates,
)

CHURN_SOURCES = ("auto", "snapshots", "national")
DEFAULT_TAKE_UP = 0.02
DEFAULT_LEAVE_WITHOUT_SERVICE = 0.3


def _month_end(month: str) -> date:
    return month_ends(parse_month(month), 1)[0]


def _from_snapshots(session: Session, plans: Mapping[str, PlanDates], network: str) -> Behaviour:
    """Departures of ``network`` per line-month in months no plan drove (before top-ups were
    refused): its lines that left it, however they left, over its lines live at the month-end
    before."""
    live = {
        (a, m): n
        for a, m, n in repository.live_by_month(session, by="region", network_code=network)
    }
    flows = repository.flows_by_month(session, by="region", network_code=network)
    left = exposure = 0
    for (area, month), _ in live.items():
        before = live.get((area, add_months(month, -1)))
        plan = plans.get(area)
        if not before or (plan and plan.is_at_least(Phase.TOPUPS_REFUSED, _month_end(month))):
            continue
        left += flows.get((area, month), Flow()).left
        exposure += before
    rate = left / exposure if exposure else math.nan
    return Behaviour(rate, f"snapshots: {left:,} departures in {exposure:,} line-months")


def _from_national(session: Session) -> Behaviour:
    """The national series' average monthly decline over its last 12 months."""
    points = repository.series_points(session, NATIONAL)
    if len(points) < 2:
        return Behaviour(math.nan, "no national series")
    grid = fc.to_grid([m for m, _ in points], [v for _, v in points])
    span = min(12, len(grid.logs) - 1)
    rate = 1 - math.exp((grid.logs[-1] - grid.logs[-1 - span]) / span)
    return Behaviour(max(rate, 0.0), f"{NATIONAL}: decline over the {span} months to {grid.last}")


def fit_behaviour(
    session: Session,
    *,
    plans: Mapping[str, PlanDates],
    network: str,
    source: str = "auto",
    leave_without_service: float = DEFAULT_LEAVE_WITHOUT_SERVICE,
) -> Behaviour:
    """Fit the monthly natural churn: on the snapshots (months before any refusal or
    switch-off), or on the national series; ``auto`` takes the snapshots when they saw anyone
    leave, else the national series."""
    if source not in CHURN_SOURCES:
        raise InputInvalidError(f"--churn must be one of {', '.join(CHURN_SOURCES)}")
    own = _from_snapshots(session, plans, network)
    if source == "snapshots" or (source == "auto" and own.natural_churn > 0):
        chosen = own
    else:
        chosen = _from_national(session)
    if math.isnan(chosen.natural_churn):
        raise InputInvalidError(f"cannot fit the natural churn ({chosen.source})")
    if not 0 <= leave_without_service <= 1:
        raise InputInvalidError("--leave-without-service is a probability (0 to 1)")
    return replace(chosen, leave_without_service=leave_without_service)


def plans_from_rows(
    rows: Sequence[Mapping[str, object]], *, network: str, name: str
) -> dict[str, PlanDates]:
    """Read a candidate's plans (the rows of a plan file), naming any bad entry."""
    found: dict[str, PlanDates] = {}
    for number, row in enumerate(rows, start=1):
        if str(row.get("network") or network).strip().lower() != network:
            continue
        area = str(row.get("area_code") or "").strip()
        try:
            found[area] = PlanDates(**{p.value: _date(row.get(p.value)) for p in DATED_PHASES})
        except ValueError as exc:
            raise InputInvalidError(f"{name}, entry {number} ({area}): {exc}") from None
    return found


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value).strip())


def load_base(
    session: Session, *, network: str, offers: Sequence[OfferModel] = (), today: date | None = None
) -> Base:
    """Today's live lines of ``network`` as arrays, the upkeep of its sites per area, and each
    line's eligibility for each offer (the offer's own conditions, compiled to SQL)."""
    eligibility = [_eligible_sql(o.id, today) for o in offers] if today else []
    rows = repository.live_lines(session, network_code=network, eligibility=eligibility)
    areas = sorted({r[0] for r in rows})
    index = {a: i for i, a in enumerate(areas)}
    return Base(
        areas=areas,
        area=np.array([index[r[0]] for r in rows], dtype=np.int32),
        prepaid=np.array([r[1] for r in rows], dtype=bool),
        balance_fen=np.array([r[2] for r in rows], dtype=np.int64),
        fee_fen=np.array([r[3] for r in rows], dtype=np.int64),
        upkeep_fen=repository.upkeep_by_area(session, network_code=network),
        no_service=np.array([r[4] for r in rows], dtype=bool),
        offers=tuple(offers),
        eligible=np.array([r[5:] for r in rows], dtype=bool).reshape(len(rows), len(offers)),
    )


def _eligible_sql(offer_id: str, today: date) -> ColumnElement[bool]:
    return offers_service.eligibility_sql(offers_service.get_offer_or_raise(offer_id), today)


def offer_models(
    session: Session, *, network: str, today: date, take_up: float, only: Sequence[str] | None
) -> tuple[list[OfferModel], list[str]]:
    """The offers for ``network`` (or only those named), each with its monthly take-up: fitted
    on the migrations recorded under it in the last 12 months where there are any, else
    ``take_up`` (an assumption, said in the notes)."""
    if not 0 <= take_up <= 1:
        raise InputInvalidError("--take-up is a probability (0 to 1)")
    catalogue = {o.id: o for o in offers_service.list_offers()}
    for offer_id in only or ():
        if offer_id not in catalogue:
            raise InputInvalidError(f"offers: no offer {offer_id!r} ({', '.join(catalogue)})")
    chosen = (
        [catalogue[i] for i in only]
        if only is not None
        else [
            o
            for o in catalogue.values()
            if o.conditions.networks is None or network in o.conditions.networks
        ]
    )
    since = shift_date(today, -12)
    recorded = repository.migrations_by_offer(session, since=since, before=today)
    models, notes = [], []
    for offer in chosen:
        rate, note = _take_up(session, offer.id, recorded.get(offer.id, 0), today, take_up)
        notes.append(note)
        models.append(
            OfferModel(
                id=offer.id,
                valid_from=offer.valid_from,
                valid_until=offer.valid_until,
                take_up=rate,
                subsidy_fen=int(offer.outcome.handset_subsidy_yuan * 100),
                credit_fen=int(offer.outcome.free_credit_yuan * 100),
            )
        )
    return models, notes


def _take_up(
    session: Session, offer_id: str, migrated: int, today: date, assumed: float
) -> tuple[float, str]:
    """Migrations of the last 12 months over the line-months that could have taken the offer,
    approximated by (eligible today + those who took it) x 12 months."""
    if migrated == 0:
        return assumed, f"offer {offer_id}: take-up {assumed:.1%} a month assumed (none recorded)"
    eligible = repository.count_where(session, _eligible_sql(offer_id, today))
    rate = migrated / (12 * (eligible + migrated))
    return rate, (
        f"offer {offer_id}: take-up {rate:.2%} a month, fitted on {migrated:,} migrations in "
        f"the last 12 months and {eligible:,} lines eligible today"
    )


def simulate_plans(
    session: Session,
    *,
    candidates: Sequence[tuple[str, Sequence[Mapping[str, object]]]],
    today: date,
    months: int,
    seed: int,
    network: str | None = None,
    churn: str = "auto",
    leave_without_service: float = DEFAULT_LEAVE_WITHOUT_SERVICE,
    take_up: float = DEFAULT_TAKE_UP,
    offers: Sequence[str] | None = None,
) -> SimulationReport:
    """Simulate each candidate (its plans over the stored ones) from today's base, side by side.

    The base is today's live lines of ``network``, by default the network being retired.
    Every candidate runs with the same seed, so the differences come from the plans, not luck.
    Each local network is a task: on the Dask cluster ``SUNSET_DASK_SCHEDULER`` names, else in
    this process; the database is read here, before, and the tasks get arrays.
    ``offers`` names the offers to run (None: every offer for the network; empty: none).
    """
    if not 1 <= months <= 240:
        raise InputInvalidError(f"--months must be 1 to 240, not {months}")
    network = network_of(session, network)
    stored = {
        p.area_code: dates_of(p) for p in plans_repository.list_all(session, network_code=network)
    }
    models, offer_notes = offer_models(
        session, network=network, today=today, take_up=take_up, only=offers
    )
    base = load_base(session, network=network, offers=models, today=today)
    behaviour = fit_behaviour(
        session,
        plans=stored,
        network=network,
        source=churn,
        leave_without_service=leave_without_service,
    )
    outcomes = simulate_candidates(
        base,
        [
            (name, {**stored, **plans_from_rows(rows, network=network, name=name)})
            for name, rows in candidates
        ],
        start=today,
        months=months,
        behaviour=behaviour,
        seed=seed,
        each=partial(tasks.each_region, what="simulate"),
    )
    return SimulationReport(
        network=network,
        start=today.isoformat(),
        start_lines=len(base.area),
        months=outcomes[0].months if outcomes else [],
        natural_churn_per_month=round(behaviour.natural_churn, 6),
        fitted_from=behaviour.source,
        seed=seed,
        lines_without_service=int(base.no_service.sum()) if base.no_service is not None else 0,
        leave_without_service=leave_without_service,
        plans=[
            SimulatedPlan(
                name=o.name,
                remaining=o.remaining,
                clearance_month=o.clearance_month,
                left=o.left,
                refunds_yuan=format_yuan(o.refunds_fen),
                upkeep_saved_yuan=format_yuan(o.upkeep_saved_fen),
                complaints=o.complaints,
                subsidies_yuan=format_yuan(o.subsidies_fen),
                credits_yuan=format_yuan(o.credits_fen),
            )
            for o in outcomes
        ],
        notes=[
            *offer_notes,
            "offer eligibility is taken as of the start; a line that becomes eligible later "
            "(an owner change ageing past the offer's window) is not counted",
            f"a line without service leaves with probability {leave_without_service} a month,"
            " otherwise its user complains: an assumption, not yet fitted on recorded complaints",
        ],
    )
