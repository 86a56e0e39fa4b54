"""Text a person typed, checked before anything reaches the database: valid Unicode, no control
characters, not longer than the column that will hold it. Every refusal names the field."""

from __future__ import annotations

import unicodedata
from typing import Any

from sunset.errors import InputInvalidError

KEY_CHARS = 100  # an idempotency key as a client gives it (stored with its operator's scope)


def max_chars(column: Any) -> int | None:
    """Return how many characters a mapped column holds (None: unlimited)."""
    column = getattr(column, "expression", column)
    return getattr(column.type, "length", None)


def text(
    value: str | None,
    *,
    field: str,
    column: Any = None,
    limit: int | None = None,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """Return ``value`` stripped, or refuse it naming ``field``: not valid Unicode (bytes that
    were not UTF-8 on the command line), a control character (a NUL byte), longer than
    ``limit`` or than ``column`` holds, or empty when ``required``. None and "" give None."""
    if value is None:
        if required:
            raise InputInvalidError("a value is required", field=field)
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputInvalidError("not valid UTF-8 text", field=field) from None
    allowed = "\n\t\r" if multiline else ""
    bad = next((c for c in value if _control(c) and c not in allowed), None)
    if bad is not None:
        raise InputInvalidError(f"contains the control character U+{ord(bad):04X}", field=field)
    value = value.strip()
    if not value:
        if required:
            raise InputInvalidError("a value is required", field=field)
        return None
    bounds = [n for n in (limit, max_chars(column) if column is not None else None) if n]
    most = min(bounds, default=None)
    if most is not None and len(value) > most:
        raise InputInvalidError(f"{len(value):,} characters, at most {most:,}", field=field)
    return value


def required_text(
    value: str | None,
    *,
    field: str,
    column: Any = None,
    limit: int | None = None,
    multiline: bool = False,
) -> str:
    """``text`` for a value that must be given."""
    checked = text(
        value, field=field, column=column, limit=limit, required=True, multiline=multiline
    )
    assert checked is not None
    return checked


def key(value: str, *, field: str = "key") -> str:
    """Refuse an idempotency key that is not 1 to KEY_CHARS printable ASCII characters without
    spaces (UUIDs, request ids); return it as given."""
    if not value or len(value) > KEY_CHARS or not all("!" <= c <= "~" for c in value):
        raise InputInvalidError(
            f"an idempotency key is 1 to {KEY_CHARS} printable ASCII characters without spaces",
            field=field,
        )
    return value


def _control(char: str) -> bool:
    # Cc: control characters (NUL, escapes); Cs: lone surrogates (undecodable bytes).
    return unicodedata.category(char) in ("Cc", "Cs")
