"""The migration offers on the market (public)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from sunset.http.deps import DB, ActorDep
from sunset.http.errors import REFUSALS
from sunset.usecases import offers as desk
from sunset.usecases.offers import MigrationRow, Offer

router = APIRouter(tags=["offers"], responses=REFUSALS)


@router.get("/offers", response_model=list[Offer])
def list_offers(
    session: DB,
    actor: ActorDep,
    operator: Annotated[str | None, Query(max_length=32)] = None,
    open_on: Annotated[date | None, Query(description="Only offers open on this day")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[Offer]:
    """List the migration offers (of one operator, open on a day); a line's: /lines/{n}/offers."""
    found = desk.list_offers(session, actor, operator=operator, open_on=open_on)
    return found[offset : offset + limit]


@router.get("/migrations", response_model=list[MigrationRow])
def list_migrations(
    session: DB,
    actor: ActorDep,
    area_code: Annotated[str | None, Query(max_length=5)] = None,
    offer_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[MigrationRow]:
    """List migrations, newest first (staff: their operator's lines), by region or offer."""
    return desk.list_migrations(
        session, actor, area_code=area_code, offer_id=offer_id, limit=limit, offset=offset
    )
