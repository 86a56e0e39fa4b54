"""Every change the demo makes, in one place: the operator's staff at work.

The demo acts as the programme office (``PLANNER``: plans and notices), customer care
(``AGENT``: lines closed at their owners' request, migrations, ports, top-ups, suspensions for
arrears, complaints, replacements confirmed) and network engineering (``ENGINEER``: the status of
base stations), each through the services the CLI and the API use, so that the ledger and
`sunset verify` hold as they would after real staff. Only the cycle (charges, suspensions,
switch-offs) runs on its own. When the application layer (issue 17) takes the writes over, these
functions become its calls, made as the named actors below.

A refusal is an answer here, not a failure: the functions that may be refused (a top-up while
top-ups are refused, an activation after new sales stopped) return its code, and nothing of the
refused operation is left behind (it runs in a savepoint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sunset.board.service import publish_plan_notices
from sunset.care import service as care
from sunset.care.schemas import ComplaintView
from sunset.care.vocabulary import ComplaintKind
from sunset.errors import DomainError
from sunset.ingest.service import ImportResult
from sunset.lines import repository as lines_repo
from sunset.lines import service as lines
from sunset.lines.jobs import Closed, close_lines, import_lines
from sunset.lines.vocabulary import SuspensionReason
from sunset.notices.service import send_phase_notice
from sunset.notices.vocabulary import Channel
from sunset.offers import rules as offer_rules
from sunset.offers import service as offers
from sunset.offers.schemas import MigrationView, Offer
from sunset.plans.jobs import CycleReport, run_cycle
from sunset.plans.schemas import PlanView
from sunset.plans.service import import_plans
from sunset.porting import jobs as porting_jobs
from sunset.porting import service as porting
from sunset.porting.eligibility import Destination
from sunset.porting.eligibility import rule_sets as porting_rule_sets
from sunset.porting.rules import rule_set_in_force
from sunset.sites.jobs import import_sites
from sunset.sites.schemas import StatusRecorded
from sunset.sites.service import record_status

PLANNER, AGENT, ENGINEER = "demo planner", "demo agent", "demo engineer"
T = TypeVar("T")


def _refused(session: Session, action: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run ``action`` in a savepoint: its result, or the code of the refusal it met."""
    try:
        with session.begin_nested():
            return action(), None
    except DomainError as exc:
        return None, exc.code


def base_ids(session: Session, *, network: str) -> list[tuple[str, int]]:
    """Return (number, id) of every live line of a network: the base just imported, mapped."""
    return lines_repo.live_ids(session, network_code=network)


def import_base(session: Session, *, lines_path: Path, sites_path: Path, day: date) -> ImportResult:
    """Import the exported base stations, then the lines, through the normal import path."""
    now = datetime.combine(day, time(18))
    import_sites(session, path=sites_path, today=day, now=now)
    return import_lines(session, path=lines_path, today=day, now=now)


def set_plans(session: Session, *, rows: list[dict[str, Any]], day: date) -> list[PlanView]:
    """Set the retirement plans and publish each phase's public notice with its comment board."""
    now = datetime.combine(day, time(18))
    views = import_plans(session, rows=rows, today=day, now=now, actor=PLANNER)
    for view in views:
        publish_plan_notices(
            session, area_code=view.area_code, network_code=view.network, today=day
        )
    return views


def send_notice(session: Session, *, area_code: str, network: str, day: date) -> int:
    """Tell every live line of a region by SMS that its network is being retired."""
    return send_phase_notice(
        session,
        area_code=area_code,
        network_code=network,
        phase="announced",
        channel=Channel.SMS,
        today=day,
    )


def close(session: Session, *, area_code: str, line_ids: Sequence[int], day: date) -> Closed:
    """Close the lines whose owners give them up on ``day`` (those still live)."""
    return close_lines(
        session, area_code=area_code, line_ids=line_ids, day=day, reason="line given up"
    )


def suspend_for_arrears(session: Session, *, number: str, day: date) -> str | None:
    """Suspend a line whose bills went unpaid; the refusal's code if it may not be."""
    return _refused(
        session,
        lambda: lines.suspend(session, number=number, reason=SuspensionReason.ARREARS, today=day),
    )[1]


def top_up(session: Session, *, number: str, amount_fen: int, day: date, key: str) -> str | None:
    """Top a prepaid line up at the counter; the refusal's code if it is refused."""
    return _refused(
        session,
        lambda: lines.top_up(session, number=number, amount_fen=amount_fen, today=day, key=key),
    )[1]


def activate(session: Session, *, new: lines.NewLine, day: date) -> str | None:
    """Sell a new line; the refusal's code if new sales have stopped there."""
    return _refused(session, lambda: lines.activate(session, new=new, today=day))[1]


def migrate(
    session: Session, *, number: str, offer: Offer, new_number: str, day: date, key: str
) -> MigrationView | None:
    """Move a line to the offer's network on its first plan (None when it may not take it)."""
    request = offers.MigrationRequest(
        number=number,
        offer_id=offer.id,
        key=key,
        plan_yuan=str(offer.outcome.plans_yuan[0]),
        new_number=new_number,
    )
    return _refused(session, lambda: offers.migrate(session, request=request, today=day))[0]


def eligible(session: Session, *, offer: Offer, day: date) -> list[str]:
    """Return the numbers the offer may go to on ``day`` (empty when it is not open)."""
    if offer_rules.window_refusal(offer, day) is not None:
        return []
    return offers.eligible_numbers(session, offer=offer, today=day)


def port(session: Session, *, number: str, to: str, now: datetime) -> bool:
    """Take a number to another operator: the donor's code, presented by the recipient, then
    the donor's validation, which schedules it at the next slot. False when it may not go (the
    refused request stays on record, as for any customer)."""
    asked = _refused(
        session,
        lambda: porting.request(
            session, number=number, destination=Destination(to=to), now=now, actor=AGENT
        ),
    )[0]
    if asked is None or asked.auth_code is None:
        return False
    later = now + timedelta(minutes=10)
    porting.authorise(session, number=number, code=asked.auth_code, now=later, actor=to)
    done = porting.validate(session, number=number, now=later, actor=AGENT)
    return done.refused is None


def porting_regions(areas: Sequence[str], *, network: str, day: date) -> list[str]:
    """Return the areas whose porting rules in force on ``day`` let ``network`` numbers go."""
    sets = porting_rule_sets()
    return [
        area
        for area in areas
        if (found := rule_set_in_force(sets, area, day)) is not None
        and any(p.endswith(f"/{network}") for d in found.directions for p in d.from_)
    ]


def complete_ports(session: Session, *, now: datetime) -> int:
    """Carry out every port due by ``now``; return how many completed."""
    return porting_jobs.run_due(session, now=now)["completed"]


def record_site(
    session: Session, *, site_id: str, status: str, since: date, day: date
) -> StatusRecorded:
    """Record a base station's status from ``since`` (crediting months already charged)."""
    return record_status(session, site_id=site_id, status=status, since=since, today=day)


def complain(session: Session, *, number: str, text: str, day: date) -> ComplaintView:
    """Open a complaint of being charged without service (checked against the site at once)."""
    return care.open_complaint(
        session,
        number=number,
        kind=ComplaintKind.CHARGED_WITHOUT_SERVICE.value,
        text=text,
        today=day,
    )


def confirm_replacement(session: Session, *, number: str, day: date) -> bool:
    """Record that a vulnerable line's replacement works, so the switch-off may take it."""
    return (
        _refused(session, lambda: lines.confirm_replacement(session, number=number, today=day))[1]
        is None
    )


def advance(engine: Engine, *, until: date, start: date) -> CycleReport:
    """Run the daily cycle (charges, suspensions, switch-offs, refunds) up to ``until``."""
    return run_cycle(engine, until=until, start=start)
