"""Pure porting decisions: which rules are in force, what refuses a port, when it takes effect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sunset.kit.numbers import is_mobile_nsn
from sunset.lines.facts import LineFacts
from sunset.lines.vocabulary import LIVE_STATUSES, LineStatus, SuspensionReason
from sunset.porting.schemas import RuleSet
from sunset.porting.vocabulary import CATALOGUE

FIRST_SLOT = time(9, 0)
LAST_SLOT = time(20, 0)
AUTH_CODE_VALID = timedelta(minutes=60)


@dataclass(frozen=True)
class Reason:
    """A refusal: a code from ``CATALOGUE`` and a sentence about this line."""

    code: str
    message: str


@dataclass(frozen=True)
class Target:
    """Where the customer wants to take the number."""

    operator: str
    network: str
    area_code: str


def rule_set_in_force(rule_sets: Sequence[RuleSet], area_code: str, day: date) -> RuleSet | None:
    """Return the rule set that governs porting in ``area_code`` on ``day``, if any.

    A rule set naming the region beats one for everywhere ("*"); then the latest start wins.
    Tianjin (022) on 2011-03-01 -> tianjin-2010; on 2020-01-01 -> national-2019 (the trial's
    valid_until 2019-11-30 has passed); Hefei (0551) in 2011 -> none.
    """
    candidates = [
        rs
        for rs in rule_sets
        if (area_code in rs.regions or "*" in rs.regions)
        and rs.valid_from <= day
        and (rs.valid_until is None or day <= rs.valid_until)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda rs: (area_code in rs.regions, rs.valid_from))


def _matches(pattern: str, operator: str, network: str) -> bool:
    want_op, want_net = pattern.split("/")
    return want_op in ("*", operator) and want_net in ("*", network)


def direction_allowed(rules: RuleSet, facts: LineFacts, target: Target) -> bool:
    """Tell whether some direction of ``rules`` takes the line's network to the target."""
    return any(
        any(_matches(p, facts.operator_code, facts.network_code) for p in d.from_)
        and any(_matches(p, target.operator, target.network) for p in d.to)
        for d in rules.directions
    )


def barred_range(rules: RuleSet, number: str) -> str | None:
    """Return the barred range a number falls in (mobile numbers only), if any."""
    nsn = number.removeprefix("+86")
    if not is_mobile_nsn(nsn):
        return None
    return next((r for r in rules.barred_ranges if nsn.startswith(r)), None)


def days_since_join_or_port(facts: LineFacts, today: date) -> int:
    """Days since the line joined, or since it last ported in if that is later.

    The 120-day rule counts from the later of the two: a line activated on 2010-01-01 and
    ported in on 2011-02-01 may port again from 2011-06-01 (120 days after 2011-02-01).
    """
    since = max(d for d in (facts.activated_on, facts.last_ported_on) if d is not None)
    return (today - since).days


def port_refusals(
    rules: RuleSet | None,
    facts: LineFacts,
    target: Target,
    *,
    today: date,
    pending_elsewhere: bool,
) -> list[Reason]:
    """Return every reason the line may not port to ``target`` on ``today`` (none: allowed)."""
    if rules is None:
        return [_reason("PORT_NO_RULES_IN_FORCE", f"no porting in {facts.area_code} on {today}")]
    found = _scope_reasons(rules, facts, target)
    found += _ground_reasons(rules, facts, today)
    if pending_elsewhere:
        found.append(_reason("PORT_PENDING_ELSEWHERE", "finish or cancel that request first"))
    return found


def _scope_reasons(rules: RuleSet, facts: LineFacts, target: Target) -> list[Reason]:
    found = []
    if facts.status not in LIVE_STATUSES:
        found.append(_reason("PORT_LINE_NOT_LIVE", f"the line is {facts.status}"))
    if target.operator == facts.operator_code:
        found.append(_reason("PORT_SAME_OPERATOR", f"it is already {target.operator}'s"))
    elif not direction_allowed(rules, facts, target):
        found.append(
            _reason(
                "PORT_DIRECTION_NOT_ALLOWED",
                f"{rules.name} does not allow {facts.operator_code}/{facts.network_code} -> "
                f"{target.operator}/{target.network}",
            )
        )
    if rules.same_local_network_only and target.area_code != facts.area_code:
        found.append(
            _reason(
                "PORT_OTHER_LOCAL_NETWORK",
                f"the number belongs to {facts.area_code}, the target is in {target.area_code}",
            )
        )
    barred = barred_range(rules, facts.number)
    if barred is not None:
        found.append(_reason("PORT_RANGE_BARRED", f"numbers starting {barred} may not port out"))
    return found


def _ground_reasons(rules: RuleSet, facts: LineFacts, today: date) -> list[Reason]:
    found = []
    if not facts.real_name:
        found.append(_reason("PORT_NOT_REAL_NAME", "register the customer's real name first"))
    if facts.unpaid_bills > 0:
        found.append(_reason("PORT_ARREARS", f"{facts.unpaid_bills} earlier bill(s) unpaid"))
    if facts.commitment_until is not None and facts.commitment_until >= today:
        found.append(_reason("PORT_CONTRACT_TERM", f"the term runs until {facts.commitment_until}"))
    days = days_since_join_or_port(facts, today)
    if days < rules.min_days_since_join_or_port:
        found.append(
            _reason(
                "PORT_TOO_SOON",
                f"{days} days since joining or the last port; "
                f"{rules.min_days_since_join_or_port} needed",
            )
        )
    if facts.status == LineStatus.SUSPENDED and facts.suspension_reason == SuspensionReason.LOST:
        found.append(_reason("PORT_SIM_LOST", "replace the SIM card first"))
    elif facts.status == LineStatus.SUSPENDED:
        found.append(_reason("PORT_SUSPENDED", f"suspended ({facts.suspension_reason})"))
    return found


def _reason(code: str, detail: str) -> Reason:
    return Reason(code, f"{CATALOGUE[code]}: {detail}")


def next_slot(now: datetime) -> datetime:
    """Return when a validated port takes effect: the next full hour between 09:00 and 20:00.

    >>> next_slot(datetime(2011, 3, 1, 19, 30)), next_slot(datetime(2011, 3, 1, 20, 0))
    (datetime.datetime(2011, 3, 1, 20, 0), datetime.datetime(2011, 3, 2, 9, 0))
    >>> next_slot(datetime(2011, 3, 1, 7, 5))
    datetime.datetime(2011, 3, 1, 9, 0)
    """
    hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if hour.time() < FIRST_SLOT and hour.date() == now.date():
        return datetime.combine(now.date(), FIRST_SLOT)
    if hour.time() > LAST_SLOT or hour.date() > now.date():
        return datetime.combine(now.date() + timedelta(days=1), FIRST_SLOT)
    return hour


@dataclass(frozen=True)
class Identity:
    """Who the person asking says they are (SMS "CXXZ#name#ID"): a name and an ID number's hash."""

    name: str | None
    id_hash: str | None


def identity_refusal(stored: Identity, given: Identity | None) -> Reason | None:
    """Refuse when the name or ID number given does not match the customer's record.

    Nothing given means the donor's own channel (the customer's phone) vouched for them; an ID
    number given against a record without one cannot be matched and is refused.
    """
    if given is None:
        return None
    if given.id_hash is not None and given.id_hash != stored.id_hash:
        return _reason("PORT_IDENTITY_MISMATCH", "the ID number does not match the record")
    names = (given.name, stored.name)
    if None not in names and given.name.strip() != stored.name.strip():  # type: ignore[union-attr]
        return _reason("PORT_IDENTITY_MISMATCH", "the name does not match the record")
    return None
