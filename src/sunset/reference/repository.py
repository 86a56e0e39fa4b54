"""Reads and writes of reference data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sunset.reference.models import LocalNetwork, Network, NetworkOperator, Operator

TABLES: dict[str, Any] = {
    "operators": Operator,
    "networks": Network,
    "local_networks": LocalNetwork,
    "network_operators": NetworkOperator,
}


def key_columns(model: Any) -> tuple[str, ...]:
    """Return the names of a reference table's primary-key columns."""
    return tuple(c.name for c in model.__mapper__.primary_key)


def existing_keys(session: Session, model: Any) -> set[tuple[str, ...]]:
    """Return the primary keys already stored for a reference table."""
    columns = model.__mapper__.primary_key
    return {tuple(str(v) for v in row) for row in session.execute(select(*columns))}


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


def operator_of_network(session: Session, *, area_code: str, network_code: str) -> str | None:
    """Return the operator that runs a network in a local network, if the catalogue says."""
    found = session.get(NetworkOperator, (area_code, network_code))
    return found.operator_code if found else None
