"""Predicates over one record's fields that also compile to SQL: one definition, two uses.

A rule that must explain itself for one line (a care agent's screen) and run over twenty million
(a campaign list) is written once as ``Predicate`` values. ``holds`` evaluates them on a mapping
of field values; ``kit.sqlpredicates.to_sql`` turns them into a WHERE clause. NULL is handled the
same way in both: a missing value passes only when ``null_passes`` says so, so the two never
disagree (a property test holds them equal on random lines).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

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
