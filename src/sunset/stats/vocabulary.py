"""The closed vocabulary of the statistics: how a line left the network it was on."""

from __future__ import annotations

from enum import StrEnum


class Departure(StrEnum):
    """How a line left its network; each lowers that network's remaining lines by one.

    ``terminated`` is a closure the customer asked for (it has a request key); ``switched_off``
    a termination by the switch-off sweep (no request, on or after the plan's switch-off date).
    """

    TERMINATED = "terminated"
    SWITCHED_OFF = "switched_off"
    MIGRATED = "migrated"
    PORTED_OUT = "ported_out"


DEPARTURES = tuple(d.value for d in Departure)
# Where a line went: only a migration (a new line of ours) or a port (another operator's).
MOVES = {Departure.MIGRATED.value: "migration", Departure.PORTED_OUT.value: "port"}
