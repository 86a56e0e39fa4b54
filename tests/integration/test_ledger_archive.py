"""`sunset ledger archive MONTH`: a closed month's partition taken out of the ledger on
PostgreSQL, balances still proven by `verify`, the month closed to every write; refused on
SQLite, for a month not closed, and to an operator's administrator."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from tests.factories import (
    ACTOR,
    e164,
    import_file,
    line_of,
    line_row,
    noon,
    rows_of,
    scalar_of,
    violations_of,
    write_csv,
)

from sunset.access.rules import Actor
from sunset.access.vocabulary import Role
from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import DomainError, OperationRefusedError, PermissionDeniedError
from sunset.ledger import repository as ledger_repo
from sunset.ledger.archive import Archived
from sunset.usecases import batch, operations
from sunset.usecases import lines as usecase_lines
from sunset.usecases.operations import LineOutcome

if TYPE_CHECKING:
    from tests.conftest import RunCli

PREPAID = "0551-62000000"
JANUARY = date(2011, 1, 1)
ARCHIVED_TABLE = "ledger_archive.ledger_entries_p201101"


def postgresql(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def closed_february(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Three Hefei lines imported on 2010-12-31, a top-up of 30 yuan on PREPAID on 2011-01-15
    (key ``jan-1``), and the cycle run through 2011-02-28: January and February are closed."""
    rows = [line_row(0, prepaid="true"), line_row(1), line_row(2, balance="3")]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    top_up(engine, key="jan-1", day=date(2011, 1, 15))
    run_cycle(engine, until=date(2011, 2, 28))
    return engine


def top_up(engine: sa.Engine, *, key: str, day: date) -> LineOutcome:
    with session_scope(engine, write=True) as session:
        return operations.top_up(
            session, ACTOR, number=PREPAID, amount_fen=3000, today=day, key=key, now=noon(day)
        )


def archive(engine: sa.Engine, month: date = JANUARY, actor: Actor = ACTOR) -> Archived:
    with session_scope(engine, write=True) as session:
        return batch.archive_month(session, actor, month=month, now=datetime(2011, 3, 5, 9, 0))


def refusal(engine: sa.Engine, month: date = JANUARY, actor: Actor = ACTOR) -> DomainError:
    with pytest.raises(DomainError) as raised:
        archive(engine, month, actor)
    return raised.value


def january(engine: sa.Engine, table: str = "ledger_entries") -> list[tuple[object, ...]]:
    return rows_of(
        engine,
        f"SELECT area_code, period, cause, line_id, part, kind, amount_fen FROM {table}"
        " WHERE period = 201101 ORDER BY line_id, cause, part",
    )


def test_archiving_january_moves_its_entries_out_and_verify_still_holds(
    closed_february: sa.Engine,
) -> None:
    engine = closed_february
    if not postgresql(engine):
        pytest.skip("the ledger is partitioned on PostgreSQL only (the SQLite refusal is below)")
    entries = january(engine)
    balances = rows_of(engine, "SELECT number, balance_fen FROM lines ORDER BY number")
    totals = rows_of(engine, "SELECT area_code, kind, amount_fen FROM ledger_totals ORDER BY 1, 2")

    done = archive(engine)

    assert (done.period, done.table, done.entries, done.already) == (
        201101,
        ARCHIVED_TABLE,
        len(entries),
        False,
    )
    assert done.amount_fen == sum(int(str(e[6])) for e in entries)
    assert january(engine) == []
    assert january(engine, ARCHIVED_TABLE) == entries
    # Nothing a customer or the regulator reads has moved; verify proves it from the ledger and
    # what January brought forward.
    assert rows_of(engine, "SELECT number, balance_fen FROM lines ORDER BY number") == balances
    assert (
        rows_of(engine, "SELECT area_code, kind, amount_fen FROM ledger_totals ORDER BY 1, 2")
        == totals
    )
    assert violations_of(engine) == []
    assert rows_of(
        engine,
        "SELECT action, target, user_name FROM audit_log WHERE action = 'ledger.archive'",
    ) == [("ledger.archive", "2011-01", ACTOR.name)]
    # The line's history says where January went, and still adds up to its balance.
    with session_scope(engine) as session:
        history = usecase_lines.ledger(session, ACTOR, number=PREPAID)
    assert (history[-1].kind, history[-1].reference) == (
        "brought_forward",
        "months archived through 2011-01",
    )
    assert sum(Decimal(row.amount_yuan) for row in history) * 100 == Decimal(
        line_of(engine, PREPAID)["balance_fen"]
    )


def test_an_archived_month_is_never_written_again_on_any_path(closed_february: sa.Engine) -> None:
    engine = closed_february
    if not postgresql(engine):
        pytest.skip("PostgreSQL only")
    archive(engine)
    balance = line_of(engine, PREPAID)["balance_fen"]

    # The client retries January's top-up: its entry is in the archive, so the key is refused,
    # never posted a second time.
    with pytest.raises(OperationRefusedError) as retried:
        top_up(engine, key="jan-1", day=date(2011, 3, 1))
    assert retried.value.code == "KEY_OF_ARCHIVED_MONTH"
    assert "2011-01" in retried.value.message
    # A credit run over January is refused before it starts, naming the month.
    with pytest.raises(OperationRefusedError) as credited:
        batch.credit_history(
            engine,
            ACTOR,
            first=JANUARY,
            last=JANUARY,
            today=date(2011, 3, 5),
            now=datetime(2011, 3, 5, 9, 0),
        )
    assert credited.value.code == "MONTH_ARCHIVED"
    assert "2011-01" in credited.value.message
    # And the database itself refuses an entry of January, whoever writes it.
    with pytest.raises(DBAPIError, match="ledger_month_archived"), engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ledger_entries (area_code, period, cause, line_id, part, kind,"
            " amount_fen, entry_date) VALUES ('0551', 201101, 10, 1, 9, 'top_up', 100,"
            " '2011-01-20')"
        )
    # The archive is as immutable as the ledger.
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {ARCHIVED_TABLE} SET amount_fen = amount_fen + 1")
    assert line_of(engine, PREPAID)["balance_fen"] == balance
    assert violations_of(engine) == []


def test_the_cycle_goes_on_after_an_archive_and_verify_holds(closed_february: sa.Engine) -> None:
    engine = closed_february
    if not postgresql(engine):
        pytest.skip("PostgreSQL only")
    archive(engine)

    run_cycle(engine, until=date(2011, 3, 31))
    top_up(engine, key="apr-1", day=date(2011, 4, 2))

    assert scalar_of(engine, "SELECT COUNT(*) FROM ledger_entries WHERE period = 201103") > 0
    assert violations_of(engine) == []


def test_what_a_line_paid_in_still_counts_its_archived_months(closed_february: sa.Engine) -> None:
    engine = closed_february
    if not postgresql(engine):
        pytest.skip("PostgreSQL only")
    line = line_of(engine, PREPAID)
    with session_scope(engine) as session:
        before = ledger_repo.paid_in_and_credited(session, area_code="0551", line_id=line["id"])

    archive(engine, date(2010, 12, 1))  # the opening balances
    archive(engine)  # the top-up

    with session_scope(engine) as session:
        after = ledger_repo.paid_in_and_credited(session, area_code="0551", line_id=line["id"])
    assert after == before == (1250 + 3000, 0)
    assert violations_of(engine) == []


def test_a_month_not_closed_everywhere_is_refused_naming_the_network(
    closed_february: sa.Engine,
) -> None:
    engine = closed_february
    if not postgresql(engine):
        pytest.skip("PostgreSQL only")
    top_up(engine, key="mar-1", day=date(2011, 3, 2))

    refused = refusal(engine, date(2011, 3, 1))

    assert refused.code == "MONTH_NOT_CLOSED"
    assert "0551 (cycle run through 2011-02-28)" in refused.message
    assert "sunset run --until 2011-03-31" in refused.message
    assert scalar_of(engine, "SELECT COUNT(*) FROM ledger_entries WHERE period = 201103") == 1
    assert scalar_of(engine, "SELECT COUNT(*) FROM ledger_archives") == 0


def test_archiving_twice_answers_the_first_archive_and_writes_nothing(
    closed_february: sa.Engine,
) -> None:
    engine = closed_february
    if not postgresql(engine):
        pytest.skip("PostgreSQL only")
    first = archive(engine)

    again = archive(engine)

    assert again.already
    assert (again.table, again.entries, again.amount_fen) == (
        first.table,
        first.entries,
        first.amount_fen,
    )
    assert scalar_of(engine, "SELECT COUNT(*) FROM audit_log WHERE action = 'ledger.archive'") == 1
    assert violations_of(engine) == []


def test_an_operators_administrator_may_not_archive_every_operators_month(
    closed_february: sa.Engine,
) -> None:
    telecom_admin = Actor(user_id=1, name="ops", role=Role.ADMIN, operator="telecom")

    refused = refusal(closed_february, actor=telecom_admin)

    assert isinstance(refused, PermissionDeniedError)
    assert "every operator" in refused.message


def test_on_sqlite_archiving_is_refused_and_says_why(closed_february: sa.Engine) -> None:
    engine = closed_february
    if postgresql(engine):
        pytest.skip("SQLite only")

    refused = refusal(engine)

    assert refused.code == "ARCHIVE_NEEDS_POSTGRESQL"
    assert len(january(engine)) > 0
    assert violations_of(engine) == []


def test_the_command_archives_lists_and_refuses_in_words(
    closed_february: sa.Engine, cli: RunCli
) -> None:
    done = cli("ledger", "archive", "2011-01", "--now", "2011-03-05T09:00")
    listed = cli("ledger", "archives", "--json")

    if not postgresql(closed_february):
        assert done.exit_code == 3, done
        assert "only PostgreSQL partitions it" in done.stderr + done.stdout
        assert listed.json() == []
        return
    assert done.exit_code == 0, done
    assert "2011-01 archived" in done.stdout
    assert f"pg_dump -t {ARCHIVED_TABLE}" in done.stdout
    assert [(m["month"], m["table"]) for m in listed.json()] == [("2011-01", ARCHIVED_TABLE)]
    assert cli("verify").exit_code == 0
    not_closed = cli("ledger", "archive", "2011-03")
    assert not_closed.exit_code == 3
    assert "MONTH_NOT_CLOSED: 2011-03 is not closed" in not_closed.stderr
    empty = cli("ledger", "archive", "2011-06")
    assert empty.exit_code == 3
    assert "nothing to archive" in empty.stderr
    bad = cli("ledger", "archive", "January")
    assert bad.exit_code == 2
    assert "'January' is not a month (YYYY-MM)" in bad.stderr
    assert e164(PREPAID)  # the line is still there, untouched
