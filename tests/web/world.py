"""What the public pages need on top of the served world: notices and month-end snapshots.

Notices exist once a plan's phases publish them; the snapshots are four month-ends as the
month-end job records them (written directly, so the figures are round and known).
"""

from __future__ import annotations

import sqlalchemy as sa
from tests.web.served import SERVED_DAY

from sunset.board import service as board
from sunset.db import session_scope
from sunset.stats.models import MonthlySnapshot

CHONGQING_NOTICE = "topups_refused"  # the phase of the notice the comment tests use
MONTHS = ("2011-05", "2011-06", "2011-07", "2011-08")
# (area code, operator) -> active PHS lines at each month-end in MONTHS
REMAINING = {
    ("023", "telecom"): (1300, 1150, 1000, 900),
    ("0551", "telecom"): (520, 510, 505, 500),
    ("010", "unicom"): (800, 790, 780, 770),
}


def publish_world(engine: sa.Engine) -> None:
    """Publish the Chongqing and Hefei plan notices and record the month-end snapshots."""
    with session_scope(engine, write=True) as session:
        for area_code in ("023", "0551"):
            board.publish_plan_notices(
                session, area_code=area_code, network_code="phs", today=SERVED_DAY
            )
        for (area_code, operator), counts in REMAINING.items():
            for month, lines in zip(MONTHS, counts, strict=True):
                session.add(
                    MonthlySnapshot(
                        area_code=area_code,
                        month=month,
                        operator_code=operator,
                        network_code="phs",
                        status="active",
                        lines=lines,
                    )
                )
