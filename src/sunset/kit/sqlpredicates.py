"""Predicates as SQL: the WHERE clause of the same ``kit.predicates.Predicate`` values."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from sunset.kit.predicates import Predicate

_SQL: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "in": lambda c, v: c.in_(list(v)),
    "not_in": lambda c, v: c.not_in(list(v)),
    "lt": lambda c, v: c < v,
    "le": lambda c, v: c <= v,
    "gt": lambda c, v: c > v,
    "ge": lambda c, v: c >= v,
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
}


def to_sql(predicate: Predicate, columns: Mapping[str, ColumnElement[Any]]) -> ColumnElement[bool]:
    """Return ``predicate`` as a SQL condition over ``columns`` (field -> column).

    NULL behaves as in ``Predicate.holds``: it passes only when ``null_passes``.
    """
    column = columns[predicate.field]
    compared = and_(column.is_not(None), _SQL[predicate.op](column, predicate.value))
    return or_(column.is_(None), compared) if predicate.null_passes else compared


def all_to_sql(
    predicates: Sequence[Predicate], columns: Mapping[str, ColumnElement[Any]]
) -> ColumnElement[bool]:
    """Return the conjunction of ``predicates`` as one SQL condition."""
    return and_(true(), *(to_sql(p, columns) for p in predicates))
