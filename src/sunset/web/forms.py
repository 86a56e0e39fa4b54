"""What the dashboard's forms share: control characters a form never carries, a choice named
in a form or a query, the bounds of a page's offset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from sunset.errors import InputInvalidError

PageOffset = Annotated[int, Query(ge=0, le=10_000_000)]


def clean(text: str | None) -> str | None:
    """Drop control characters a form should never carry (PostgreSQL refuses NUL in text)."""
    if text is None:
        return None
    kept = "".join(c for c in text if c >= " " or c in "\t\n\r")
    return kept or None


def choice(kind: type[Any], value: str | None, field: str, *, required: bool = False) -> Any:
    """Return the choice a form or query named (None when left empty and not required)."""
    if not value and not required:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InputInvalidError(f"{value!r} is not one of the choices", field=field) from None
