"""Retirement plans at the programme office: every member of staff reads them, the planners of
the operator that runs a network set its plans.

A plan is of a (local network, network): the regulator's order covers the band whoever runs it,
so staff of every operator read the same plans; but only the operator running the network
(``reference``'s network operators: PHS is China Telecom's in the south, China Unicom's in the
north) retires it. Setting a plan publishes the public notice of each dated phase, whichever
edge set it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.board import service as board
from sunset.errors import NotFoundError, PermissionDeniedError
from sunset.kit import fields
from sunset.plans import service as plans
from sunset.plans.schemas import PlanView
from sunset.plans.service import KEEP, Keep
from sunset.reference import repository as reference

from .common import audit

__all__ = ["KEEP", "Keep", "PlanView"]


def list_plans(
    session: Session, actor: Actor, *, today: date, network: str | None = None
) -> list[PlanView]:
    """Return every plan (of one network) and the phase each is in today."""
    access.require(actor, Permission.READ_PLANS)
    return plans.list_plans(session, today=today, network_code=network)


def show_plan(
    session: Session, actor: Actor, *, area_code: str, network: str, today: date
) -> PlanView:
    """Return one plan and the phase it is in today (a region without a plan: no dates)."""
    access.require(actor, Permission.READ_PLANS)
    return plans.show_plan(session, area_code=area_code, network_code=network, today=today)


def _dates(view: PlanView) -> dict[str, Any]:
    found: dict[str, Any] = {p.phase: p.starts_on for p in view.phases}
    found["degrade_on"] = view.degrade_on
    return found


def set_plan(
    session: Session,
    actor: Actor,
    *,
    area_code: str,
    network: str,
    changes: dict[str, date | None],
    degrade_on: date | Keep | None = KEEP,
    today: date,
    now: datetime,
    by: str | None = None,
) -> PlanView:
    """Set some dates of a plan (None removes a phase) and publish its phases' notices; refused,
    every reason named, if invalid or not the actor's operator's network."""
    access.require(actor, Permission.WRITE_PLANS)
    area_code = fields.required_text(area_code, field="area_code", limit=5)
    network = fields.required_text(network, field="network", limit=32).lower()
    who = fields.text(by, field="by", limit=100) or actor.name
    refuse_unless_owner(session, actor, area_code=area_code, network=network)
    before = plans.show_plan(session, area_code=area_code, network_code=network, today=today)
    done = plans.set_plan(
        session,
        area_code=area_code,
        network_code=network,
        changes=changes,
        today=today,
        now=now,
        actor=who,
        degrade_on=degrade_on,
    )
    notices = board.publish_plan_notices(
        session, area_code=area_code, network_code=network, today=today
    )
    audit(
        session,
        actor,
        action="plan.set",
        target=f"{area_code}/{network}",
        before=_dates(before),
        after={**_dates(done), "notices": [n.id for n in notices]},
        now=now,
    )
    return done


def import_plans(
    session: Session,
    actor: Actor,
    *,
    rows: list[dict[str, object]],
    today: date,
    now: datetime,
    by: str | None = None,
) -> list[PlanView]:
    """Set many plans at once and publish their notices; if any is refused (or of another
    operator's network), none is, every refusal named."""
    access.require(actor, Permission.WRITE_PLANS)
    for number, row in enumerate(rows, start=1):
        area = str(row.get("area_code") or "").strip()
        network = str(row.get("network") or "phs").strip().lower()
        try:
            refuse_unless_owner(session, actor, area_code=area, network=network)
        except PermissionDeniedError as exc:
            raise PermissionDeniedError(f"entry {number} ({area}): {exc.message}") from None
    who = fields.text(by, field="by", limit=100) or actor.name
    views = plans.import_plans(session, rows=rows, today=today, now=now, actor=who)
    for view in views:
        board.publish_plan_notices(
            session, area_code=view.area_code, network_code=view.network, today=today
        )
    audit(
        session,
        actor,
        action="plan.import",
        target=f"{len(views)} plan(s)",
        before=None,
        after={f"{v.area_code}/{v.network}": _dates(v) for v in views},
        now=now,
    )
    return views


def refuse_unless_owner(session: Session, actor: Actor, *, area_code: str, network: str) -> None:
    """Refuse a planner of another operator than the one that runs the network there (an
    unknown local network is not found, whoever asks)."""
    if reference.get_local_network(session, area_code) is None:
        raise NotFoundError(f"no local network with area code {area_code}", field="area_code")
    if actor.operator is None:
        return
    owner = reference.operator_of_network(session, area_code=area_code, network_code=network)
    if owner != actor.operator:
        runs = f"is run by {owner}" if owner else "has no operator on record"
        raise PermissionDeniedError(
            f"the {network} network of {area_code} {runs}: an account of {actor.operator} "
            "cannot change its plan",
            field="area_code",
        )
