"""The migration offers on the market: public, as the operators advertise them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.errors import PermissionDeniedError
from sunset.kit.money import format_yuan
from sunset.kit.numbers import display
from sunset.offers import jobs as offer_jobs
from sunset.offers import repository as offers_repo
from sunset.offers import service as offers
from sunset.offers.jobs import CampaignList
from sunset.offers.schemas import MigrationRow, Offer

__all__ = ["MigrationRow", "Offer"]


def list_offers(
    session: Session,
    actor: Actor,
    *,
    operator: str | None = None,
    open_on: date | None = None,
) -> list[Offer]:
    """Return the offers (of one operator; open on a day), in id order; anyone may read them."""
    found = [
        o
        for o in offers.list_offers()
        if (operator is None or o.operator == operator)
        and (
            open_on is None
            or (o.valid_from <= open_on and (o.valid_until is None or open_on <= o.valid_until))
        )
    ]
    return sorted(found, key=lambda o: o.id)


def list_migrations(
    session: Session,
    actor: Actor,
    *,
    area_code: str | None = None,
    offer_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[MigrationRow]:
    """Return migrations, newest first; staff see those of their operator's lines."""
    access.require(actor, Permission.READ_LINES)
    found = offers_repo.list_migrations(
        session,
        operator_code=actor.operator,
        area_code=area_code,
        offer_id=offer_id,
        limit=limit,
        offset=offset,
    )
    return [
        MigrationRow(
            migrated_on=m.migrated_on,
            offer_id=m.offer_id,
            area_code=m.area_code,
            old_number=display(old.number),
            new_number=display(new.number),
            target=f"{new.operator_code}/{new.network_code}",
            monthly_fee_yuan=format_yuan(m.plan_fee_fen),
            balance_moved_yuan=format_yuan(m.balance_moved_fen),
            commitment_until=m.commitment_until,
        )
        for m, old, new in found
    ]


def build_campaign(
    session: Session,
    actor: Actor,
    *,
    offer_id: str,
    today: date,
    out: Path,
    progress: Callable[[int], None] | None = None,
) -> CampaignList:
    """Write the list of every line eligible for an offer of the actor's operator (set-based
    over the whole base, the same conditions as a line's offers)."""
    access.require(actor, Permission.READ_LINES)
    offer = offers.get_offer_or_raise(offer_id)
    if actor.operator is not None and offer.operator != actor.operator:
        raise PermissionDeniedError(
            f"offer {offer.id} is {offer.operator}'s: an account of {actor.operator} cannot list "
            "its lines",
            field="offer",
        )
    return offer_jobs.build_campaign(session, offer=offer, today=today, out=out, progress=progress)
