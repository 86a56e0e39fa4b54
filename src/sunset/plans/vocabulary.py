"""The phases of a region's retirement, in order."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """Where a (local network, network) stands on a given day."""

    IN_SERVICE = "in_service"  # no plan yet, or before the announcement
    ANNOUNCED = "announced"
    NO_NEW_SALES = "no_new_sales"
    TOPUPS_REFUSED = "topups_refused"
    SWITCHED_OFF = "switched_off"
    CLEARED = "cleared"


# The dated phases a plan sets, in the order they must come.
DATED_PHASES = (
    Phase.ANNOUNCED,
    Phase.NO_NEW_SALES,
    Phase.TOPUPS_REFUSED,
    Phase.SWITCHED_OFF,
    Phase.CLEARED,
)

LABELS = {
    Phase.IN_SERVICE: "in service",
    Phase.ANNOUNCED: "announced (公告)",
    Phase.NO_NEW_SALES: "no new sales (停止新装)",
    Phase.TOPUPS_REFUSED: "top-ups refused (拒绝缴费)",
    Phase.SWITCHED_OFF: "switched off (停用)",
    Phase.CLEARED: "band cleared (清频)",
}
