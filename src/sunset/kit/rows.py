"""Row-level errors of tabular input, shared by every import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One bad cell (or row): where it is, what it holds, and why it is refused."""

    row: int
    column: str
    value: str
    reason: str
