"""Moments as the web and the API show them: Beijing time, with its offset written out.

Inside, moments are naive Beijing time (UTC+8), as the porting rules and the number database
keep them. A naive timestamp is not an RFC 3339 date-time, so at the edge each one is written
with ``+08:00``: ``2011-09-15T10:00:00+08:00``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

CHINA = timezone(timedelta(hours=8))


def beijing(moment: datetime) -> str:
    """Write a moment in RFC 3339 with its offset; a naive one is Beijing time.

    >>> beijing(datetime(2011, 9, 15, 10, 0))
    '2011-09-15T10:00:00+08:00'
    """
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).isoformat()


Moment = Annotated[
    datetime,
    PlainSerializer(beijing, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
