"""Reads and writes of reference data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sunset.reference.models import LocalNetwork, Network, Operator

TABLES: dict[str, Any] = {
    "operators": Operator,
    "networks": Network,
    "local_networks": LocalNetwork,
}


def existing_keys(session: Session, model: Any) -> set[str]:
    """Return the primary keys already stored for a reference table."""
    key = model.__mapper__.primary_key[0]
    return set(session.scalars(select(key)))


def add_all(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert reference rows."""
    session.add_all(model(**row) for row in rows)


def operator_codes(session: Session) -> set[str]:
    """Return the codes of every known operator."""
    return set(session.scalars(select(Operator.code)))


def networks(session: Session) -> dict[str, Network]:
    """Return every network by code."""
    return {n.code: n for n in session.scalars(select(Network))}


def local_networks(session: Session) -> dict[str, LocalNetwork]:
    """Return every local network by area code."""
    return {n.area_code: n for n in session.scalars(select(LocalNetwork))}


def get_local_network(session: Session, area_code: str) -> LocalNetwork | None:
    """Return one local network (a primary-key look-up, from the session's map when loaded)."""
    return session.get(LocalNetwork, area_code)


def get_network(session: Session, code: str) -> Network | None:
    """Return one network."""
    return session.get(Network, code)


def get_operator(session: Session, code: str) -> Operator | None:
    """Return one operator."""
    return session.get(Operator, code)
