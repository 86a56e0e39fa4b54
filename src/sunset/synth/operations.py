"""Every change the demo makes, in one place: the operator's staff at work.

The demo acts as the people who would: each operator's programme office (``planner.<op>``: plans
and notices), customer care (``agent.<op>``: migrations, ports, top-ups, suspensions for
arrears, complaints, replacements confirmed) and network engineering (``engineer.<op>``: the
status of base stations), accounts the demo adds, and the back office (``os:demo``, an admin:
the imports, the lines given up each day, the cycle, the porting run). Every write goes through
the use cases the CLI, the API and the pages call, with the same roles, operator scopes, money
limits and audit entries, so that the ledger, `sunset verify` and `sunset audit` hold as they
would after real staff.

A refusal is an answer here, not a failure: the functions that may be refused (a top-up while
top-ups are refused, an activation after new sales stopped) return its code, and nothing of the
refused operation is left behind (it runs in a savepoint).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.care.schemas import ComplaintView
from sunset.care.vocabulary import ComplaintKind
from sunset.cycle.report import CycleReport
from sunset.cycle.steps import Closed
from sunset.errors import DomainError
from sunset.ingest.service import ImportResult
from sunset.kit.numbers import display
from sunset.lines import repository as lines_repo
from sunset.lines.service import NewLine
from sunset.lines.vocabulary import SuspensionReason
from sunset.notices.vocabulary import Channel
from sunset.offers import rules as offer_rules
from sunset.offers.schemas import MigrationView, Offer
from sunset.offers.service import MigrationRequest, eligible_numbers
from sunset.plans.schemas import PlanView
from sunset.porting.eligibility import rule_sets as porting_rule_sets
from sunset.porting.rules import rule_set_in_force
from sunset.sites.schemas import StatusRecorded
from sunset.sites.vocabulary import SiteStatus
from sunset.synth.generator import REGIONS
from sunset.usecases import accounts, batch, care, notices, operations, sites
from sunset.usecases import plans as plans_uc
from sunset.usecases import porting as porting_uc

BACK_OFFICE = Actor.operating_system("demo")
OPERATOR_OF = {area: operator for area, operator, *_ in REGIONS}
STAFF_ROLES = (Role.PLANNER, Role.AGENT, Role.ENGINEER)
T = TypeVar("T")


class Staff:
    """The demo's people: a planner, an agent and an engineer of each operator, as accounts
    (their passwords are random and never shown: they sign in nowhere, they act in the story and
    the audit log names them)."""

    def __init__(self, by_role: dict[tuple[Role, str], Actor]) -> None:
        self.by_role = by_role

    def of(self, role: Role, area_code: str) -> Actor:
        """Return the person of ``role`` working for the operator of ``area_code``."""
        return self.by_role[(role, OPERATOR_OF[area_code])]

    def agent_of(self, number: str) -> Actor:
        """Return the care agent of the operator that runs ``number`` (its area code)."""
        return self.of(Role.AGENT, _area_of(number))


def hire(session: Session, *, day: date) -> Staff:
    """Add the demo's staff accounts, made by the back office (audited as any account)."""
    now = datetime.combine(day, time(8))
    by_role: dict[tuple[Role, str], Actor] = {}
    for operator in sorted(set(OPERATOR_OF.values())):
        for role in STAFF_ROLES:
            name = f"{role.value}.{operator}"
            accounts.add_user(
                session,
                BACK_OFFICE,
                name=name,
                role=role,
                operator=operator,
                password=secrets.token_urlsafe(24),
                now=now,
            )
            by_role[(role, operator)] = accounts.cli_actor(session, name=name, os_user="demo")
    return Staff(by_role)


def _area_of(number: str) -> str:
    """The area code of a demo number, as exported (``0551-62000000``) or stored
    (``+8655162000000``)."""
    return (display(number) if number.startswith("+") else number).split("-", 1)[0]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))


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
    batch.import_sites(session, BACK_OFFICE, path=sites_path, today=day, now=_at(day, 18))
    return batch.import_lines(session, BACK_OFFICE, path=lines_path, today=day, now=_at(day, 18))


def set_plans(
    session: Session, staff: Staff, *, rows: list[dict[str, Any]], day: date
) -> list[PlanView]:
    """Set each operator's retirement plans, by its planner; each plan publishes its phases'
    public notices with their comment boards."""
    views: list[PlanView] = []
    for operator in sorted({OPERATOR_OF[str(r["area_code"])] for r in rows}):
        mine = [r for r in rows if OPERATOR_OF[str(r["area_code"])] == operator]
        planner = staff.by_role[(Role.PLANNER, operator)]
        views += plans_uc.import_plans(session, planner, rows=mine, today=day, now=_at(day, 18))
    return views


def send_notice(session: Session, staff: Staff, *, area_code: str, network: str, day: date) -> int:
    """Tell every live line of a region by SMS that its network is being retired."""
    return notices.send(
        session,
        staff.of(Role.PLANNER, area_code),
        area_code=area_code,
        network=network,
        phase="announced",
        channel=Channel.SMS,
        today=day,
        now=_at(day, 9),
    )


def close(session: Session, *, area_code: str, line_ids: Sequence[int], day: date) -> Closed:
    """Close the lines whose owners gave them up on ``day`` (those still live), as the back
    office's batch of the day's requests."""
    return batch.close_lines(
        session,
        BACK_OFFICE,
        area_code=area_code,
        line_ids=line_ids,
        day=day,
        reason="line given up",
        now=_at(day, 20),
    )


def suspend_for_arrears(session: Session, staff: Staff, *, number: str, day: date) -> str | None:
    """Suspend a line whose bills went unpaid; the refusal's code if it may not be."""
    agent = staff.agent_of(number)
    return _refused(
        session,
        lambda: operations.suspend(
            session,
            agent,
            number=number,
            reason=SuspensionReason.ARREARS,
            today=day,
            now=_at(day, 11),
        ),
    )[1]


def top_up(
    session: Session, staff: Staff, *, number: str, amount_fen: int, day: date, key: str
) -> str | None:
    """Top a prepaid line up at the counter; the refusal's code if it is refused (or held)."""
    agent = staff.agent_of(number)
    done, refused = _refused(
        session,
        lambda: operations.top_up(
            session,
            agent,
            number=number,
            amount_fen=amount_fen,
            key=key,
            today=day,
            now=_at(day, 12),
        ),
    )
    if done is not None and done.approval is not None:
        return "HELD_FOR_APPROVAL"
    return refused


def activate(session: Session, staff: Staff, *, new: NewLine, day: date) -> str | None:
    """Sell a new line; the refusal's code if new sales have stopped there."""
    agent = staff.of(Role.AGENT, new.area_code)
    return _refused(
        session, lambda: operations.activate(session, agent, new=new, today=day, now=_at(day, 14))
    )[1]


def migrate(
    session: Session,
    staff: Staff,
    *,
    number: str,
    offer: Offer,
    new_number: str,
    day: date,
    key: str,
) -> MigrationView | None:
    """Move a line to the offer's network on its first plan (None when it may not take it)."""
    request = MigrationRequest(
        number=number,
        offer_id=offer.id,
        key=key,
        plan_yuan=str(offer.outcome.plans_yuan[0]),
        new_number=new_number,
    )
    agent = staff.agent_of(number)
    return _refused(
        session,
        lambda: operations.migrate(session, agent, request=request, today=day, now=_at(day, 10)),
    )[0]


def eligible(session: Session, *, offer: Offer, day: date) -> list[str]:
    """Return the numbers the offer may go to on ``day`` (empty when it is not open)."""
    if offer_rules.window_refusal(offer, day) is not None:
        return []
    return eligible_numbers(session, offer=offer, today=day)


def port(session: Session, staff: Staff, *, number: str, to: str, now: datetime) -> bool:
    """Take a number to another operator: the donor's code, asked for by the customer at the
    donor's counter, presented for the recipient, then the donor's validation, which schedules
    it at the next slot. False when it may not go (the refused request stays on record, as for
    any customer)."""
    agent = staff.agent_of(number)
    asked = _refused(
        session,
        lambda: porting_uc.request(session, agent, number=number, to=to, now=now, role="customer"),
    )[0]
    if asked is None or asked.auth_code is None:
        return False
    later = now + timedelta(minutes=10)
    porting_uc.authorise(
        session, agent, number=number, code=asked.auth_code, now=later, role=f"recipient {to}"
    )
    done = porting_uc.validate(session, agent, number=number, now=later)
    return done.refused is None


def porting_regions(areas: Iterable[str], *, network: str, day: date) -> list[str]:
    """Return the areas whose porting rules in force on ``day`` let ``network`` numbers go."""
    sets = porting_rule_sets()
    return [
        area
        for area in areas
        if (found := rule_set_in_force(sets, area, day)) is not None
        and any(p.endswith(f"/{network}") for d in found.directions for p in d.from_)
    ]


def complete_ports(session: Session, *, now: datetime) -> int:
    """Carry out every port due by ``now`` (the back office's porting run); return how many
    completed."""
    return batch.run_ports(session, BACK_OFFICE, now=now)["completed"]


def record_site(
    session: Session,
    staff: Staff,
    *,
    area_code: str,
    site_id: str,
    status: str,
    since: date,
    day: date,
) -> StatusRecorded:
    """Record a base station's status from ``since`` (crediting months already charged)."""
    return sites.record_status(
        session,
        staff.of(Role.ENGINEER, area_code),
        site_id=site_id,
        status=SiteStatus(status),
        since=since,
        today=day,
        now=_at(day, 16),
    )


def complain(session: Session, staff: Staff, *, number: str, text: str, day: date) -> ComplaintView:
    """Open a complaint of being charged without service (checked against the site at once)."""
    return care.open_complaint(
        session,
        staff.agent_of(number),
        number=number,
        kind=ComplaintKind.CHARGED_WITHOUT_SERVICE,
        text=text,
        today=day,
        now=_at(day, 15),
    )


def confirm_replacement(session: Session, staff: Staff, *, number: str, day: date) -> bool:
    """Record that a vulnerable line's replacement works, so the switch-off may take it."""
    agent = staff.agent_of(number)
    return (
        _refused(
            session,
            lambda: operations.confirm_replacement(
                session, agent, number=number, today=day, now=_at(day, 13)
            ),
        )[1]
        is None
    )


def advance(engine: Engine, *, until: date, start: date) -> CycleReport:
    """Run the daily cycle (charges, suspensions, switch-offs, refunds) up to ``until``."""
    return batch.run_cycle(engine, BACK_OFFICE, until=until, start=start, now=_at(until, 23))
