"""Importing lines on SQLite and PostgreSQL: everything or nothing, every bad row explained."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from tests.factories import (
    TODAY,
    VALID_ID,
    count,
    import_file,
    line_row,
    line_rows,
    numbers_in,
    read_errors_csv,
    write_csv,
    write_parquet,
)

from sunset.db import session_scope
from sunset.errors import ImportRejectedError, InputInvalidError
from sunset.integrity.service import verify
from sunset.kit.rows import RowError
from sunset.lines.rules import REQUIRED
from sunset.status.service import status_report
from sunset.synth.generator import generate_lines

TABLES = ("lines", "customers", "ledger_entries", "import_batches")


def counts(engine: sa.Engine) -> dict[str, int]:
    return {table: count(engine, table) for table in TABLES}


NOTHING = dict.fromkeys(TABLES, 0)


def rejected(engine: sa.Engine, path: Path, **options: object) -> ImportRejectedError:
    with pytest.raises(ImportRejectedError) as refusal:
        import_file(engine, path, **options)
    return refusal.value


def query(engine: sa.Engine, sql: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(sql))


# --- a good file ----------------------------------------------------------------------------


def test_good_file_imports_every_line_with_its_customer_and_opening_balance(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        line_row(0, balance="12.50"),
        line_row(1, balance="0", customer_id="C0"),  # a second line of customer C0
        line_row(2, balance="1,234.56", status="suspended", suspension_reason="arrears"),
        line_row(3, number="0565-2234567", area_code="0565", balance="¥7"),  # Chaohu, 7 digits
        line_row(4, number="133 1234 5678", network="cdma", balance="0.01"),
    ]
    result = import_file(engine, write_csv(tmp_path / "lines.csv", rows))

    assert (result.imported, result.rejected, result.opening_entries) == (5, 0, 4)
    assert counts(engine) == {"lines": 5, "customers": 4, "ledger_entries": 4, "import_batches": 1}
    assert numbers_in(engine) == sorted(
        ["+8655162000000", "+8655162000001", "+8655162000002", "+865652234567", "+8613312345678"]
    )
    balances = query(
        engine,
        "SELECT l.number, l.balance_fen, e.kind, e.amount_fen FROM lines l"
        " LEFT JOIN ledger_entries e ON e.line_id = l.id ORDER BY l.number",
    )
    assert sorted(tuple(r) for r in balances) == [
        ("+8613312345678", 1, "opening_balance", 1),
        ("+8655162000000", 1250, "opening_balance", 1250),
        ("+8655162000001", 0, None, None),
        ("+8655162000002", 123456, "opening_balance", 123456),
        ("+865652234567", 700, "opening_balance", 700),
    ]
    with session_scope(engine) as session:
        assert verify(session) == []
        report = status_report(session)
    assert (report.lines.total, report.lines.live) == (5, 5)
    assert report.lines.by_status == {"active": 4, "suspended": 1}
    assert report.lines.by_network == {"cdma": 1, "phs": 4}
    assert report.lines.by_local_network == {"0551": 4, "0565": 1}
    assert report.money.balances == report.money.opening_balances == "1254.07"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT SUM(balance_fen) FROM lines").scalar() == 125407


def test_imports_one_after_another_each_land_and_leave_no_scratch_file(
    engine: sa.Engine, tmp_path: Path
) -> None:
    # On SQLite the rows travel through a scratch file next to the database, attached to the
    # import's connection: the next import on that connection must find it gone.
    first = import_file(engine, write_csv(tmp_path / "a.csv", line_rows(3)))
    late_bad_row = [*line_rows(3, start=10), line_row(13, balance="-1")]
    with pytest.raises(ImportRejectedError):  # refused after its first chunk was loaded
        import_file(engine, write_parquet(tmp_path / "bad.parquet", late_bad_row), chunk_rows=2)
    second = import_file(engine, write_csv(tmp_path / "b.csv", line_rows(2, start=20)))

    assert (first.imported, second.imported) == (3, 2)
    assert counts(engine) == {"lines": 5, "customers": 5, "ledger_entries": 5, "import_batches": 2}
    assert list(tmp_path.glob(".sunset-load-*")) == []
    with session_scope(engine) as session:
        assert verify(session) == []


def test_skip_invalid_imports_the_good_rows_after_a_first_chunk_of_only_bad_ones(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [line_row(0, balance="-1"), line_row(1, balance="-2"), *line_rows(3, start=2)]

    # Parquet: its chunks are as small as asked (a CSV's are at least 64 KiB).
    result = import_file(
        engine, write_parquet(tmp_path / "lines.parquet", rows), skip_invalid=True, chunk_rows=2
    )

    assert (result.imported, result.rejected) == (3, 2)
    assert counts(engine) == {"lines": 3, "customers": 3, "ledger_entries": 3, "import_batches": 1}


def test_stored_lines_keep_every_optional_field(engine: sa.Engine, tmp_path: Path) -> None:
    row = line_row(
        0,
        customer_name="张三",
        real_name="是",
        activated_on="2003/07/15",
        owner_changed_on="2008-01-02",
        last_ported_on="2009-05-06",
        prepaid="yes",
        unpaid_bills="2",
        commitment_until="2011-12-31",
        vulnerable="Telecare",
        home_site="S0551-7",
        monthly_fee="70",
        operator="TELECOM",
        network="PHS",
        area_code="551",
    )
    import_file(engine, write_csv(tmp_path / "lines.csv", [row]))

    [line] = query(
        engine,
        "SELECT area_code, operator_code, network_code, customer_ref, status, activated_on,"
        " owner_changed_on, last_ported_on, monthly_fee_fen, prepaid, unpaid_bills,"
        " commitment_until, vulnerable, home_site FROM lines",
    )
    fields = {k: str(v) for k, v in line._mapping.items() if k != "prepaid"}
    assert fields == {
        "area_code": "0551",
        "operator_code": "telecom",
        "network_code": "phs",
        "customer_ref": "C0",
        "status": "active",
        "activated_on": "2003-07-15",
        "owner_changed_on": "2008-01-02",
        "last_ported_on": "2009-05-06",
        "monthly_fee_fen": "7000",
        "unpaid_bills": "2",
        "commitment_until": "2011-12-31",
        "vulnerable": "telecare",
        "home_site": "S0551-7",
    }
    [customer] = query(engine, "SELECT name, real_name FROM customers")
    assert (customer.name, bool(customer.real_name)) == ("张三", True)


def test_after_a_refused_import_the_database_itself_still_refuses_a_number_live_twice(
    engine: sa.Engine, tmp_path: Path
) -> None:
    import_file(engine, write_csv(tmp_path / "a.csv", line_rows(3)))
    bigger = [*line_rows(20, start=10), line_row(30, balance="x")]  # more rows than stored
    assert rejected(engine, write_csv(tmp_path / "b.csv", bigger)).error_count == 1

    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE lines SET number = '+8655162000000' WHERE number = '+8655162000001'"
        )
    assert numbers_in(engine) == ["+8655162000000", "+8655162000001", "+8655162000002"]


def test_id_numbers_are_never_stored_in_clear(engine: sa.Engine, tmp_path: Path) -> None:
    old_id = "340101800101123"  # a 15-digit ID of before 1999
    lower_x = VALID_ID.lower()  # a check character "x" typed in lower case
    rows = [
        line_row(0, id_number=VALID_ID),
        line_row(1, id_number=old_id),
        line_row(2, id_number=lower_x, customer_id="C2"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))

    for table in ("customers", "lines"):
        for stored in query(engine, f"SELECT * FROM {table}"):
            for value in stored:
                text = str(value).upper()
                assert VALID_ID not in text and old_id not in text, (table, stored)
    masked = query(engine, "SELECT customer_ref, id_masked, id_hash FROM customers ORDER BY 1")
    assert [(r.customer_ref, r.id_masked) for r in masked] == [
        ("C0", "3401**********126X"),
        ("C1", "3401*******1123"),
        ("C2", "3401**********126X"),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", r.id_hash) for r in masked)
    assert masked[0].id_hash == masked[2].id_hash  # the same person, however the X was typed
    assert masked[0].id_hash != masked[1].id_hash


# --- bad rows: each reported, nothing imported --------------------------------------------

BAD_ROWS = {
    "bad number": ({"number": "0551-6234"}, "number", "wrong length"),
    "letters in number": ({"number": "0551-6234567O"}, "number", "other than digits"),
    "number of another area": (
        {"number": "010-62345678"},
        "number",
        "area code 010 of the number does not match the line's local network 0551",
    ),
    "mobile number on phs": ({"number": "133 1234 5678"}, "number", "not a mobile number"),
    "fixed number on cdma": ({"network": "cdma"}, "number", "not a fixed-line number"),
    "unknown operator": ({"operator": "vodafone"}, "operator", "unknown operator"),
    "unknown network": ({"network": "5g"}, "network", "unknown network"),
    "unknown area code": ({"area_code": "0999"}, "area_code", "unknown area code"),
    "empty customer": ({"customer_id": ""}, "customer_id", "customer_id is empty"),
    "real_name not a flag": ({"real_name": "maybe"}, "real_name", "true or false"),
    "activation in the future": (
        {"activated_on": "2011-01-01"},
        "activated_on",
        "after today (2010-12-31)",
    ),
    "activation not a date": ({"activated_on": "2005-13-01"}, "activated_on", "must be a date"),
    "activation day first": ({"activated_on": "01/03/2005"}, "activated_on", "must be a date"),
    "negative balance": ({"balance": "-5"}, "balance", "at most 2 decimals, not negative"),
    "fee with 3 decimals": (
        {"monthly_fee": "20.505"},
        "monthly_fee",
        "at most 2 decimals, not negative",
    ),
    "empty balance": ({"balance": ""}, "balance", "not negative"),
    "suspended without reason": (
        {"status": "suspended"},
        "suspension_reason",
        "a suspended line needs a suspension_reason",
    ),
    "active with reason": (
        {"suspension_reason": "arrears"},
        "suspension_reason",
        "an active line cannot have a suspension_reason",
    ),
    "unknown suspension reason": (
        {"status": "suspended", "suspension_reason": "holiday"},
        "suspension_reason",
        "must be one of",
    ),
    "terminated line": ({"status": "terminated"}, "status", "only live lines are imported"),
    "id check digit": (
        {"id_number": VALID_ID[:-1] + "1"},
        "id_number",
        "fails its check digit",
    ),
    "id too short": ({"id_number": "3401011980"}, "id_number", "18-character"),
    "owner change before activation": (
        {"owner_changed_on": "2001-01-01"},
        "owner_changed_on",
        "before the line was activated",
    ),
    "port in the future": ({"last_ported_on": "2011-02-01"}, "last_ported_on", "after today"),
    "unpaid bills not a count": ({"unpaid_bills": "1.5"}, "unpaid_bills", "whole number"),
    "unknown vulnerability": ({"vulnerable": "vip"}, "vulnerable", "must be one of"),
}


@pytest.mark.parametrize(("overrides", "column", "reason"), BAD_ROWS.values(), ids=BAD_ROWS)
def test_import_refuses_whole_file_when_one_row_is_bad(
    engine: sa.Engine, tmp_path: Path, overrides: dict[str, str], column: str, reason: str
) -> None:
    rows = [line_row(0), line_row(1, **overrides), line_row(2)]
    refusal = rejected(engine, write_csv(tmp_path / "lines.csv", rows))

    assert refusal.error_count == 1
    [error] = refusal.errors
    assert isinstance(error, RowError)
    assert (error.row, error.column) == (3, column)  # the header is row 1
    assert reason in error.reason
    assert counts(engine) == NOTHING


def test_import_reports_every_bad_row_in_row_order(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [
        line_row(0, balance="-1", operator="nobody"),
        line_row(1),
        line_row(2, number="0551-1234567"),
    ]
    refusal = rejected(engine, write_csv(tmp_path / "lines.csv", rows))

    assert [(e.row, e.column, e.value) for e in refusal.errors] == [
        (2, "balance", "-1"),
        (2, "operator", "nobody"),
        (4, "number", "0551-1234567"),
    ]
    assert "2 bad row(s), 3 problem(s); nothing was imported" in refusal.message
    assert counts(engine) == NOTHING


def test_import_refuses_a_number_twice_in_the_file_naming_the_first_row(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [line_row(0), line_row(1), line_row(2, number="055162000000")]  # row 2's, unformatted
    refusal = rejected(engine, write_csv(tmp_path / "lines.csv", rows))

    [error] = refusal.errors
    assert (error.row, error.column, error.value) == (4, "number", "055162000000")
    assert "twice in the file (first at row 2)" in error.reason
    assert counts(engine) == NOTHING


def test_import_refuses_a_number_already_live_in_the_database(
    engine: sa.Engine, tmp_path: Path
) -> None:
    import_file(engine, write_csv(tmp_path / "first.csv", line_rows(3)))
    before = counts(engine)

    second = [line_row(10), line_row(11), line_row(1, customer_id="NEW")]
    refusal = rejected(engine, write_csv(tmp_path / "second.csv", second))

    [error] = refusal.errors
    assert (error.row, error.column, error.value) == (4, "number", "0551-62000001")
    assert "already on a live line" in error.reason
    assert counts(engine) == before


def test_a_suspended_line_still_holds_its_number(engine: sa.Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        write_csv(tmp_path / "a.csv", [line_row(0, status="suspended", suspension_reason="lost")]),
    )
    refusal = rejected(engine, write_csv(tmp_path / "b.csv", [line_row(0, customer_id="X")]))
    assert "already on a live line" in refusal.errors[0].reason


def test_import_refuses_a_row_with_too_many_fields(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lines.csv", line_rows(3))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",surplus,cells"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    refusal = rejected(engine, path)

    [error] = refusal.errors
    assert (error.row, error.column) == (3, "*")
    assert "has 12 fields where the header has 10" in error.reason
    assert counts(engine) == NOTHING


def test_import_refuses_a_file_missing_a_required_column(engine: sa.Engine, tmp_path: Path) -> None:
    columns = [c for c in REQUIRED if c != "balance"]
    path = write_csv(tmp_path / "lines.csv", line_rows(2), columns=columns)

    with pytest.raises(InputInvalidError, match="required column 'balance' is missing"):
        import_file(engine, path)
    assert counts(engine) == NOTHING


def test_import_refuses_a_misspelt_column_suggesting_the_right_one(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        {("activated" if k == "activated_on" else k): v for k, v in r.items()} for r in line_rows(2)
    ]
    path = write_csv(tmp_path / "lines.csv", rows)

    with pytest.raises(
        InputInvalidError, match="'activated' is not known: did you mean 'activated_on'"
    ):
        import_file(engine, path)
    assert counts(engine) == NOTHING


def test_import_ignores_and_names_an_unknown_column(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [line_row(0, remarks="VIP"), line_row(1, remarks="")]
    result = import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    assert (result.imported, result.ignored_columns) == (2, ["remarks"])


def test_import_matches_column_names_whatever_their_case(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lines.csv", line_rows(2))
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path.write_text(header.upper().replace("_", " ") + "\n" + rest, encoding="utf-8")

    assert import_file(engine, path).imported == 2


def test_import_refuses_an_empty_file(engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(b"")
    with pytest.raises(InputInvalidError, match="empty"):
        import_file(engine, path)
    assert counts(engine) == NOTHING


def test_import_of_a_header_only_file_adds_no_lines(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lines.csv", [], columns=REQUIRED)
    with contextlib.suppress(InputInvalidError, ImportRejectedError):
        import_file(engine, path)
    assert count(engine, "lines") == 0


def test_import_of_a_header_only_file_is_refused_and_leaves_no_batch(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lines.csv", [], columns=REQUIRED)
    with pytest.raises((InputInvalidError, ImportRejectedError)):
        import_file(engine, path)
    assert counts(engine) == NOTHING


@pytest.mark.parametrize("balance", ["100000000000000000", "99999999999999999999"])
def test_import_refuses_a_balance_too_large_to_hold_as_a_bad_row(
    engine: sa.Engine, tmp_path: Path, balance: str
) -> None:
    path = write_csv(tmp_path / "lines.csv", [line_row(0), line_row(1, balance=balance)])
    refusal = rejected(engine, path)
    assert [(e.row, e.column) for e in refusal.errors] == [(3, "balance")]
    assert counts(engine) == NOTHING


def test_import_refuses_an_absurd_monthly_fee_as_a_bad_row_on_every_engine(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lines.csv", [line_row(0, monthly_fee="30000000")])
    refusal = rejected(engine, path)
    assert [(e.row, e.column) for e in refusal.errors] == [(2, "monthly_fee")]


# --- skipping bad rows, files imported twice -------------------------------------------------


def test_skip_invalid_imports_the_good_rows_and_writes_every_reject(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        line_row(0),
        line_row(1, number="0551-6234"),
        line_row(2),
        line_row(3, number="0551-62000000"),  # row 2's number
        line_row(4, status="terminated", balance="-3"),
        line_row(5, balance="5"),
    ]
    errors_path = tmp_path / "rejects.csv"
    result = import_file(
        engine,
        write_csv(tmp_path / "lines.csv", rows),
        skip_invalid=True,
        errors_path=errors_path,
    )

    assert (result.imported, result.rejected) == (3, 3)
    assert numbers_in(engine) == ["+8655162000000", "+8655162000002", "+8655162000005"]
    assert [(e["row"], e["column"]) for e in read_errors_csv(errors_path)] == [
        ("3", "number"),
        ("5", "number"),
        ("6", "balance"),
        ("6", "status"),
    ]
    rejects = read_errors_csv(errors_path)
    assert all(e["value"] and e["reason"] for e in rejects)
    [batch] = query(engine, "SELECT rows_imported, rows_rejected FROM import_batches")
    assert tuple(batch) == (3, 3)
    with session_scope(engine) as session:
        assert verify(session) == []
        assert status_report(session).money.balances == "30.00"


def test_reimporting_the_same_file_is_refused_and_counts_nothing_twice(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lines.csv", line_rows(4))
    import_file(engine, path)
    before = counts(engine)

    with pytest.raises(ImportRejectedError) as refusal:
        import_file(engine, path)

    assert refusal.value.code == "IMPORT_DUPLICATE_FILE"
    assert "already imported" in refusal.value.message
    assert counts(engine) == before


def test_a_renamed_copy_of_an_imported_file_is_refused_line_by_line(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lines.csv", line_rows(4))
    import_file(engine, path)
    before = counts(engine)
    copy = tmp_path / "lines (1).csv"
    shutil.copy(path, copy)
    copy.write_text(copy.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # another SHA

    refusal = rejected(engine, copy)

    assert refusal.code == "IMPORT_REJECTED"
    assert [e.row for e in refusal.errors] == [2, 3, 4, 5]
    assert all("already on a live line" in e.reason for e in refusal.errors)
    assert counts(engine) == before


# --- encodings and formats -------------------------------------------------------------------

NAMES = ["张三", "李四, 王五", "欧阳 娜娜", "Zhāng Sān"]


def stored_names(engine: sa.Engine) -> list[str]:
    return [r.name for r in query(engine, "SELECT name FROM customers ORDER BY customer_ref")]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_chinese_names_come_back_right_whatever_the_encoding(
    engine: sa.Engine, tmp_path: Path, encoding: str
) -> None:
    names = NAMES if encoding != "gbk" else NAMES[:3]  # GBK has no ā
    rows = [line_row(i, customer_name=name) for i, name in enumerate(names)]
    path = write_csv(tmp_path / "lines.csv", rows, encoding=encoding)

    assert import_file(engine, path).imported == len(names)
    assert stored_names(engine) == names


def test_parquet_file_imports_the_same_as_csv(engine: sa.Engine, tmp_path: Path) -> None:
    def rows(start: int) -> list[dict[str, str]]:
        return [
            line_row(start, customer_name="张三", id_number=VALID_ID, balance="12.34"),
            line_row(start + 1, status="suspended", suspension_reason="sunset", prepaid="true"),
            line_row(start + 2, number=f"0565-22{start:05d}", area_code="0565", balance="0"),
        ]

    import_file(engine, write_csv(tmp_path / "lines.csv", rows(0)))
    import_file(engine, write_parquet(tmp_path / "lines.parquet", rows(100)))

    columns = (
        "l.area_code, l.status, l.suspension_reason, l.activated_on, l.monthly_fee_fen,"
        " l.prepaid, l.balance_fen, c.name, c.real_name, c.id_masked, c.id_hash"
    )
    snapshot = query(
        engine,
        f"SELECT l.import_batch_id, {columns} FROM lines l JOIN customers c"
        " ON c.area_code = l.area_code AND c.operator_code = l.operator_code"
        " AND c.customer_ref = l.customer_ref ORDER BY l.import_batch_id, l.number",
    )
    from_csv = [tuple(r)[1:] for r in snapshot if r[0] == 1]
    from_parquet = [tuple(r)[1:] for r in snapshot if r[0] == 2]
    assert len(from_csv) == 3
    assert from_parquet == from_csv


def test_parquet_with_typed_columns_imports(engine: sa.Engine, tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "number": [13312345678, 13312345679],
            "operator": ["telecom", "telecom"],
            "network": ["cdma", "cdma"],
            "area_code": [551, 551],
            "customer_id": ["P1", "P2"],
            "real_name": [True, False],
            "activated_on": [TODAY.replace(year=2005)] * 2,
            "status": ["active", "active"],
            "monthly_fee": [20.0, 35.5],
            "balance": [12.5, 0.0],
            "unpaid_bills": [0, 2],
        }
    )
    path = tmp_path / "typed.parquet"
    frame.write_parquet(path)

    assert import_file(engine, path).imported == 2
    stored = query(
        engine,
        "SELECT number, area_code, monthly_fee_fen, balance_fen, unpaid_bills FROM lines"
        " ORDER BY number",
    )
    assert [tuple(r) for r in stored] == [
        ("+8613312345678", "0551", 2000, 1250, 0),
        ("+8613312345679", "0551", 3550, 0, 2),
    ]


def test_an_unreadable_parquet_file_is_refused_as_bad_input(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = tmp_path / "lines.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(InputInvalidError, match="not a readable Parquet file"):
        import_file(engine, path)
    assert counts(engine) == NOTHING


SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # reading, not storing
ASCII_MEBIBYTE_ROWS = 16_000  # rows of line_row(): a little over 1 MiB of plain ASCII


@SQLITE
def test_a_gbk_file_whose_chinese_names_start_late_still_imports(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [*line_rows(ASCII_MEBIBYTE_ROWS), line_row(ASCII_MEBIBYTE_ROWS, customer_name="张三")]
    path = write_csv(tmp_path / "lines.csv", rows, encoding="gbk")
    assert path.stat().st_size > 1 << 20

    assert import_file(engine, path).imported == ASCII_MEBIBYTE_ROWS + 1
    assert "张三" in stored_names(engine)


@SQLITE
def test_undecodable_bytes_deep_in_a_file_are_refused_as_bad_input(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lines.csv", line_rows(ASCII_MEBIBYTE_ROWS))
    with path.open("ab") as handle:
        handle.write(b"0551-69999999,telecom,phs,0551,CX,true,2005-03-01,active,20,1\xff\xff\r\n")

    with pytest.raises(InputInvalidError):
        import_file(engine, path)
    assert counts(engine) == NOTHING


@SQLITE
def test_row_numbers_count_a_blank_line_as_a_spreadsheet_does(
    engine: sa.Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "lines.csv", [line_row(0), line_row(1), line_row(2, balance="x")])
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")  # a blank spreadsheet row 3: the bad row is now row 5
    path.write_text("\n".join(lines), encoding="utf-8")

    refusal = rejected(engine, path)

    assert [(e.row, e.column) for e in refusal.errors] == [(5, "balance")]


# --- big files in chunks ---------------------------------------------------------------------

GENERATED_ROWS = 5_000
CHUNK_ROWS = 1_000


@pytest.fixture(scope="module")
def generated() -> pl.DataFrame:
    return generate_lines(GENERATED_ROWS, seed=1, today=TODAY)


def progress_log() -> tuple[list[int], Callable[[int], None]]:
    seen: list[int] = []
    return seen, seen.append


def test_a_generated_file_imports_in_chunks_and_verifies(
    engine: sa.Engine, tmp_path: Path, generated: pl.DataFrame
) -> None:
    path = tmp_path / "lines.csv"
    generated.write_csv(path)
    steps, progress = progress_log()

    result = import_file(engine, path, chunk_rows=CHUNK_ROWS, progress=progress)

    assert result.imported == count(engine, "lines") == GENERATED_ROWS
    assert len(steps) > 1 and steps[-1] == GENERATED_ROWS  # it really went in several chunks
    positive = generated.filter(pl.col("balance").cast(pl.Float64) > 0).height
    assert result.opening_entries == count(engine, "ledger_entries") == positive
    with session_scope(engine) as session:
        assert verify(session) == []
        assert status_report(session).lines.total == GENERATED_ROWS


def test_a_duplicate_planted_across_chunks_names_its_first_row(
    engine: sa.Engine, tmp_path: Path, generated: pl.DataFrame
) -> None:
    # File row r is frame index r - 2. Row 4500 becomes a copy of row 300 (another chunk).
    planted = pl.concat([generated[:4498], generated[298:299], generated[4499:]])
    path = tmp_path / "lines.csv"
    planted.write_csv(path)

    refusal = rejected(engine, path, chunk_rows=CHUNK_ROWS)

    [error] = refusal.errors
    assert (error.row, error.column, error.value) == (4500, "number", generated["number"][298])
    assert "first at row 300" in error.reason
    assert counts(engine) == NOTHING


def test_a_number_three_times_across_chunks_always_names_its_first_row(
    engine: sa.Engine, tmp_path: Path, generated: pl.DataFrame
) -> None:
    copy = generated[298:299]
    planted = pl.concat([generated[:4498], copy, copy, generated[4500:]])
    path = tmp_path / "lines.csv"
    planted.write_csv(path)

    refusal = rejected(engine, path, chunk_rows=CHUNK_ROWS)

    assert [(e.row, e.reason) for e in refusal.errors] == [
        (4500, "number appears twice in the file (first at row 300)"),
        (4501, "number appears twice in the file (first at row 300)"),
    ]


def test_row_numbers_stay_right_in_later_chunks(
    engine: sa.Engine, tmp_path: Path, generated: pl.DataFrame
) -> None:
    path = tmp_path / "lines.csv"
    generated.write_csv(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3499] += ",surplus"  # file row 3500
    lines[3999] = lines[3999].replace(",phs,", ",nope,", 1)  # file row 4000
    path.write_text("\n".join(lines), encoding="utf-8")

    refusal = rejected(engine, path, chunk_rows=CHUNK_ROWS)

    assert [(e.row, e.column) for e in refusal.errors] == [(3500, "*"), (4000, "network")]
    assert counts(engine) == NOTHING


def test_a_bad_last_row_leaves_nothing_behind_although_earlier_chunks_were_written(
    engine: sa.Engine, tmp_path: Path, generated: pl.DataFrame
) -> None:
    last = generated[-1:].with_columns(activated_on=pl.lit("2031-01-01"))
    path = tmp_path / "lines.csv"
    pl.concat([generated[:-1], last]).write_csv(path)
    steps, progress = progress_log()

    refusal = rejected(engine, path, chunk_rows=CHUNK_ROWS, progress=progress)

    assert [(e.row, e.column) for e in refusal.errors] == [(GENERATED_ROWS + 1, "activated_on")]
    assert len(steps) > 1  # earlier chunks went through before the bad row was read
    assert counts(engine) == NOTHING
    # ... and the same file, fixed, imports afterwards: the refusal left no trace.
    generated.write_csv(path)
    assert import_file(engine, path, chunk_rows=CHUNK_ROWS).imported == GENERATED_ROWS
