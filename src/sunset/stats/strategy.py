"""Use cases of the strategy simulation: fit the behaviour, load the base, compare plans."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from sunset.errors import InputInvalidError
from sunset.kit.money import format_yuan
from sunset.plans import repository as plans_repository
from sunset.plans.rules import PlanDates
from sunset.plans.service import dates_of
from sunset.plans.vocabulary import DATED_PHASES, Phase
from sunset.stats import forecast as fc
from sunset.stats import repository
from sunset.stats.rules import add_months, parse_month
from sunset.stats.schemas import SimulatedPlan, SimulationReport
from sunset.stats.service import NATIONAL
from sunset.stats.simulation import Base, Behaviour, month_ends, simulate

CHURN_SOURCES = ("auto", "snapshots", "national")
NOT_MODELLED = (
    "offers (subsidies, credits) are not modelled: sunset records no offers yet to fit them on"
)
DEFAULT_LEAVE_WITHOUT_SERVICE = 0.3


def _month_end(month: str) -> date:
    return month_ends(parse_month(month), 1)[0]


def _from_snapshots(session: Session, plans: Mapping[str, PlanDates], network: str) -> Behaviour:
    """Departures per line-month in months no plan drove (before top-ups were refused)."""
    live = {
        (a, m): n
        for a, m, n in repository.live_by_month(session, by="region", network_code=network)
    }
    flows = repository.flows_by_month(session, by="region")
    left = exposure = 0
    for (area, month), _ in live.items():
        before = live.get((area, add_months(month, -1)))
        plan = plans.get(area)
        if not before or (plan and plan.is_at_least(Phase.TOPUPS_REFUSED, _month_end(month))):
            continue
        left += sum(flows.get((area, month), (0, 0, 0))[:3])
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


def load_base(session: Session, *, network: str) -> Base:
    """Today's live lines of ``network`` as arrays, and the upkeep of its sites per area."""
    rows = repository.live_lines(session, network_code=network)
    areas = sorted({a for a, *_ in rows})
    index = {a: i for i, a in enumerate(areas)}
    return Base(
        areas=areas,
        area=np.array([index[a] for a, *_ in rows], dtype=np.int32),
        prepaid=np.array([r[1] for r in rows], dtype=bool),
        balance_fen=np.array([r[2] for r in rows], dtype=np.int64),
        fee_fen=np.array([r[3] for r in rows], dtype=np.int64),
        upkeep_fen=repository.upkeep_by_area(session, network_code=network),
        no_service=np.array([r[4] for r in rows], dtype=bool),
    )


def simulate_plans(
    session: Session,
    *,
    candidates: Sequence[tuple[str, Sequence[Mapping[str, object]]]],
    today: date,
    months: int,
    seed: int,
    network: str = "phs",
    churn: str = "auto",
    leave_without_service: float = DEFAULT_LEAVE_WITHOUT_SERVICE,
) -> SimulationReport:
    """Simulate each candidate (its plans over the stored ones) from today's base, side by side.

    Every candidate runs with the same seed, so the differences come from the plans, not luck.
    """
    if not 1 <= months <= 240:
        raise InputInvalidError(f"--months must be 1 to 240, not {months}")
    stored = {
        p.area_code: dates_of(p) for p in plans_repository.list_all(session, network_code=network)
    }
    base = load_base(session, network=network)
    behaviour = fit_behaviour(
        session,
        plans=stored,
        network=network,
        source=churn,
        leave_without_service=leave_without_service,
    )
    outcomes = [
        simulate(
            base,
            {**stored, **plans_from_rows(rows, network=network, name=name)},
            start=today,
            months=months,
            behaviour=behaviour,
            seed=seed,
            name=name,
        )
        for name, rows in candidates
    ]
    return SimulationReport(
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
            )
            for o in outcomes
        ],
        notes=[
            NOT_MODELLED,
            f"a line without service leaves with probability {leave_without_service} a month,"
            " otherwise its user complains: an assumption (no complaints are recorded to fit it)",
        ],
    )
