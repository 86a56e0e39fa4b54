"""Predicates over one record's fields that also compile to SQL: one definition, two uses.

A rule that must explain itself for one line (a care agent's screen) and run over twenty million
(a campaign list) is written once as ``Predicate`` values. ``holds`` evaluates them on a mapping of
field values; ``to_sql`` turns them into a WHERE clause. NULL is handled the same way in both:
a missing value passes only when ``null_passes`` says so, so the two never disagree (a property
test holds them equal on random lines).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement

Op = Literal["in", "not_in", "lt", "le", "gt", "ge", "eq", "ne"]

_PYTHON: dict[str, Callable[[Any, Any], bool]] = {
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}

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


@dataclass(frozen=True)
class Predicate:
    """``field op value``; a NULL field passes only when ``null_passes``.

    >>> from datetime import date
    >>> p = Predicate("owner_changed_on", "le", date(2011, 3, 1), null_passes=True)
    >>> p.holds({"owner_changed_on": None}), p.holds({"owner_changed_on": date(2011, 5, 1)})
    (True, False)
    """

    field: str
    op: Op
    value: Any
    null_passes: bool = False

    def holds(self, record: Mapping[str, Any]) -> bool:
        """Tell whether one record meets the predicate."""
        actual = record[self.field]
        if actual is None:
            return self.null_passes
        return bool(_PYTHON[self.op](actual, self.value))

    def to_sql(self, columns: Mapping[str, ColumnElement[Any]]) -> ColumnElement[bool]:
        """Return the same predicate as a SQL condition over ``columns`` (field -> column)."""
        column = columns[self.field]
        compared = and_(column.is_not(None), _SQL[self.op](column, self.value))
        return or_(column.is_(None), compared) if self.null_passes else compared


def all_to_sql(
    predicates: Sequence[Predicate], columns: Mapping[str, ColumnElement[Any]]
) -> ColumnElement[bool]:
    """Return the conjunction of ``predicates`` as one SQL condition."""
    return and_(true(), *(p.to_sql(columns) for p in predicates))
