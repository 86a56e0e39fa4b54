"""Where a route comes from."""

from __future__ import annotations

from enum import StrEnum


class RouteSource(StrEnum):
    """Why a dated entry is in the number database.

    ``port``: a completed or scheduled port (携号转网) to another operator; ``migration``: the
    number moved to another network of its own operator (PHS to CDMA, say); ``import``: a row of
    an imported number-database file (the national clearing house's, usually ports).
    """

    PORT = "port"
    MIGRATION = "migration"
    IMPORT = "import"


# A number with no entry is served by the live line holding it: its route says so.
LINE_SOURCE = "line"
# Sources whose routes count as ported (the number left the operator it was given by).
PORTED_SOURCES = frozenset({RouteSource.PORT.value, RouteSource.IMPORT.value})
