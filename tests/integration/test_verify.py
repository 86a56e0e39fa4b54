"""`verify` proves the money and number invariants, and names what a corrupted database breaks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from tests.factories import import_file, line_row, write_csv

from sunset.db import session_scope
from sunset.integrity.rules import Violation
from sunset.integrity.service import verify
from sunset.ledger import service as ledger
from sunset.ledger.rules import EntryKind
from sunset.lines.models import Line

LIVE_INDEX = "uq_lines_live_number"


@pytest.fixture
def imported(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """A database holding three Hefei lines (0551-62000000..02) with balances 12.50, 0, 3.00."""
    rows = [line_row(0), line_row(1, balance="0"), line_row(2, balance="3")]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    return engine


def violations(engine: sa.Engine) -> dict[str, Violation]:
    with session_scope(engine) as session:
        return {v.code: v for v in verify(session)}


def execute(engine: sa.Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def line_id(engine: sa.Engine, number: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT id FROM lines WHERE number = :n"), {"n": number}
            ).scalar_one()
        )


def test_verify_finds_nothing_wrong_in_an_empty_database(engine: sa.Engine) -> None:
    assert violations(engine) == {}


def test_verify_finds_nothing_wrong_after_a_clean_import(imported: sa.Engine) -> None:
    assert violations(imported) == {}


def test_a_balance_that_is_not_its_ledger_sum_is_named_with_the_number(
    imported: sa.Engine,
) -> None:
    execute(
        imported,
        "UPDATE lines SET balance_fen = balance_fen + 1 WHERE id = :id",
        id=line_id(imported, "+8655162000000"),
    )

    found = violations(imported)

    assert set(found) == {"BALANCE_NOT_LEDGER_SUM", "MONEY_NOT_CONSERVED"}
    mismatch = found["BALANCE_NOT_LEDGER_SUM"]
    assert mismatch.count == 1
    assert mismatch.examples == ["0551-62000000: balance 12.51 yuan, ledger sum 12.50 yuan"]
    assert "0.01 yuan" in found["MONEY_NOT_CONSERVED"].message


def test_a_number_live_on_two_lines_is_named(imported: sa.Engine) -> None:
    # A database loaded by another tool: the unique index that prevents this is not there.
    execute(imported, f"DROP INDEX {LIVE_INDEX}")
    execute(
        imported,
        "INSERT INTO lines (area_code, number, operator_code, network_code, customer_ref, status,"
        " activated_on, monthly_fee_fen, prepaid, unpaid_bills, vulnerable, balance_fen)"
        " SELECT area_code, number, operator_code, network_code, customer_ref, status,"
        " activated_on, monthly_fee_fen, prepaid, unpaid_bills, vulnerable, 0"
        " FROM lines WHERE id = :id",
        id=line_id(imported, "+8655162000001"),
    )

    found = violations(imported)

    assert set(found) == {"NUMBER_LIVE_TWICE"}
    assert found["NUMBER_LIVE_TWICE"].examples == ["0551-62000001 on 2 live lines"]


def test_the_database_refuses_a_number_live_on_two_lines(imported: sa.Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        execute(
            imported,
            "UPDATE lines SET number = '+8655162000000' WHERE number = '+8655162000001'",
        )
    assert violations(imported) == {}


def test_a_terminated_line_whose_number_is_nowhere_is_a_lost_number(imported: sa.Engine) -> None:
    execute(
        imported,
        "UPDATE lines SET status = 'terminated', terminated_on = :day WHERE number = :n",
        day="2011-01-10",
        n="+8655162000001",
    )

    found = violations(imported)

    assert set(found) == {"NUMBER_LOST"}
    assert found["NUMBER_LOST"].examples == ["0551-62000001"]


def test_a_line_marked_ported_out_without_a_completed_port_is_named(imported: sa.Engine) -> None:
    execute(
        imported,
        "UPDATE lines SET status = 'ported_out', terminated_on = :day WHERE number = :n",
        day="2011-01-10",
        n="+8655162000001",
    )

    found = violations(imported)

    assert set(found) == {"DEPARTURE_WITHOUT_RECORD"}
    assert found["DEPARTURE_WITHOUT_RECORD"].examples == ["0551-62000001"]


def test_a_terminated_line_whose_number_is_in_quarantine_is_accounted_for(
    imported: sa.Engine,
) -> None:
    number = "+8655162000001"
    execute(
        imported,
        "UPDATE lines SET status = 'terminated', terminated_on = :day WHERE number = :n",
        day="2011-01-10",
        n=number,
    )
    execute(
        imported,
        "INSERT INTO number_holds (area_code, number, state, since, until, from_line_id)"
        " VALUES ('0551', :n, 'quarantine', :since, :until, :line)",
        n=number,
        since="2011-01-10",
        until="2011-04-10",
        line=line_id(imported, number),
    )

    assert violations(imported) == {}


def test_a_number_both_live_and_in_the_free_pool_is_named(imported: sa.Engine) -> None:
    execute(
        imported,
        "INSERT INTO number_holds (area_code, number, state, since)"
        " VALUES ('0551', '+8655162000002', 'free', '2010-12-01')",
    )

    found = violations(imported)

    assert set(found) == {"NUMBER_HELD_AND_LIVE"}
    assert found["NUMBER_HELD_AND_LIVE"].examples == ["0551-62000002"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount_fen = amount_fen + 100",
        "UPDATE ledger_entries SET kind = 'top_up'",
        "DELETE FROM ledger_entries",
    ],
)
def test_ledger_entries_cannot_be_changed_or_deleted(imported: sa.Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="immutable"):
        execute(imported, statement)
    assert violations(imported) == {}


def test_a_mistake_is_corrected_with_a_new_ledger_entry(imported: sa.Engine) -> None:
    with session_scope(imported, write=True) as session:
        line = session.get(Line, line_id(imported, "+8655162000000"))
        assert line is not None
        ledger.post(
            session,
            line=line,
            kind=EntryKind.REFUND,
            amount_fen=250,
            day=date(2011, 1, 5),
            key="correction:1",
            reference="charged twice by the old BSS",
        )

    assert violations(imported) == {}


def test_a_ledger_entry_written_behind_sunsets_back_leaves_the_totals_stale(
    imported: sa.Engine,
) -> None:
    line = line_id(imported, "+8655162000000")
    with imported.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ledger_entries (area_code, period, cause, line_id, part, kind,"
                " amount_fen, entry_date, created_at) VALUES ('0551', 201101, 14, :line, 0,"
                " 'refund', -250, :day, :at)"
            ),
            {"line": line, "day": "2011-01-05", "at": "2011-01-05 10:00:00"},
        )
        conn.execute(
            sa.text("UPDATE lines SET balance_fen = balance_fen - 250 WHERE id = :id"), {"id": line}
        )

    found = violations(imported)
    assert set(found) == {"LEDGER_TOTALS_STALE"}
    assert (
        "0551 refund: kept 0.00 yuan, entries sum to -2.50 yuan"
        in found["LEDGER_TOTALS_STALE"].examples
    )
