"""Closing many lines at their owners' request at once (`usecases.batch.close_lines`), on SQLite
and PostgreSQL: the same money and numbers as terminating each line, set-based, audited, by the
back office only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import (
    ACTOR,
    e164,
    entries_of,
    import_file,
    line_of,
    line_row,
    noon,
    rows_of,
    violations_of,
    write_csv,
)

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.cycle.daily import run_cycle
from sunset.cycle.steps import Closed
from sunset.db import session_scope
from sunset.errors import NotFoundError, OperationRefusedError, PermissionDeniedError
from sunset.usecases import batch

PREPAID, POSTPAID, KEPT = "0551-62000000", "0551-62000001", "0551-62000002"
DAY = date(2011, 2, 10)


@pytest.fixture
def hefei(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Three Hefei lines at 20 yuan a month: prepaid with 12.50 yuan, postpaid with nothing, and
    one that stays."""
    rows = [line_row(0, prepaid="true"), line_row(1, balance="0"), line_row(2)]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    return engine


def ids_of(engine: sa.Engine, *numbers: str) -> list[int]:
    found = dict(rows_of(engine, "SELECT number, id FROM lines"))
    return [int(str(found[e164(n)])) for n in numbers]


def close(engine: sa.Engine, ids: list[int], day: date = DAY, actor: Actor = ACTOR) -> Closed:
    with session_scope(engine, write=True) as session:
        return batch.close_lines(
            session,
            actor,
            area_code="0551",
            line_ids=ids,
            day=day,
            reason="given up",
            now=noon(day),
        )


def test_closing_lines_charges_their_days_refunds_their_balance_and_quarantines_their_numbers(
    hefei: sa.Engine,
) -> None:
    used = 2000 * 9 // 28  # 20 yuan a month: 1-9 February, of 28 days (642 fen)

    done = close(hefei, ids_of(hefei, PREPAID, POSTPAID))

    assert done == Closed(lines=2, charges=2, refunds=1, refunded_fen=1250 - used)
    for number in (PREPAID, POSTPAID):
        line = line_of(hefei, number)
        assert (line["status"], line["terminated_on"]) == ("terminated", "2011-02-10")
        assert entries_of(hefei, number, "charge") == [("2011-02-10", -used)]
    assert line_of(hefei, PREPAID)["balance_fen"] == 0
    assert line_of(hefei, POSTPAID)["balance_fen"] == -used  # owed, not refunded
    assert rows_of(hefei, "SELECT amount_fen, created_on FROM refunds") == [
        (1250 - used, "2011-02-10")
    ]
    assert rows_of(hefei, "SELECT number, state, since, until FROM number_holds ORDER BY 1") == [
        (e164(PREPAID), "quarantine", "2011-02-10", "2011-05-11"),
        (e164(POSTPAID), "quarantine", "2011-02-10", "2011-05-11"),
    ]
    assert line_of(hefei, KEPT)["status"] == "active"
    assert violations_of(hefei) == []


def test_closing_the_same_lines_again_closes_nothing_twice(hefei: sa.Engine) -> None:
    ids = ids_of(hefei, PREPAID, POSTPAID)
    close(hefei, ids)
    entries = rows_of(hefei, "SELECT COUNT(*) FROM ledger_entries")

    again = close(hefei, ids, day=date(2011, 2, 11))

    assert again == Closed()
    assert rows_of(hefei, "SELECT COUNT(*) FROM ledger_entries") == entries
    assert line_of(hefei, PREPAID)["terminated_on"] == "2011-02-10"
    assert violations_of(hefei) == []


def test_closing_on_a_day_the_cycle_has_run_through_is_refused_and_changes_nothing(
    hefei: sa.Engine,
) -> None:
    run_cycle(hefei, until=date(2011, 2, 28), start=date(2011, 1, 1))

    with pytest.raises(OperationRefusedError) as refused:
        close(hefei, ids_of(hefei, PREPAID, POSTPAID))

    assert refused.value.code == "DATE_BEFORE_CYCLE"
    assert "has already run through 2011-02-28" in refused.value.message
    assert line_of(hefei, PREPAID)["status"] == "active"
    assert rows_of(hefei, "SELECT COUNT(*) FROM number_holds") == [(0,)]


def test_lines_closed_on_the_first_of_a_month_are_charged_nothing_for_it(hefei: sa.Engine) -> None:
    done = close(hefei, ids_of(hefei, PREPAID), day=date(2011, 3, 1))

    assert done == Closed(lines=1, charges=0, refunds=1, refunded_fen=1250)
    assert entries_of(hefei, PREPAID, "charge") == []
    assert violations_of(hefei) == []


def test_closing_lines_is_audited_once_with_what_it_did(hefei: sa.Engine) -> None:
    close(hefei, ids_of(hefei, PREPAID, POSTPAID))

    audited = rows_of(
        hefei, "SELECT user_name, action, target FROM audit_log WHERE action = 'lines.close'"
    )
    assert audited == [(ACTOR.name, "lines.close", "2 lines of 0551")]


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        (Actor(31, "agent.telecom", Role.AGENT, "telecom"), PermissionDeniedError),
        (Actor(32, "admin.unicom", Role.ADMIN, "unicom"), NotFoundError),
    ],
)
def test_only_the_back_office_of_the_lines_operator_closes_them_in_bulk(
    hefei: sa.Engine, actor: Actor, error: type[Exception]
) -> None:
    with pytest.raises(error):
        close(hefei, ids_of(hefei, PREPAID), actor=actor)

    assert line_of(hefei, PREPAID)["status"] == "active"
    assert rows_of(hefei, "SELECT COUNT(*) FROM refunds") == [(0,)]
