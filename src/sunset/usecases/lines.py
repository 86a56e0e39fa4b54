"""Lines at the counter: look one up, search, its file, and the operations on it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import InputInvalidError
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.ledger import archive
from sunset.ledger import repository as ledger_repo
from sunset.ledger.rules import period_end, period_label
from sunset.lines import repository as lines_repo
from sunset.lines.facts import LineFacts
from sunset.lines.models import Line
from sunset.notices import repository as notices_repo
from sunset.offers import service as offers
from sunset.offers.schemas import OfferView
from sunset.plans import service as plans
from sunset.porting import eligibility
from sunset.porting import rules as porting_rules
from sunset.porting.schemas import ReasonView, RuleSet
from sunset.reference import repository as reference

from .common import scoped_line
from .schemas import (
    LedgerRow,
    LineFile,
    LinePage,
    LineSummary,
    LineView,
    NoticeRow,
    PortTargetCheck,
)

MAX_PAGE = 200


def get_line(session: Session, actor: Actor, *, number: str, today: date) -> LineView:
    """Return one line and its region's phase today."""
    return _view(session, scoped_line(session, actor, number=number), today)


def _view(session: Session, line: Line, today: date) -> LineView:
    local = reference.get_local_network(session, line.area_code)
    assert local is not None  # a line's local network is a foreign key
    plan = plans.show_plan(
        session, area_code=line.area_code, network_code=line.network_code, today=today
    )
    return LineView(
        **_summary(line).model_dump(),
        city=local.city_en,
        city_zh=local.city_zh,
        monthly_fee_yuan=format_yuan(line.monthly_fee_fen),
        prepaid=line.prepaid,
        real_name=line.real_name,
        activated_on=line.activated_on,
        commitment_until=line.commitment_until,
        unpaid_bills=line.unpaid_bills,
        vulnerable=line.vulnerable,
        home_site=line.home_site,
        phase=plan.current_phase,
        plan=plan.phases,
        deadline=plan.deadline,
    )


def _summary(line: Line | LineFacts) -> LineSummary:
    return LineSummary(
        number=display(line.number),
        e164=line.number,
        operator=line.operator_code,
        network=line.network_code,
        area_code=line.area_code,
        status=line.status,
        suspension_reason=line.suspension_reason,
        balance_yuan=format_yuan(line.balance_fen),
    )


def search(
    session: Session,
    actor: Actor,
    *,
    number_prefix: str | None = None,
    area_code: str | None = None,
    operator: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> LinePage:
    """Return live lines in number order; staff see only their operator's."""
    access.require(actor, Permission.READ_LINES)
    if not 1 <= limit <= MAX_PAGE:
        raise InputInvalidError(f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise InputInvalidError("offset cannot be negative")
    if actor.operator is not None:
        if operator not in (None, actor.operator):
            return LinePage(items=[], limit=limit, offset=offset)
        operator = actor.operator
    found = lines_repo.search_live(
        session,
        prefix=_e164_prefix(number_prefix) if number_prefix else None,
        area_code=area_code,
        operator_code=operator,
        status=status,
        limit=limit,
        offset=offset,
    )
    return LinePage(items=[_summary(f) for f in found], limit=limit, offset=offset)


def _e164_prefix(typed: str) -> str:
    """Turn the start of a number as people type it into the start of its E.164 form.

    >>> _e164_prefix("0551-623"), _e164_prefix("133 12"), _e164_prefix("+86551")
    ('+86551623', '+8613312', '+86551')
    """
    digits = "".join(c for c in typed if c.isdigit())
    if typed.strip().startswith("+"):
        return "+" + digits
    if not digits:
        raise InputInvalidError(f"number prefix {typed!r} has no digits")
    return "+86" + (digits[1:] if digits.startswith("0") else digits)


def ledger(session: Session, actor: Actor, *, number: str, limit: int = 50) -> list[LedgerRow]:
    """Return a line's latest movements of money, newest first."""
    return _ledger_rows(session, scoped_line(session, actor, number=number), limit=limit)


def _ledger_rows(session: Session, line: Line, *, limit: int) -> list[LedgerRow]:
    shown = min(max(limit, 1), MAX_PAGE)
    entries = ledger_repo.entries_of_line(
        session, area_code=line.area_code, line_id=line.id, limit=shown
    )
    rows = [
        LedgerRow(
            date=e.entry_date,
            kind=e.kind,
            amount_yuan=format_yuan(e.amount_fen),
            reference=e.reference,
        )
        for e in entries
    ]
    if len(rows) < shown:
        # The months archived out of the ledger, as one line: the rows still add up to the
        # balance.
        brought = ledger_repo.brought_forward_of_line(
            session, area_code=line.area_code, line_id=line.id
        )
        last = archive.archives(session)[-1:] if brought is not None else []
        if brought is not None and last:
            rows.append(
                LedgerRow(
                    date=period_end(last[0].period),
                    kind=archive.BROUGHT_FORWARD,
                    amount_yuan=format_yuan(brought),
                    reference=f"months archived through {period_label(last[0].period)}",
                )
            )
    return rows


def offers_for(session: Session, actor: Actor, *, number: str, today: date) -> list[OfferView]:
    """Return every offer for a line, eligible or not, with each failing condition."""
    line = scoped_line(session, actor, number=number, today=today)
    return offers.offers_for_line(session, line=line, today=today)


def port_checks(
    session: Session, actor: Actor, *, number: str, now: datetime, to: str | None = None
) -> list[PortTargetCheck]:
    """Say whether a line may port to each other operator (or to ``to``), with the reasons."""
    line = scoped_line(session, actor, number=number)
    if to:
        targets = [to]
    else:
        in_force = porting_rules.rule_set_in_force(
            eligibility.rule_sets(), line.area_code, now.date()
        )
        others = sorted(reference.operator_codes(session) - {line.operator_code})
        targets = [_destination_of(in_force, operator) for operator in others]
    checks = []
    for target in targets:
        destination = eligibility.Destination(target)
        in_force, found = eligibility.reasons(
            session, line, destination.target(line), now, exclude=None, destination=destination
        )
        checks.append(
            PortTargetCheck(
                to=target,
                allowed=not found,
                reasons=[ReasonView(code=r.code, message=r.message) for r in found],
                rule_set=in_force.id if in_force else None,
            )
        )
    return checks


def _destination_of(rule_set: RuleSet | None, operator: str) -> str:
    """Name the network a number would port to at ``operator``: the first the rules in force
    let it port to there (``mobile/gsm`` in Tianjin in 2011), else the operator alone (the check
    then takes the line's own network and says why not).

    >>> _destination_of(None, "mobile")
    'mobile'
    """
    for direction in rule_set.directions if rule_set else []:
        for item in direction.to:
            owner, _, network = item.partition("/")
            if owner == operator and network != "*":
                return item
    return operator


def line_file(session: Session, actor: Actor, *, number: str, today: date) -> LineFile:
    """Return what the agent's page shows first about one line: the line, its money, notices.

    Offers and porting checks cost most of a page (every offer's and rule set's conditions):
    the page loads them just after, from ``offers_for`` and ``port_checks``.
    """
    line = scoped_line(session, actor, number=number)
    notices = notices_repo.notices_of_line(session, area_code=line.area_code, line_id=line.id)
    return LineFile(
        line=_view(session, line, today),
        ledger=_ledger_rows(session, line, limit=20),
        notices=[NoticeRow(phase=n.phase, channel=n.channel, sent_on=n.sent_on) for n in notices],
    )
