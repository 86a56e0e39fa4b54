"""Use cases of retirement plans: set, show, import, and the phase a line is in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import (
    InputInvalidError,
    NotFoundError,
    OperationRefusedError,
    PlanInvalidError,
)
from sunset.plans import repository, rules
from sunset.plans.models import RetirementPlan
from sunset.plans.rules import PlanDates
from sunset.plans.schemas import PhaseView, PlanView
from sunset.plans.vocabulary import DATED_PHASES, LABELS
from sunset.reference import repository as reference

NO_PLAN = PlanDates()


class Keep:
    """Leave a value as it is (as opposed to None: remove it)."""


KEEP = Keep()


def dates_of(plan: RetirementPlan | None) -> PlanDates:
    """Return a stored plan's dates (no plan: every phase skipped)."""
    if plan is None:
        return NO_PLAN
    return PlanDates(**{p.value: getattr(plan, p.value) for p in DATED_PHASES})


def plan_dates(session: Session, *, area_code: str, network_code: str) -> PlanDates:
    """Return the dates of the plan in force for a network in a local network."""
    return dates_of(repository.get(session, area_code=area_code, network_code=network_code))


PlanRule = Callable[..., rules.Refusal | None]


def enforce(
    session: Session, rule: PlanRule, *, area_code: str, network_code: str, day: date
) -> None:
    """Refuse, with the rule's code and reason, what the plan in force on ``day`` forbids.

    The one place an operation meets its network's plan: ``rule`` is one of ``rules.may_*``.
    """
    dates = plan_dates(session, area_code=area_code, network_code=network_code)
    local = reference.get_local_network(session, area_code)
    city = local.city_en if local is not None else area_code
    refusal = rule(dates, day, where=f"the {network_code} network of {city} ({area_code})")
    if refusal is not None:
        raise OperationRefusedError(refusal.message, code=refusal.code)


def _where(session: Session, area_code: str, network_code: str) -> tuple[str, date | None]:
    local = reference.get_local_network(session, area_code)
    network = reference.get_network(session, network_code)
    if local is None:
        raise NotFoundError(f"no local network with area code {area_code}")
    if network is None:
        raise NotFoundError(f"no network {network_code!r}")
    return f"{local.city_en} ({area_code})", network.retirement_deadline


def set_plan(
    session: Session,
    *,
    area_code: str,
    network_code: str,
    changes: dict[str, date | None],
    today: date,
    now: datetime,
    actor: str,
    degrade_on: date | Keep | None = KEEP,
) -> PlanView:
    """Create or change a plan; refuse it, saying every reason, if it breaks a rule.

    ``degrade_on`` (optional): from that day outgoing calls are barred except emergency numbers.
    """
    _, deadline = _where(session, area_code, network_code)
    stored = repository.get_for_update(session, area_code=area_code, network_code=network_code)
    old = dates_of(stored) if stored else None
    try:
        new = (old or NO_PLAN).with_changes(**changes)
    except ValueError as exc:
        raise InputInvalidError(str(exc)) from exc
    check = rules.check_plan(
        new,
        old=old,
        today=today,
        min_notice_days=get_settings().min_notice_days,
        deadline=deadline,
    )
    old_degrade = stored.degrade_on if stored else None
    new_degrade = old_degrade if isinstance(degrade_on, Keep) else degrade_on
    errors = check.errors + rules.degrade_errors(
        new_degrade, old=old_degrade, plan=new, today=today
    )
    if errors:
        raise PlanInvalidError(
            f"plan for {network_code} in {area_code} refused: " + "; ".join(errors)
        )
    if stored is None:
        stored = RetirementPlan(area_code=area_code, network_code=network_code)
        repository.add(session, stored)
    for phase in DATED_PHASES:
        setattr(stored, phase.value, new.date_of(phase))
    stored.degrade_on = new_degrade
    stored.updated_at, stored.updated_by = now, actor
    session.flush()
    return show_plan(
        session, area_code=area_code, network_code=network_code, today=today
    ).model_copy(update={"warnings": check.warnings})


def show_plan(session: Session, *, area_code: str, network_code: str, today: date) -> PlanView:
    """Describe a plan and the phase in force today."""
    where, deadline = _where(session, area_code, network_code)
    stored = repository.get(session, area_code=area_code, network_code=network_code)
    dates = dates_of(stored)
    return PlanView(
        area_code=area_code,
        city=where,
        network=network_code,
        current_phase=dates.phase_on(today).value,
        phases=[
            PhaseView(
                phase=p.value,
                label=LABELS[p],
                starts_on=dates.date_of(p),
                started=(d := dates.date_of(p)) is not None and d <= today,
            )
            for p in DATED_PHASES
        ],
        deadline=deadline,
        degrade_on=stored.degrade_on if stored else None,
    )


def list_plans(session: Session, *, today: date, network_code: str | None = None) -> list[PlanView]:
    """Describe every plan."""
    return [
        show_plan(session, area_code=p.area_code, network_code=p.network_code, today=today)
        for p in repository.list_all(session, network_code=network_code)
    ]


PLAN_COLUMNS = ("area_code", "network", *(p.value for p in DATED_PHASES))


def import_plans(
    session: Session, *, rows: list[dict[str, object]], today: date, now: datetime, actor: str
) -> list[PlanView]:
    """Set many plans at once; if any is refused, none is (every refusal is named)."""
    problems: list[str] = []
    views: list[PlanView] = []
    for number, row in enumerate(rows, start=1):
        try:
            changes = _row_dates(row)
            views.append(
                set_plan(
                    session,
                    area_code=str(row.get("area_code") or "").strip(),
                    network_code=str(row.get("network") or "phs").strip().lower(),
                    changes=changes,
                    today=today,
                    now=now,
                    actor=actor,
                )
            )
        except (PlanInvalidError, InputInvalidError, NotFoundError) as exc:
            problems.append(f"entry {number} ({row.get('area_code')}): {exc.message}")
    if problems:
        raise PlanInvalidError("no plan was imported: " + " | ".join(problems))
    return views


def _row_dates(row: dict[str, object]) -> dict[str, date | None]:
    unknown = set(row) - set(PLAN_COLUMNS)
    if unknown:
        raise InputInvalidError(
            f"unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(PLAN_COLUMNS)}"
        )
    changes: dict[str, date | None] = {}
    for phase in DATED_PHASES:
        value = row.get(phase.value)
        if value is None or value == "":
            changes[phase.value] = None
        elif isinstance(value, date):
            changes[phase.value] = value
        else:
            try:
                changes[phase.value] = date.fromisoformat(str(value).strip())
            except ValueError:
                raise InputInvalidError(f"{phase.value}: {value!r} is not a date") from None
    return changes
