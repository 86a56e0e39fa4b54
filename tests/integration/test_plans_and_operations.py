"""Plans and the operations they govern, on SQLite and PostgreSQL: each operation is checked
against the phase of its day, a refusal says why and changes nothing, money moves once per key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from tests.factories import (
    ACTOR,
    NOW,
    TODAY,
    count,
    e164,
    entries_of,
    import_file,
    line_of,
    line_row,
    noon,
    rows_of,
    scalar_of,
    set_plan,
    violations_of,
    write_csv,
)

from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import (
    DomainError,
    ImportRejectedError,
    OperationRefusedError,
    PlanInvalidError,
)
from sunset.lines.service import NewLine
from sunset.lines.vocabulary import SuspensionReason
from sunset.plans import service as plans
from sunset.plans.rules import OPTIONS
from sunset.plans.vocabulary import LABELS, Phase
from sunset.usecases import operations
from sunset.usecases.batch import import_lines

if TYPE_CHECKING:
    from tests.conftest import RunCli

# Chaohu's phases (DOMAIN.md), set here for Hefei, whose numbers the factories write.
PLAN = {
    "announced": date(2011, 6, 1),
    "no_new_sales": date(2011, 7, 1),
    "topups_refused": date(2011, 10, 1),
    "switched_off": date(2012, 1, 10),
    "cleared": date(2012, 3, 31),
}
PREPAID = "0551-62000000"  # prepaid, 12.50 yuan
ARREARS = "0551-62000001"  # suspended for arrears with 2 unpaid bills
PAID_UP = "0551-62000002"  # suspended for arrears, bills paid
EMPTY = "0551-62000003"  # prepaid, nothing on it
NEW = "0551-62999999"  # a number no line has had


@pytest.fixture
def hefei(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """Four Hefei PHS lines imported on 2010-12-31 (see the constants above), no plan yet."""
    rows = [
        line_row(0, prepaid="true"),
        line_row(1, status="suspended", suspension_reason="arrears", unpaid_bills="2"),
        line_row(2, status="suspended", suspension_reason="arrears", unpaid_bills="0"),
        line_row(3, prepaid="true", balance="0"),
    ]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    return engine


@pytest.fixture
def planned(hefei: sa.Engine) -> sa.Engine:
    """The Hefei lines with Chaohu's plan."""
    set_plan(hefei, **PLAN)
    return hefei


def act(engine: sa.Engine, operation: Callable[..., operations.LineOutcome], **kwargs: Any) -> Any:
    """Run one operation in its own committed unit of work, as the CLI does (its user)."""
    with session_scope(engine, write=True) as session:
        return operation(session, ACTOR, now=noon(kwargs["today"]), **kwargs)


def refused(engine: sa.Engine, operation: Callable[..., Any], **kwargs: Any) -> DomainError:
    """Run an operation that must be refused; return the refusal (its transaction rolled back)."""
    with pytest.raises(DomainError) as caught, session_scope(engine, write=True) as session:
        operation(session, ACTOR, now=noon(kwargs["today"]), **kwargs)
    return caught.value


def money(engine: sa.Engine) -> tuple[int, int]:
    """(ledger entries, sum of balances): what a refused operation must leave unchanged."""
    return count(engine, "ledger_entries"), int(
        scalar_of(engine, "SELECT COALESCE(SUM(balance_fen), 0) FROM lines")
    )


def new_line(number: str = NEW, **overrides: Any) -> NewLine:
    fields: dict[str, Any] = {
        "number": number,
        "operator": "telecom",
        "network": "phs",
        "area_code": "0551",
        "customer_ref": "C-new",
        "real_name": True,
        "monthly_fee_fen": 2000,
        "prepaid": True,
    }
    fields.update(overrides)
    return NewLine(**fields)


def assert_explains(message: str, phase: Phase, since: date) -> None:
    """A refusal names the phase, the day it began and what the customer can do."""
    assert f"in phase {LABELS[phase]} since {since}" in message, message
    assert "Hefei (0551)" in message
    assert OPTIONS in message


# --- plans ---------------------------------------------------------------------------------


def test_a_plan_set_through_the_service_shows_each_phase_and_the_one_in_force(
    hefei: sa.Engine,
) -> None:
    view = set_plan(hefei, **PLAN)

    assert view.current_phase == "in_service"
    assert view.warnings == [
        "switch-off on 2012-01-10 is after the regulator's deadline 2011-12-31"
    ]
    with session_scope(hefei) as session:
        shown = plans.show_plan(
            session, area_code="0551", network_code="phs", today=date(2011, 10, 15)
        )
    assert shown.city == "Hefei (0551)"
    assert shown.deadline == date(2011, 12, 31)
    assert shown.current_phase == "topups_refused"
    assert [(p.phase, p.starts_on, p.started) for p in shown.phases] == [
        ("announced", date(2011, 6, 1), True),
        ("no_new_sales", date(2011, 7, 1), True),
        ("topups_refused", date(2011, 10, 1), True),
        ("switched_off", date(2012, 1, 10), False),
        ("cleared", date(2012, 3, 31), False),
    ]


def test_a_refused_plan_is_not_stored_and_its_message_names_the_rule(hefei: sa.Engine) -> None:
    with pytest.raises(PlanInvalidError) as caught:
        set_plan(hefei, announced=date(2011, 11, 1), switched_off=date(2012, 1, 10))

    assert caught.value.code == "PLAN_INVALID"
    assert "70 days of notice" in caught.value.message
    assert "2012-01-30 or later" in caught.value.message
    assert count(hefei, "retirement_plans") == 0


def test_a_change_cannot_move_a_phase_that_has_started(planned: sa.Engine) -> None:
    with pytest.raises(PlanInvalidError) as caught:
        set_plan(planned, today=date(2011, 7, 15), no_new_sales=date(2011, 8, 1))

    assert "already started on 2011-07-01" in caught.value.message
    with session_scope(planned) as session:
        shown = plans.plan_dates(session, area_code="0551", network_code="phs")
    assert shown.no_new_sales == date(2011, 7, 1)


def test_a_change_may_move_a_phase_that_has_not_started(planned: sa.Engine) -> None:
    view = set_plan(planned, today=date(2011, 7, 15), switched_off=date(2012, 3, 1))

    assert [p.starts_on for p in view.phases if p.phase == "switched_off"] == [date(2012, 3, 1)]


def test_importing_plans_stores_all_of_them_or_none_naming_each_bad_entry(
    hefei: sa.Engine,
) -> None:
    rows: list[dict[str, object]] = [
        {"area_code": "0551", "network": "phs", "announced": "2011-06-01",
         "switched_off": "2012-01-10"},
        {"area_code": "0565", "network": "phs", "announced": "2011-06-01",
         "switched_off": "2011-05-01"},
        {"area_code": "010", "network": "phs", "announced": "2011-04-01",
         "topups_refused": "2012-01-01", "switched_off": "2012-06-30"},
    ]  # fmt: skip

    with pytest.raises(PlanInvalidError) as caught, session_scope(hefei, write=True) as session:
        plans.import_plans(session, rows=rows, today=TODAY, now=NOW, actor="test")

    assert caught.value.message.startswith("no plan was imported: entry 2 (0565): ")
    assert "entry 1" not in caught.value.message and "entry 3" not in caught.value.message
    assert count(hefei, "retirement_plans") == 0

    rows[1]["switched_off"] = "2011-12-31"
    with session_scope(hefei, write=True) as session:
        views = plans.import_plans(session, rows=rows, today=TODAY, now=NOW, actor="test")
    assert [v.area_code for v in views] == ["0551", "0565", "010"]
    assert count(hefei, "retirement_plans") == 3


def test_a_plan_entry_for_an_unknown_area_or_with_a_bad_date_is_named(hefei: sa.Engine) -> None:
    rows: list[dict[str, object]] = [
        {"area_code": "9999", "announced": "2011-06-01"},
        {"area_code": "0551", "announced": "1 June"},
    ]

    with pytest.raises(PlanInvalidError) as caught, session_scope(hefei, write=True) as session:
        plans.import_plans(session, rows=rows, today=TODAY, now=NOW, actor="test")

    assert "entry 1 (9999): no local network with area code 9999" in caught.value.message
    assert "entry 2 (0551): announced: '1 June' is not a date" in caught.value.message
    assert count(hefei, "retirement_plans") == 0


# --- top-ups -------------------------------------------------------------------------------


def test_a_top_up_before_the_refusal_phase_is_added_to_the_balance_and_the_ledger(
    planned: sa.Engine,
) -> None:
    outcome = act(
        planned,
        operations.top_up,
        number=PREPAID,
        amount_fen=5000,
        today=date(2011, 9, 30),
        key="k1",
    )

    assert (outcome.balance, outcome.replayed) == ("62.50", False)
    line = line_of(planned, PREPAID)
    assert line["balance_fen"] == line["ledger_fen"] == 6250
    assert rows_of(
        planned,
        # The key as the client gave it, in the scope of the line's operator.
        "SELECT e.kind, e.amount_fen, e.entry_date FROM ledger_entries e JOIN ledger_keys k"
        " ON k.area_code = e.area_code AND k.period = e.period AND k.cause = e.cause"
        " AND k.line_id = e.line_id AND k.part = e.part WHERE k.key = 'telecom:k1'",
    ) == [("top_up", 5000, "2011-09-30")]
    assert violations_of(planned) == []


@pytest.mark.parametrize(
    ("day", "code", "phase"),
    [
        pytest.param(date(2011, 10, 1), "TOPUP_REFUSED_PHASE", Phase.TOPUPS_REFUSED, id="refusal"),
        pytest.param(date(2011, 12, 1), "TOPUP_REFUSED_PHASE", Phase.TOPUPS_REFUSED, id="later"),
        pytest.param(date(2012, 1, 10), "LINE_SWITCHED_OFF", Phase.SWITCHED_OFF, id="off"),
    ],
)
def test_a_top_up_from_the_refusal_phase_on_is_refused_with_its_reason_and_writes_nothing(
    planned: sa.Engine, day: date, code: str, phase: Phase
) -> None:
    before = money(planned)

    refusal = refused(
        planned, operations.top_up, number=PREPAID, amount_fen=5000, today=day, key="k"
    )

    assert isinstance(refusal, OperationRefusedError)
    assert refusal.code == code
    assert_explains(refusal.message, phase, PLAN[phase.value])
    assert money(planned) == before
    assert line_of(planned, PREPAID)["balance_fen"] == 1250


def test_the_same_idempotency_key_twice_moves_the_money_once(planned: sa.Engine) -> None:
    first = act(
        planned,
        operations.top_up,
        number=PREPAID,
        amount_fen=3000,
        today=date(2011, 3, 1),
        key="pay-1",
    )
    again = act(
        planned,
        operations.top_up,
        number=PREPAID,
        amount_fen=3000,
        today=date(2011, 3, 2),
        key="pay-1",
    )

    assert (first.replayed, again.replayed) == (False, True)
    assert first.balance == again.balance == "42.50"
    assert "already applied" in again.message
    assert rows_of(
        planned,
        "SELECT e.kind, e.amount_fen FROM ledger_entries e JOIN lines l ON l.id = e.line_id"
        " WHERE l.number = :n ORDER BY e.entry_date, e.cause",
        n=e164(PREPAID),
    ) == [("opening_balance", 1250), ("top_up", 3000)]
    assert line_of(planned, PREPAID)["balance_fen"] == 4250
    assert violations_of(planned) == []


def test_a_retried_top_up_is_replayed_even_once_the_phase_refuses_new_ones(
    planned: sa.Engine,
) -> None:
    act(
        planned,
        operations.top_up,
        number=PREPAID,
        amount_fen=3000,
        today=date(2011, 9, 30),
        key="eve",
    )

    with session_scope(planned, write=True) as session:
        again = operations.top_up(
            session,
            ACTOR,
            number=PREPAID,
            amount_fen=3000,
            today=date(2011, 10, 1),
            key="eve",
            now=noon(date(2011, 10, 1)),
        )

    assert (again.replayed, again.balance) == (True, "42.50")


def test_an_idempotency_key_reused_for_another_amount_is_refused_and_writes_nothing(
    planned: sa.Engine,
) -> None:
    act(
        planned,
        operations.top_up,
        number=PREPAID,
        amount_fen=3000,
        today=date(2011, 3, 1),
        key="k9",
    )
    before = money(planned)

    refusal = refused(
        planned,
        operations.top_up,
        number=PREPAID,
        amount_fen=5000,
        today=date(2011, 3, 1),
        key="k9",
    )
    other_line = refused(
        planned, operations.top_up, number=EMPTY, amount_fen=3000, today=date(2011, 3, 1), key="k9"
    )

    assert refusal.code == other_line.code == "IDEMPOTENCY_KEY_REUSED"
    assert "'k9'" in refusal.message
    assert money(planned) == before


# --- activation ----------------------------------------------------------------------------


def test_activation_is_refused_from_no_new_sales_on_and_stores_no_line(planned: sa.Engine) -> None:
    lines_before = count(planned, "lines")

    refusal = refused(planned, operations.activate, new=new_line(), today=date(2011, 7, 1))

    assert refusal.code == "ACTIVATION_REFUSED_NO_NEW_SALES"
    assert_explains(refusal.message, Phase.NO_NEW_SALES, date(2011, 7, 1))
    assert count(planned, "lines") == lines_before
    outcome = act(planned, operations.activate, new=new_line(), today=date(2011, 6, 30))
    assert (outcome.number, outcome.status, outcome.balance) == (NEW, "active", "0.00")


def test_a_live_number_cannot_be_activated_again(hefei: sa.Engine) -> None:
    refusal = refused(hefei, operations.activate, new=new_line(PREPAID), today=date(2011, 2, 1))

    assert refusal.code == "NUMBER_IN_USE"
    assert count(hefei, "lines") == 4


def test_a_quarantined_number_is_given_out_again_only_after_the_cycle_frees_it(
    hefei: sa.Engine,
) -> None:
    act(hefei, operations.terminate, number=EMPTY, today=date(2011, 2, 1), key="end-3")
    run_cycle(hefei, until=date(2011, 4, 30), start=date(2011, 1, 1))

    refusal = refused(hefei, operations.activate, new=new_line(EMPTY), today=date(2011, 5, 1))

    assert refusal.code == "NUMBER_IN_QUARANTINE"
    assert "in quarantine until 2011-05-02 (cancelled on 2011-02-01)" in refusal.message
    run_cycle(hefei, until=date(2011, 5, 2))
    assert rows_of(hefei, "SELECT number, state FROM number_holds") == [(e164(EMPTY), "free")]

    # Dated after the day the cycle has run through (a write dated inside it is back-dated).
    outcome = act(hefei, operations.activate, new=new_line(EMPTY), today=date(2011, 5, 3))

    assert outcome.status == "active"
    assert count(hefei, "number_holds") == 0
    assert violations_of(hefei) == []


def test_an_import_cannot_bring_back_a_number_that_is_in_quarantine(
    hefei: sa.Engine, tmp_path: Path
) -> None:
    act(hefei, operations.terminate, number=EMPTY, today=date(2011, 2, 1), key="end-3")
    again = write_csv(tmp_path / "again.csv", [line_row(3, customer_id="C-other")])

    with (
        pytest.raises(ImportRejectedError) as caught,
        session_scope(hefei, write=True) as session,
    ):
        import_lines(
            session, ACTOR, path=again, today=date(2011, 2, 2), now=datetime(2011, 2, 2, 9)
        )

    [error] = caught.value.errors
    assert "in quarantine until 2011-05-02" in str(error)
    assert count(hefei, "lines") == 4
    assert violations_of(hefei) == []


def test_an_import_takes_a_number_back_from_the_free_pool(hefei: sa.Engine, tmp_path: Path) -> None:
    act(hefei, operations.terminate, number=EMPTY, today=date(2011, 2, 1), key="end-3")
    run_cycle(hefei, until=date(2011, 5, 2), start=date(2011, 1, 1))
    again = write_csv(tmp_path / "again.csv", [line_row(3, customer_id="C-other")])

    with session_scope(hefei, write=True) as session:
        import_lines(
            session, ACTOR, path=again, today=date(2011, 5, 3), now=datetime(2011, 5, 3, 9)
        )

    assert line_of(hefei, EMPTY)["status"] == "active"
    assert count(hefei, "number_holds") == 0
    assert violations_of(hefei) == []


# --- suspend and resume --------------------------------------------------------------------


def test_resume_is_refused_while_unpaid_bills_remain(hefei: sa.Engine) -> None:
    refusal = refused(hefei, operations.resume, number=ARREARS, today=date(2011, 2, 1))

    assert refusal.code == "RESUME_REFUSED_ARREARS"
    assert "2 unpaid bill(s)" in refusal.message
    assert line_of(hefei, ARREARS)["status"] == "suspended"
    assert act(hefei, operations.resume, number=PAID_UP, today=date(2011, 2, 1)).status == "active"


def test_a_sunset_suspension_cannot_be_resumed_while_top_ups_are_refused(
    planned: sa.Engine,
) -> None:
    act(
        planned,
        operations.suspend,
        number=PREPAID,
        reason=SuspensionReason.SUNSET,
        today=date(2011, 10, 5),
    )

    refusal = refused(planned, operations.resume, number=PREPAID, today=date(2011, 11, 1))

    assert refusal.code == "TOPUP_REFUSED_PHASE"
    assert_explains(refusal.message, Phase.TOPUPS_REFUSED, date(2011, 10, 1))
    line = line_of(planned, PREPAID)
    assert (line["status"], line["suspension_reason"]) == ("suspended", "sunset")


def test_a_sunset_suspension_may_be_resumed_before_top_ups_are_refused(
    planned: sa.Engine,
) -> None:
    act(
        planned,
        operations.suspend,
        number=PREPAID,
        reason=SuspensionReason.SUNSET,
        today=date(2011, 8, 1),
    )

    outcome = act(planned, operations.resume, number=PREPAID, today=date(2011, 9, 1))

    assert outcome.status == "active"
    assert line_of(planned, PREPAID)["suspension_reason"] is None


def test_suspending_twice_or_after_the_switch_off_is_refused(planned: sa.Engine) -> None:
    twice = refused(
        planned,
        operations.suspend,
        number=ARREARS,
        reason=SuspensionReason.LOST,
        today=date(2011, 2, 1),
    )
    off = refused(
        planned,
        operations.suspend,
        number=PREPAID,
        reason=SuspensionReason.CUSTOMER,
        today=date(2012, 1, 10),
    )
    resume_off = refused(planned, operations.resume, number=PAID_UP, today=date(2012, 1, 10))

    assert twice.code == "LINE_ALREADY_SUSPENDED"
    assert "(arrears)" in twice.message
    assert off.code == resume_off.code == "LINE_SWITCHED_OFF"
    assert_explains(off.message, Phase.SWITCHED_OFF, date(2012, 1, 10))
    assert line_of(planned, PREPAID)["status"] == "active"


# --- terminate -----------------------------------------------------------------------------


def test_terminate_charges_the_days_used_and_refunds_the_rest_and_quarantines_the_number(
    hefei: sa.Engine,
) -> None:
    act(hefei, operations.top_up, number=PREPAID, amount_fen=5000, today=date(2011, 2, 1), key="t")
    fee = line_of(hefei, PREPAID)["monthly_fee_fen"]
    used = fee * 9 // 28  # 1-9 February, of 28 days
    refund = 6250 - used

    outcome = act(hefei, operations.terminate, number=PREPAID, today=date(2011, 2, 10), key="bye")

    assert outcome.status == "terminated"
    assert f"{refund // 100}.{refund % 100:02d} yuan to refund" in outcome.message
    assert entries_of(hefei, PREPAID, "charge") == [("2011-02-10", -used)]
    line = line_of(hefei, PREPAID)
    assert (line["status"], line["terminated_on"]) == ("terminated", "2011-02-10")
    assert line["balance_fen"] == line["ledger_fen"] == 0
    assert rows_of(
        hefei,
        "SELECT r.amount_fen, r.created_on, e.kind, e.amount_fen FROM refunds r"
        " JOIN ledger_entries e ON e.area_code = r.area_code AND e.period = r.entry_period"
        " AND e.cause = r.entry_cause AND e.line_id = r.line_id AND e.part = r.entry_part",
    ) == [(refund, "2011-02-10", "refund", -refund)]
    assert rows_of(hefei, "SELECT number, state, since, until FROM number_holds") == [
        (e164(PREPAID), "quarantine", "2011-02-10", "2011-05-11")
    ]
    assert violations_of(hefei) == []


def test_a_retried_termination_is_answered_as_done_and_refunds_nothing_twice(
    hefei: sa.Engine,
) -> None:
    first = act(hefei, operations.terminate, number=PREPAID, today=date(2011, 2, 10), key="bye")
    money_before, refunds_before = money(hefei), rows_of(hefei, "SELECT * FROM refunds")

    retry = act(hefei, operations.terminate, number=PREPAID, today=date(2011, 2, 11), key="bye")

    assert (first.replayed, retry.replayed) == (False, True)
    assert retry.status == "terminated"
    assert "already terminated on 2011-02-10 by this request" in retry.message
    assert money(hefei) == money_before
    assert rows_of(hefei, "SELECT * FROM refunds") == refunds_before
    # Another request (another key) for the closed number is still told there is no live line.
    other = refused(
        hefei, operations.terminate, number=PREPAID, today=date(2011, 2, 11), key="again"
    )
    assert other.code == "LINE_TERMINATED"
    assert violations_of(hefei) == []


def test_a_terminated_line_takes_no_more_operations(hefei: sa.Engine) -> None:
    act(hefei, operations.terminate, number=EMPTY, today=date(2011, 2, 10), key="bye")

    refusal = refused(
        hefei, operations.top_up, number=EMPTY, amount_fen=100, today=date(2011, 2, 11), key="late"
    )

    # The number is no longer live, and the answer says what became of its line.
    assert refusal.code == "LINE_TERMINATED"
    assert "0551-62000003 was terminated" in refusal.message
    assert "on 2011-02-10" in refusal.message


# --- the command line ----------------------------------------------------------------------


def test_cli_top_up_in_a_refusing_region_exits_3_and_prints_the_refusal_as_json(
    planned: sa.Engine, cli: RunCli
) -> None:
    before = money(planned)

    result = cli("top-up", PREPAID, "50", "--today", "2011-10-15", "--key", "cli-1", "--json")

    assert result.exit_code == 3, result
    payload = result.json()
    assert payload.keys() == {"refused", "code", "message"}
    assert (payload["refused"], payload["code"]) == (True, "TOPUP_REFUSED_PHASE")
    assert_explains(payload["message"], Phase.TOPUPS_REFUSED, date(2011, 10, 1))
    assert "Traceback" not in result.stderr
    assert money(planned) == before


def test_cli_top_up_before_the_refusal_is_applied(planned: sa.Engine, cli: RunCli) -> None:
    result = cli("top-up", PREPAID, "50", "--today", "2011-09-30", "--key", "cli-2", "--json")

    assert result.exit_code == 0, result
    assert result.json()["refused"] is False
    assert result.json()["balance"] == "62.50"
    assert line_of(planned, PREPAID)["balance_fen"] == 6250
