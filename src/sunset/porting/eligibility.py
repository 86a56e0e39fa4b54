"""Whether a number may port: the rules in force, the customer's identity, the target's plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import InputInvalidError
from sunset.lines import repository as lines_repo
from sunset.lines import service as lines
from sunset.lines.models import Customer, Line
from sunset.lines.rules import hash_id
from sunset.plans import rules as plan_rules
from sunset.plans import service as plans
from sunset.porting import repository, rules
from sunset.porting.schemas import (
    PortCheck,
    ReasonView,
    RuleSet,
)
from sunset.porting.vocabulary import (
    CATALOGUE,
)
from sunset.reference import repository as reference


@dataclass(frozen=True)
class Destination:
    """Where a number is to go: ``operator`` or ``operator/network``; the area defaults to the
    number's own local network."""

    to: str
    area_code: str | None = None
    name: str | None = None  # as the customer gives them (SMS "CXXZ#name#ID")
    id_number: str | None = None

    def target(self, line: Line) -> rules.Target:
        """Resolve against the line: its area, and the operator's network when not given."""
        operator, _, network = self.to.partition("/")
        return rules.Target(
            operator, network or line.network_code, self.area_code or line.area_code
        )


def rule_sets() -> tuple[RuleSet, ...]:
    """Return every configured porting rule set."""
    return repository.load_rule_sets(get_settings().porting_rules_file)


def identity_refusal(
    session: Session, line: Line, destination: Destination | None
) -> rules.Reason | None:
    if destination is None or (destination.name is None and destination.id_number is None):
        return None
    customer = session.get(Customer, (line.area_code, line.operator_code, line.customer_ref))
    stored = rules.Identity(
        customer.name if customer else None, customer.id_hash if customer else None
    )
    given_id = destination.id_number
    given = rules.Identity(
        destination.name,
        hash_id(given_id.strip().upper(), get_settings().id_salt) if given_id else None,
    )
    return rules.identity_refusal(stored, given)


def reasons(
    session: Session,
    line: Line,
    target: rules.Target,
    now: datetime,
    *,
    exclude: int | None,
    destination: Destination | None = None,
) -> tuple[RuleSet | None, list[rules.Reason]]:
    _known(session, target)
    in_force = rules.rule_set_in_force(rule_sets(), line.area_code, now.date())
    pending = repository.open_request(session, number=line.number)
    facts = lines_repo.facts_of(session, line.id)
    found = rules.port_refusals(
        in_force,
        facts,
        target,
        today=now.date(),
        pending_elsewhere=pending is not None and pending.id != exclude,
    )
    mismatch = identity_refusal(session, line, destination)
    if mismatch is not None:
        found.insert(0, mismatch)
    dates = plans.plan_dates(session, area_code=target.area_code, network_code=target.network)
    closed = plan_rules.may_activate(
        dates, now.date(), where=f"{target.network} in {target.area_code}"
    )
    if closed is not None:
        found.append(
            rules.Reason(
                "PORT_TARGET_CLOSED", f"{CATALOGUE['PORT_TARGET_CLOSED']}: {closed.message}"
            )
        )
    return in_force, found


def _known(session: Session, target: rules.Target) -> None:
    if reference.get_operator(session, target.operator) is None:
        raise InputInvalidError(f"unknown operator {target.operator!r}", field="to")
    if reference.get_network(session, target.network) is None:
        raise InputInvalidError(f"unknown network {target.network!r}", field="to")
    if reference.get_local_network(session, target.area_code) is None:
        raise InputInvalidError(f"unknown local network {target.area_code!r}", field="area")


def check(
    session: Session,
    *,
    number: str,
    destination: Destination,
    now: datetime,
    line: Line | None = None,
) -> PortCheck:
    """Answer whether a number (its line, when the caller has it) may port to ``destination``
    now, with every reason it may not."""
    line = line or lines.get_live_or_raise(session, number=number)
    target = destination.target(line)
    in_force, found = reasons(session, line, target, now, exclude=None, destination=destination)
    return PortCheck(
        allowed=not found,
        reasons=[ReasonView(code=r.code, message=r.message) for r in found],
        rule_set=in_force.id if in_force else None,
    )
