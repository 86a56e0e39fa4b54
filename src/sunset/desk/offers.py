"""The migration offers on the market: public, as the operators advertise them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sunset.access.rules import Actor
from sunset.offers import service as offers
from sunset.offers.schemas import Offer

__all__ = ["Offer"]


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
