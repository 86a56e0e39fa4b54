"""Input shapes several routers share: bounded so that bad input is a 422, never a 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

# No NUL and no other C0 control except tab and newlines: PostgreSQL refuses NUL in text.
PLAIN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"

NumberPath = Annotated[
    str, Path(min_length=1, max_length=32, pattern=PLAIN, description="e.g. 0551-62345678")
]
AreaQuery = Annotated[
    str | None, Query(pattern=r"^0?\d{2,4}$", description="Local network (area code), e.g. 0551")
]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
OPERATOR_PATTERN = r"^[a-z0-9-]{1,32}(/[a-z0-9-]{1,32})?$"
Operator = Annotated[
    str,
    Field(
        pattern=OPERATOR_PATTERN,
        description="Operator, or operator/network (e.g. unicom/wcdma)",
        examples=["unicom/wcdma"],
    ),
]
Plain = Annotated[str, Field(pattern=PLAIN)]
OperatorQuery = Annotated[
    str, Query(pattern=OPERATOR_PATTERN, description="Operator, or operator/network")
]
