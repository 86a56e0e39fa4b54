"""The number database on the real databases: dated routes, forwarding, CSV in and out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.factories import ACTOR, count, import_file, line_row, noon, write_csv

from sunset.db import session_scope
from sunset.errors import ImportRejectedError, InputInvalidError, OperationRefusedError
from sunset.routing import jobs, service
from sunset.usecases import operations

NUMBER = "0551-62000000"  # the Telecom PHS line of line_row(0), activated 2005-03-01
E164 = "+8655162000000"
TODAY = datetime(2011, 6, 1, 15, 30)
TOMORROW_10 = datetime(2011, 6, 2, 10, 0)


@pytest.fixture
def with_line(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """A database holding one live Telecom PHS line, 0551-62000000."""
    import_file(engine, write_csv(tmp_path / "lines.csv", [line_row(0)]))
    return engine


def port(session: Session, number: str = NUMBER, **overrides: object) -> None:
    """Record a port of ``number`` to Unicom WCDMA tomorrow at 10:00 (overridable)."""
    fields: dict[str, object] = {
        "operator_code": "unicom",
        "network_code": "wcdma",
        "valid_from": TOMORROW_10,
        "source": "port",
    }
    fields.update(overrides)
    service.record_route(session, number=number, **fields)  # type: ignore[arg-type]


def test_an_unported_number_routes_to_the_operator_of_its_line(with_line: sa.Engine) -> None:
    with session_scope(with_line) as session:
        found = service.route(session, number=NUMBER, at=TODAY)

    assert (found.assigned, found.operator_code, found.network_code) == (True, "telecom", "phs")
    assert (found.ported, found.source, found.routing_number) == (False, "line", "D100")
    assert found.valid_from == datetime(2005, 3, 1)


def test_a_port_scheduled_for_tomorrow_routes_to_the_donor_today_and_the_recipient_tomorrow(
    with_line: sa.Engine,
) -> None:
    with session_scope(with_line) as session:
        port(session)
        today = service.route(session, number=NUMBER, at=TODAY)
        a_minute_before = service.route(session, number=NUMBER, at=datetime(2011, 6, 2, 9, 59))
        tomorrow = service.route(session, number=NUMBER, at=TOMORROW_10)

    assert (today.operator_code, today.network_code, today.ported) == ("telecom", "phs", False)
    assert a_minute_before.operator_code == "telecom"
    assert (tomorrow.operator_code, tomorrow.network_code) == ("unicom", "wcdma")
    assert (tomorrow.ported, tomorrow.source, tomorrow.routing_number) == (True, "port", "D206")
    assert tomorrow.valid_from == TOMORROW_10


def test_a_later_entry_takes_over_from_an_earlier_one(with_line: sa.Engine) -> None:
    with session_scope(with_line) as session:
        port(session)
        port(session, operator_code="mobile", network_code="gsm", valid_from=datetime(2012, 1, 1))
        routes = [
            service.route(session, number=NUMBER, at=at).operator_code
            for at in (TODAY, TOMORROW_10, datetime(2011, 12, 31, 23, 59), datetime(2012, 1, 1))
        ]

    assert routes == ["telecom", "unicom", "unicom", "mobile"]


def test_calls_ring_on_the_new_phone_too_until_the_forwarding_window_closes(
    with_line: sa.Engine,
) -> None:
    window_end = datetime(2011, 7, 1)
    with session_scope(with_line) as session:
        port(
            session,
            source="migration",
            operator_code="telecom",
            network_code="cdma",
            forward_to="133 1234 5678",
            forward_until=window_end,
        )
        before = service.route(session, number=NUMBER, at=TODAY)
        opening = service.route(session, number=NUMBER, at=TOMORROW_10)
        last_minute = service.route(session, number=NUMBER, at=datetime(2011, 6, 30, 23, 59))
        closed = service.route(session, number=NUMBER, at=window_end)

    assert before.forward_to is None
    assert (opening.forward_to, opening.forward_until) == ("+8613312345678", window_end)
    assert last_minute.forward_to == "+8613312345678"
    assert (closed.forward_to, closed.forward_until) == (None, None)
    assert (closed.operator_code, closed.network_code, closed.ported) == ("telecom", "cdma", False)


def test_a_number_nobody_holds_is_unassigned_and_says_why(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        found = service.route(session, number="0551-62999999", at=TODAY)

    assert not found.assigned
    assert found.operator_code is None
    assert "no line holds this number" in (found.note or "")


def test_a_number_in_quarantine_after_its_line_closed_is_unassigned(with_line: sa.Engine) -> None:
    with session_scope(with_line, write=True) as session:
        operations.terminate(
            session,
            ACTOR,
            number=NUMBER,
            today=date(2011, 5, 1),
            key="end:1",
            now=noon(date(2011, 5, 1)),
        )
    with session_scope(with_line) as session:
        found = service.route(session, number=NUMBER, at=TODAY)

    assert not found.assigned
    assert "in quarantine" in (found.note or "")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("operator_code", {"operator_code": "unicorn"}),
        ("network_code", {"network_code": "5g"}),
        ("forward_until", {"forward_until": datetime(2011, 6, 2)}),
        ("number", {"number": "0551-620"}),
    ],
)
def test_record_route_refuses_bad_input_naming_the_field(
    engine: sa.Engine, field: str, overrides: dict[str, object]
) -> None:
    with session_scope(engine) as session, pytest.raises(InputInvalidError) as refused:
        port(session, **overrides)

    assert refused.value.message.startswith(f"{field}:")


def test_a_route_is_kept_to_the_minute(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        port(session, valid_from=datetime(2011, 6, 2, 10, 0, 42))
        found = service.route(session, number=NUMBER, at=TOMORROW_10)

    assert found.valid_from == TOMORROW_10


def routes_at(engine: sa.Engine, numbers: list[str], moments: list[datetime]) -> list[object]:
    with session_scope(engine) as session:
        return [service.route(session, number=n, at=m) for n in numbers for m in moments]


def test_exporting_and_importing_the_csv_gives_the_same_routes(
    with_line: sa.Engine, tmp_path: Path
) -> None:
    numbers = [NUMBER, "0551-62000001", "0311-86000000"]
    moments = [TODAY, TOMORROW_10, datetime(2011, 6, 20), datetime(2011, 8, 1)]
    with session_scope(with_line) as session:
        port(session, forward_to="13312345678", forward_until=datetime(2011, 7, 1))
        port(
            session,
            number=numbers[1],
            source="migration",
            operator_code="telecom",
            network_code="cdma",
        )
        port(
            session,
            number=numbers[2],
            operator_code="mobile",
            network_code="gsm",
            valid_from=datetime(2011, 6, 15, 9),
        )
    before = routes_at(with_line, numbers, moments)
    with session_scope(with_line) as session:
        assert jobs.export_routes(session, path=tmp_path / "numberdb.csv") == 3
        session.execute(sa.text("DELETE FROM routing_entries"))
    with session_scope(with_line) as session:
        result = jobs.import_routes(session, path=tmp_path / "numberdb.csv", now=TODAY)

    assert result.imported == 3
    assert routes_at(with_line, numbers, moments) == before
    header = (tmp_path / "numberdb.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("number,operator,network,routing_number,valid_from")


def test_an_import_with_bad_rows_names_each_row_and_field_and_imports_nothing(
    engine: sa.Engine, tmp_path: Path
) -> None:
    rows = [
        {
            "number": "0551-62000001",
            "operator": "unicom",
            "network": "wcdma",
            "routing_number": "",
            "valid_from": "2011-06-02 10:00",
        },
        {
            "number": "0551-620",
            "operator": "unicom",
            "network": "wcdma",
            "routing_number": "D206",
            "valid_from": "2011-06-02 10:00",
        },
        {
            "number": "0551-62000002",
            "operator": "unicorn",
            "network": "wcdma",
            "routing_number": "D206",
            "valid_from": "2011-06-02 10:00",
        },
        {
            "number": "0551-62000003",
            "operator": "unicom",
            "network": "wcdma",
            "routing_number": "D999",
            "valid_from": "tomorrow",
        },
        {
            "number": "0551 6200 0001",
            "operator": "unicom",
            "network": "wcdma",
            "routing_number": "D206",
            "valid_from": "2011-06-02T10:00:00",
        },
    ]
    path = write_csv(tmp_path / "bad.csv", rows)

    with session_scope(engine) as session, pytest.raises(ImportRejectedError) as refused:
        jobs.import_routes(session, path=path, now=TODAY)

    named = {(e.row, e.column) for e in refused.value.errors}  # type: ignore[attr-defined]
    assert named == {
        (3, "number"),
        (4, "operator"),
        (5, "routing_number"),
        (5, "valid_from"),
        (6, "valid_from"),  # the same number and moment as row 2
    }
    assert count(engine, "routing_entries") == 0


def test_recording_the_same_route_again_is_a_harmless_retry(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        port(session)
        port(session)

    assert count(engine, "routing_entries") == 1


def test_a_different_route_from_the_same_moment_is_refused(engine: sa.Engine) -> None:
    with session_scope(engine) as session, pytest.raises(OperationRefusedError) as refused:
        port(session)
        port(session, operator_code="mobile", network_code="gsm")

    assert refused.value.code == "ROUTE_ALREADY_RECORDED"
    assert refused.value.message.startswith("valid_from:")


def test_a_mobile_number_takes_its_area_from_its_line_or_the_file_or_is_refused(
    engine: sa.Engine, tmp_path: Path
) -> None:
    mobile_line = line_row(0, number="133 0551 0000", network="cdma", area_code="0551")
    import_file(engine, write_csv(tmp_path / "lines.csv", [mobile_line]))
    common = {
        "operator": "unicom",
        "network": "wcdma",
        "routing_number": "",
        "valid_from": "2011-06-02 10:00",
    }
    rows = [
        {"number": "13305510000", **common},
        {"number": "13305510001", "area_code": "22", **common},
        {"number": "13305510002", **common},
    ]
    path = write_csv(tmp_path / "mobiles.csv", rows)

    with session_scope(engine) as session, pytest.raises(ImportRejectedError) as refused:
        jobs.import_routes(session, path=path, now=TODAY)
    path = write_csv(tmp_path / "mobiles2.csv", rows[:2])
    with session_scope(engine) as session:
        jobs.import_routes(session, path=path, now=TODAY)

    errors = refused.value.errors
    assert [(e.row, e.column) for e in errors] == [(4, "area_code")]  # type: ignore[attr-defined]
    areas = sorted(scalar_rows(engine, "SELECT number, area_code FROM routing_entries"))
    assert areas == [("+8613305510000", "0551"), ("+8613305510001", "022")]


def scalar_rows(engine: sa.Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql))]
