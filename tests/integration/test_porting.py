"""The porting flow on SQLite and PostgreSQL: request, code, validation, slot, completion; every
transition logged; obstruction refused; money conserved."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, count, line_of, noon, rows_of, violations_of

from sunset.db import session_scope
from sunset.errors import InputInvalidError, NotFoundError, OperationRefusedError
from sunset.lines.service import NewLine
from sunset.lines.vocabulary import SuspensionReason
from sunset.porting import jobs, reports, service
from sunset.porting.eligibility import Destination
from sunset.porting.schemas import PortOutcome
from sunset.porting.vocabulary import BalanceHandling
from sunset.routing import service as routing
from sunset.usecases import operations

NUMBER = "135 2200 0001"  # China Mobile GSM in Tianjin since 2010-06-01, 50 yuan on it
T0 = datetime(2011, 3, 1, 19, 10)


@pytest.fixture
def tianjin(engine: sa.Engine) -> sa.Engine:
    with session_scope(engine, write=True) as session:
        operations.activate(
            session,
            ACTOR,
            new=NewLine(
                number=NUMBER,
                operator="mobile",
                network="gsm",
                area_code="022",
                customer_ref="TJ1",
                real_name=True,
                monthly_fee_fen=3000,
                prepaid=True,
            ),
            today=date(2010, 6, 1),
            now=noon(date(2010, 6, 1)),
        )
        operations.top_up(
            session,
            ACTOR,
            number=NUMBER,
            amount_fen=5000,
            today=date(2010, 6, 1),
            key="t1",
            now=noon(date(2010, 6, 1)),
        )
    return engine


def request(engine: sa.Engine, now: datetime = T0, **options: object) -> PortOutcome:
    with session_scope(engine, write=True) as session:
        return service.request(
            session,
            number=NUMBER,
            destination=Destination("unicom/wcdma"),
            now=now,
            actor="customer",
            **options,  # type: ignore[arg-type]
        )


def authorise(engine: sa.Engine, code: str, now: datetime) -> PortOutcome:
    with session_scope(engine, write=True) as session:
        return service.authorise(session, number=NUMBER, code=code, now=now, actor="unicom")


def validate(engine: sa.Engine, now: datetime, reject: str | None = None) -> PortOutcome:
    with session_scope(engine, write=True) as session:
        return service.validate(session, number=NUMBER, now=now, actor="mobile", reject=reject)


def run(engine: sa.Engine, now: datetime) -> dict[str, int]:
    with session_scope(engine, write=True) as session:
        return jobs.run_due(session, now=now)


def authorised(engine: sa.Engine) -> None:
    code = request(engine).auth_code
    assert code is not None and len(code) == 6 and code.isdigit()
    authorise(engine, code, T0.replace(minute=20))


def states(engine: sa.Engine) -> list[tuple[object, ...]]:
    return rows_of(
        engine, "SELECT from_state, to_state, actor, reason_code FROM port_events ORDER BY id"
    )


def test_a_port_completes_at_its_slot_and_refunds_the_balance(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    outcome = validate(tianjin, T0.replace(minute=30))
    assert outcome.request.scheduled_for == datetime(2011, 3, 1, 20, 0)
    assert run(tianjin, datetime(2011, 3, 1, 19, 59))["completed"] == 0
    assert line_of(tianjin, NUMBER)["status"] == "active"  # not before its slot
    assert run(tianjin, datetime(2011, 3, 1, 20, 0))["completed"] == 1
    line = line_of(tianjin, NUMBER)
    assert (line["status"], line["balance_fen"], line["ledger_fen"]) == ("ported_out", 0, 0)
    assert rows_of(tianjin, "SELECT amount_fen FROM refunds") == [(5000,)]
    assert states(tianjin) == [
        (None, "requested", "customer", None),
        ("requested", "authorised", "unicom", None),
        ("authorised", "validated", "mobile", None),
        ("validated", "scheduled", "sunset", None),
        ("scheduled", "completed", "sunset", None),
    ]
    assert violations_of(tianjin) == []


def test_the_code_is_stored_only_as_a_hash(tianjin: sa.Engine) -> None:
    code = request(tianjin).auth_code
    stored = rows_of(tianjin, "SELECT auth_code_hash FROM port_requests")[0][0]
    assert code is not None and code not in str(stored) and len(str(stored)) == 64


def test_an_authorisation_code_expires_after_sixty_minutes(tianjin: sa.Engine) -> None:
    code = request(tianjin).auth_code
    assert code is not None
    with pytest.raises(OperationRefusedError) as expired:
        authorise(tianjin, code, datetime(2011, 3, 1, 20, 10, 1))
    assert expired.value.code == "PORT_CODE_EXPIRED"
    authorise_in_time = request(tianjin, datetime(2011, 3, 1, 20, 15))  # a new code
    assert authorise_in_time.auth_code and authorise_in_time.refused is None
    assert rows_of(tianjin, "SELECT state FROM port_requests ORDER BY id") == [
        ("cancelled",),
        ("requested",),
    ]


def test_a_code_never_presented_closes_the_request_when_it_expires(tianjin: sa.Engine) -> None:
    request(tianjin)
    assert run(tianjin, datetime(2011, 3, 1, 20, 10))["expired"] == 0  # still valid at 20:10
    assert run(tianjin, datetime(2011, 3, 1, 20, 11))["expired"] == 1
    assert rows_of(tianjin, "SELECT state, reason_code FROM port_requests") == [("cancelled", None)]
    assert states(tianjin)[-1] == ("requested", "cancelled", "sunset", "PORT_CODE_EXPIRED")


def test_a_wrong_code_is_refused_and_changes_nothing(tianjin: sa.Engine) -> None:
    code = request(tianjin).auth_code
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(OperationRefusedError) as refused:
        authorise(tianjin, wrong, T0.replace(minute=20))
    assert refused.value.code == "PORT_CODE_WRONG"
    assert rows_of(tianjin, "SELECT state FROM port_requests") == [("requested",)]


def test_a_second_request_while_one_is_pending_is_refused_and_recorded(tianjin: sa.Engine) -> None:
    request(tianjin)
    second = request(tianjin, T0.replace(minute=15))
    assert second.refused is not None and second.refused.code == "PORT_PENDING_ELSEWHERE"
    assert second.auth_code is None
    assert rows_of(tianjin, "SELECT state, reason_code FROM port_requests ORDER BY id") == [
        ("requested", None),
        ("rejected", "PORT_PENDING_ELSEWHERE"),
    ]


def test_a_contract_added_after_the_check_is_obstruction(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    # The donor signs the customer up to a term after the eligibility check ...
    with session_scope(tianjin) as session:
        session.execute(sa.text("UPDATE lines SET commitment_until = '2012-03-01'"))
    # ... and rejects on it: refused as obstruction, logged, the request stays open.
    outcome = validate(tianjin, T0.replace(minute=25), reject="PORT_CONTRACT_TERM")
    assert outcome.refused is not None and outcome.refused.code == "PORT_OBSTRUCTION"
    assert outcome.request.state == "authorised"
    # Validation from the rules ignores that ground too, and schedules the port.
    assert validate(tianjin, T0.replace(minute=30)).request.state == "scheduled"
    obstructions = rows_of(
        tianjin, "SELECT actor FROM port_events WHERE reason_code = 'PORT_OBSTRUCTION'"
    )
    assert obstructions == [("mobile",), ("mobile",)]


def test_a_sim_reported_lost_after_the_check_rejects_the_port(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    with session_scope(tianjin, write=True) as session:
        operations.suspend(
            session,
            ACTOR,
            number=NUMBER,
            reason=SuspensionReason.LOST,
            today=T0.date(),
            now=noon(T0.date()),
        )
    outcome = validate(tianjin, T0.replace(minute=30))
    assert outcome.refused is not None and outcome.refused.code == "PORT_SIM_LOST"
    assert outcome.request.state == "rejected"


def test_a_manual_rejection_needs_a_ground_from_the_catalogue(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    with pytest.raises(InputInvalidError) as invalid:
        validate(tianjin, T0.replace(minute=25), reject="DONOR_DOES_NOT_LIKE_IT")
    assert "PORT_IDENTITY_MISMATCH" in invalid.value.message
    outcome = validate(tianjin, T0.replace(minute=25), reject="PORT_IDENTITY_MISMATCH")
    assert (
        outcome.request.state == "rejected"
        and outcome.request.reason_code == "PORT_IDENTITY_MISMATCH"
    )


def test_the_customer_may_cancel_before_completion(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    validate(tianjin, T0.replace(minute=30))
    with session_scope(tianjin, write=True) as session:
        service.cancel(session, number=NUMBER, now=T0.replace(minute=45), actor="customer")
    assert run(tianjin, datetime(2011, 3, 1, 20, 0))["completed"] == 0
    assert line_of(tianjin, NUMBER)["status"] == "active"
    with pytest.raises(NotFoundError), session_scope(tianjin, write=True) as session:
        service.cancel(session, number=NUMBER, now=T0.replace(minute=50), actor="customer")


def test_a_carried_over_balance_leaves_through_the_ledger(tianjin: sa.Engine) -> None:
    code = request(tianjin, balance=BalanceHandling.CARRY_OVER).auth_code
    assert code is not None
    authorise(tianjin, code, T0.replace(minute=20))
    run(tianjin, T0.replace(minute=30))  # validated from the rules, scheduled for 20:00
    run(tianjin, datetime(2011, 3, 2, 9, 0))  # 1 March charged (30 yuan a month), the rest goes
    assert rows_of(
        tianjin, "SELECT kind, amount_fen FROM ledger_entries ORDER BY entry_date, period"
    )[-2:] == [
        ("charge", -96),
        ("transfer_out", -4904),
    ]
    assert count(tianjin, "refunds") == 0
    assert violations_of(tianjin) == []


def test_a_request_the_donor_leaves_unvalidated_is_overdue(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    with session_scope(tianjin) as session:
        soon = reports.overdue(session, now=datetime(2011, 3, 2, 19, 0), hours=24)
        late = reports.overdue(session, now=datetime(2011, 3, 2, 19, 21), hours=24)
    assert soon == [] and [r.state for r in late] == ["authorised"]


def test_statistics_count_ports_by_month_pair_and_reason(tianjin: sa.Engine) -> None:
    with session_scope(tianjin, write=True) as session:
        service.request(
            session, number=NUMBER, destination=Destination("mobile/td-scdma"), now=T0, actor="x"
        )
    authorised(tianjin)
    validate(tianjin, T0.replace(minute=30))
    run(tianjin, datetime(2011, 3, 1, 20, 0))
    with session_scope(tianjin) as session:
        rows = reports.stats(session)
    summary = [(r.month, r.donor, r.recipient, r.requested, r.completed, r.rejected) for r in rows]
    assert summary == [
        ("2011-03", "mobile", "mobile", 1, 0, 1),
        ("2011-03", "mobile", "unicom", 1, 1, 0),
    ]
    assert rows[0].rejected_by_reason == {"PORT_SAME_OPERATOR": 1}
    assert rows[1].median_hours_to_complete == pytest.approx(50 / 60, abs=0.01)


def test_statistics_of_requests_all_still_open_count_them_with_no_median(
    tianjin: sa.Engine,
) -> None:
    authorised(tianjin)
    with session_scope(tianjin) as session:
        rows = reports.stats(session)
        theirs = reports.stats(session, operator="telecom")
    assert [(r.requested, r.completed, r.median_hours_to_complete) for r in rows] == [(1, 0, None)]
    assert theirs == []


def test_an_id_number_that_does_not_match_the_record_is_refused(tianjin: sa.Engine) -> None:
    with session_scope(tianjin, write=True) as session:
        outcome = service.request(
            session,
            number=NUMBER,
            destination=Destination("unicom/wcdma", id_number="34010119800101126X"),
            now=T0,
            actor="customer",
        )
    assert outcome.refused is not None and outcome.refused.code == "PORT_IDENTITY_MISMATCH"
    assert outcome.auth_code is None


def route_at(engine: sa.Engine, at: datetime) -> tuple[str | None, str | None, bool]:
    with session_scope(engine) as session:
        found = routing.route(session, number=NUMBER, at=at)
    return found.operator_code, found.network_code, found.ported


def test_a_scheduled_port_routes_to_the_donor_until_its_slot(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    validate(tianjin, datetime(2011, 3, 1, 20, 30))  # after 20:00: 09:00 next day
    assert route_at(tianjin, datetime(2011, 3, 1, 21, 0)) == ("mobile", "gsm", False)
    assert route_at(tianjin, datetime(2011, 3, 2, 8, 59)) == ("mobile", "gsm", False)
    assert route_at(tianjin, datetime(2011, 3, 2, 9, 0)) == ("unicom", "wcdma", True)
    run(tianjin, datetime(2011, 3, 2, 9, 5))
    assert route_at(tianjin, datetime(2011, 3, 2, 9, 5)) == ("unicom", "wcdma", True)


def test_a_cancelled_port_leaves_the_number_with_the_donor(tianjin: sa.Engine) -> None:
    authorised(tianjin)
    validate(tianjin, T0.replace(minute=30))
    with session_scope(tianjin, write=True) as session:
        service.cancel(session, number=NUMBER, now=T0.replace(minute=40), actor="customer")
    assert route_at(tianjin, datetime(2011, 3, 2, 12, 0)) == ("mobile", "gsm", False)
    assert count(tianjin, "routing_entries") == 0
