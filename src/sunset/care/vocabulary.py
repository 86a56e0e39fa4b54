"""The closed vocabulary of complaints."""

from __future__ import annotations

from enum import StrEnum


class ComplaintKind(StrEnum):
    """What the customer complains of."""

    NO_SIGNAL = "no_signal"
    CHARGED_WITHOUT_SERVICE = "charged_without_service"
    TOPUP_REFUSED = "topup_refused"
    PORT_OBSTRUCTED = "port_obstructed"
    OTHER = "other"


class ComplaintStatus(StrEnum):
    """Open and investigating complaints are pending; resolved and rejected are closed."""

    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    REJECTED = "rejected"


PENDING = (ComplaintStatus.OPEN.value, ComplaintStatus.INVESTIGATING.value)
