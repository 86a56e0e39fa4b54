"""The desk's porting checks name the network a number would port to under the rules in force."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from tests.factories import import_file, line_row, write_csv

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.db import session_scope
from sunset.usecases import lines as desk

AGENT = Actor(1, "agent.telecom", Role.AGENT, "telecom")


def test_port_checks_ask_about_the_networks_the_rules_in_force_allow(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        line_row(1, number="022-23000001", area_code="022", customer_id="TJ1"),
        line_row(2, number="0551-62000002", customer_id="HF2"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    with session_scope(engine) as session:
        tianjin = desk.port_checks(
            session, AGENT, number="022-23000001", now=datetime(2011, 3, 1, 10)
        )
        hefei = desk.port_checks(
            session, AGENT, number="0551-62000002", now=datetime(2011, 3, 1, 10)
        )
    # Tianjin's 2010 trial lets numbers port to China Mobile's and Unicom's GSM networks...
    assert [c.to for c in tianjin] == ["mobile/gsm", "unicom/gsm"]
    # ...but not from PHS: the reason says so rather than a question about "mobile/phs".
    assert all(not c.allowed for c in tianjin)
    assert all(c.rule_set == "tianjin-2010" for c in tianjin)
    # Hefei had no porting in 2011: the operator alone, and the reason is that no rules apply.
    assert [c.to for c in hefei] == ["mobile", "unicom"]
    assert all("PORT_NO_RULES_IN_FORCE" in [r.code for r in c.reasons] for c in hefei)
