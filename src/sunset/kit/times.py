"""Times at the edges: the business clock's local time, as ISO 8601 without an offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import WithJsonSchema

# The services keep naive local times (the business clock's); JSON Schema's "date-time" demands
# an offset, so the API documents them as what they are rather than claim one they lack.
LocalDateTime = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "Local date and time, ISO 8601 without an offset",
            "examples": ["2011-09-15T10:30:00"],
        }
    ),
]
