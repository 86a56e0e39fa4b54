"""Offers for a line, and the migration itself: one transaction, money moved through the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from sunset.config import get_settings
from sunset.errors import InputInvalidError, NotFoundError, OperationRefusedError
from sunset.kit.dates import add_months
from sunset.kit.money import format_yuan, parse_yuan
from sunset.kit.numbers import display
from sunset.ledger import service as ledger
from sunset.ledger.rules import EntryKind
from sunset.lines import repository as lines_repo
from sunset.lines import service as lines
from sunset.lines.facts import LineFacts
from sunset.lines.models import Customer, Line
from sunset.lines.vocabulary import LineStatus
from sunset.offers import repository, rules
from sunset.offers.models import Migration
from sunset.offers.schemas import MigrationView, Offer, OfferView, ReasonView
from sunset.plans import rules as plan_rules
from sunset.plans import service as plans
from sunset.reference import repository as reference
from sunset.routing import service as routing
from sunset.routing.vocabulary import RouteSource


def list_offers() -> list[Offer]:
    """Return every configured offer (shipped, then the operator's own file)."""
    return list(repository.load_offers(get_settings().offers_file).values())


def get_offer_or_raise(offer_id: str) -> Offer:
    """Return the offer with this id, or say which ids exist."""
    offers = repository.load_offers(get_settings().offers_file)
    if offer_id not in offers:
        raise NotFoundError(f"no offer {offer_id!r}; offers: {', '.join(sorted(offers))}")
    return offers[offer_id]


def offers_for(session: Session, *, number: str, today: date) -> list[OfferView]:
    """Return every offer for a line, eligible or not, with each failing condition in words."""
    e164 = lines.normalise_number(number)
    facts = lines_repo.live_facts(session, e164)
    if facts is None:
        raise NotFoundError(f"no live line has the number {display(e164)}")
    return _views(facts, today)


def offers_for_line(session: Session, *, line: Line, today: date) -> list[OfferView]:
    """``offers_for`` a line already loaded."""
    return _views(lines_repo.facts_of(session, line.id), today)


def _views(facts: LineFacts, today: date) -> list[OfferView]:
    return [_view(offer, rules.offer_refusals(offer, facts, today)) for offer in list_offers()]


def _view(offer: Offer, reasons: list[rules.Reason]) -> OfferView:
    out = offer.outcome
    return OfferView(
        id=offer.id,
        name=offer.name,
        name_zh=offer.name_zh,
        eligible=not reasons,
        reasons=[ReasonView(code=r.code, message=r.message) for r in reasons],
        target=f"{out.operator}/{out.network}",
        plans_yuan=[f"{p:.2f}" for p in out.plans_yuan],
        keep_number=out.keep_number,
        handset_subsidy_yuan=f"{out.handset_subsidy_yuan:.2f}",
        free_credit_yuan=f"{out.free_credit_yuan:.2f}",
        commitment_months=out.commitment_months,
        keep_old_tariff_months=out.keep_old_tariff_months,
        gift=out.gift,
        forward_old_number_until=out.forward_old_number_until,
    )


def eligible_numbers(session: Session, *, offer: Offer, today: date) -> list[str]:
    """Return the numbers of every line eligible for ``offer`` on ``today`` (the campaign's
    conditions; for a sample or a small region, not for millions: see ``jobs.build_campaign``)."""
    return repository.eligible_numbers(session, rules.predicates(offer, today))


def eligibility_sql(offer: Offer, today: date) -> ColumnElement[bool]:
    """Return the lines eligible for ``offer`` on ``today`` as a SQL condition (the same
    conditions as ``offers_for``, for set-based work elsewhere: the simulation)."""
    return repository.eligible_where(rules.predicates(offer, today))


@dataclass(frozen=True)
class MigrationRequest:
    """What an agent enters to migrate a line (``key`` already in its operator's scope)."""

    number: str
    offer_id: str
    key: str
    plan_yuan: str | None = None
    new_number: str | None = None


def earlier_migration(
    session: Session, *, e164: str, offer_id: str, keys: Sequence[str]
) -> tuple[MigrationView, str] | None:
    """Return what one of ``keys`` (a request's key in each scope it may have been made in)
    already did for its number, and the old line's operator.

    A retry after a migration went through finds the number no longer live: the answer is the
    migration it made (``replayed``), not "no such line".
    """
    offer = get_offer_or_raise(offer_id)
    done = repository.replay(
        session,
        number=e164,
        keys=keys,
        area_codes=reference.local_networks(session).keys(),
    )
    if done is None:
        return None
    old = session.get(Line, done.old_line_id)
    assert old is not None  # a migration's old line stays (marked migrated)
    return _migration_view(session, done, offer, replayed=True), old.operator_code


def migrate(
    session: Session, *, old: Line, request: MigrationRequest, today: date
) -> MigrationView:
    """Move a line (loaded and locked by the caller) to the offer's network: open the new line,
    move the whole balance, record the commitment and the subsidy, mark the old line migrated.
    The caller's transaction holds it all, so a refusal anywhere leaves nothing changed."""
    offer = get_offer_or_raise(request.offer_id)
    reasons = rules.offer_refusals(offer, lines_repo.facts_of(session, old.id), today)
    if reasons:
        raise OperationRefusedError(
            f"{display(old.number)} may not take {offer.id}: "
            + "; ".join(r.message for r in reasons),
            code="OFFER_NOT_ELIGIBLE",
        )
    plan_fen = _chosen_plan(offer, request.plan_yuan)
    new_e164 = old.number if offer.outcome.keep_number else _new_number(request)
    ledger.charge_days_used(session, line=old, today=today)
    old.status, old.suspension_reason, old.terminated_on = LineStatus.MIGRATED.value, None, today
    session.flush()  # the number leaves the old line before a new one may hold it
    new = _open_new_line(
        session, old=old, offer=offer, number=new_e164, plan_fen=plan_fen, today=today
    )
    moved = _move_balance(session, old=old, new=new, today=today, key=request.key)
    migration = _record(
        session, old, new, offer, plan_fen=plan_fen, moved=moved, today=today, key=request.key
    )
    if not offer.outcome.keep_number:
        _retire_old_number(session, old=old, new=new, offer=offer, today=today)
    return _migration_view(session, migration, offer, replayed=False)


def _retire_old_number(
    session: Session, *, old: Line, new: Line, offer: Offer, today: date
) -> None:
    """Quarantine the old number; where the offer forwards it, calls to it ring on the new phone
    until the end of the forwarding day (the number database says so) and it stays held at
    least that long."""
    forward = offer.outcome.forward_old_number_until
    lines.quarantine(session, line=old, today=today, at_least=forward)
    if forward is not None:
        routing.record_route(
            session,
            number=old.number,
            operator_code=new.operator_code,
            network_code=new.network_code,
            valid_from=datetime.combine(today, time()),
            source=RouteSource.MIGRATION.value,
            forward_to=new.number,
            forward_until=datetime.combine(forward + timedelta(days=1), time()),
        )


def _chosen_plan(offer: Offer, plan_yuan: str | None) -> int:
    choices = [int(p * 100) for p in offer.outcome.plans_yuan]
    shown = ", ".join(f"{p:.2f}" for p in offer.outcome.plans_yuan)
    if plan_yuan is None:
        if len(choices) == 1:
            return choices[0]
        raise InputInvalidError(f"choose the monthly fee, one of {shown} yuan", field="plan")
    fen = parse_yuan(plan_yuan, field="plan")
    if fen not in choices:
        raise InputInvalidError(f"{plan_yuan} yuan is not one of the offer's {shown}", field="plan")
    return fen


def _new_number(request: MigrationRequest) -> str:
    if not request.new_number:
        raise InputInvalidError(
            f"{request.offer_id} gives a new number; enter the one assigned", field="new_number"
        )
    try:
        return lines.normalise_number(request.new_number)
    except InputInvalidError as exc:
        raise InputInvalidError(exc.message, field="new_number") from None


def _open_new_line(
    session: Session, *, old: Line, offer: Offer, number: str, plan_fen: int, today: date
) -> Line:
    out = offer.outcome
    customer = session.get(Customer, (old.area_code, old.operator_code, old.customer_ref))
    plans.enforce(
        session,
        plan_rules.may_activate,
        area_code=old.area_code,
        network_code=out.network,
        day=today,
    )
    new = lines.open_line(
        session,
        e164=number,
        new=lines.NewLine(
            number=number,
            operator=out.operator,
            network=out.network,
            area_code=old.area_code,
            customer_ref=old.customer_ref,
            real_name=old.real_name,
            customer_name=customer.name if customer else None,
            monthly_fee_fen=old.monthly_fee_fen if out.keep_old_tariff_months else plan_fen,
            prepaid=old.prepaid,
            vulnerable=old.vulnerable,
        ),
        today=today,
    )
    if out.commitment_months:
        new.commitment_until = add_months(today, out.commitment_months)
    return new


def _move_balance(session: Session, *, old: Line, new: Line, today: date, key: str) -> int:
    """Move the old line's whole balance to the new one; a debt moves as well."""
    amount = old.balance_fen
    if amount == 0:
        return 0
    out_kind, in_kind = (EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN)
    if amount < 0:  # the debt comes off the old line and onto the new one
        out_kind, in_kind = in_kind, out_kind
    ref = f"migration {display(old.number)} -> {display(new.number)}"
    ledger.post(
        session,
        line=old,
        kind=out_kind,
        amount_fen=abs(amount),
        day=today,
        key=f"{key}:from",
        reference=ref,
    )
    ledger.post(
        session,
        line=new,
        kind=in_kind,
        amount_fen=abs(amount),
        day=today,
        key=f"{key}:to",
        reference=ref,
    )
    return amount


def _record(
    session: Session,
    old: Line,
    new: Line,
    offer: Offer,
    *,
    plan_fen: int,
    moved: int,
    today: date,
    key: str,
) -> Migration:
    out = offer.outcome
    credit = int(out.free_credit_yuan * 100)
    if credit:
        ledger.post(
            session,
            line=new,
            kind=EntryKind.CREDIT,
            amount_fen=credit,
            day=today,
            key=f"{key}:credit",
            reference=f"free credit of offer {offer.id}",
        )
    migration = Migration(
        area_code=old.area_code,
        old_line_id=old.id,
        new_line_id=new.id,
        offer_id=offer.id,
        migrated_on=today,
        idempotency_key=key,
        plan_fee_fen=plan_fen,
        tariff_kept_until=rules.kept_tariff_until(offer, today),
        commitment_until=new.commitment_until,
        handset_subsidy_fen=int(out.handset_subsidy_yuan * 100),
        free_credit_fen=credit,
        balance_moved_fen=moved,
        gift=out.gift,
        forward_until=out.forward_old_number_until,
    )
    repository.add_migration(session, migration)
    return migration


def _migration_view(
    session: Session, m: Migration, offer: Offer, *, replayed: bool
) -> MigrationView:
    old, new = session.get(Line, m.old_line_id), session.get(Line, m.new_line_id)
    assert old is not None and new is not None
    return MigrationView(
        offer_id=m.offer_id,
        old_number=display(old.number),
        new_number=display(new.number),
        target=f"{new.operator_code}/{new.network_code}",
        monthly_fee_yuan=format_yuan(new.monthly_fee_fen),
        balance_moved_yuan=format_yuan(m.balance_moved_fen),
        free_credit_yuan=format_yuan(m.free_credit_fen),
        handset_subsidy_yuan=format_yuan(m.handset_subsidy_fen),
        commitment_until=m.commitment_until,
        tariff_kept_until=m.tariff_kept_until,
        forward_until=m.forward_until,
        replayed=replayed,
    )
