"""Offers and migration on SQLite and PostgreSQL: every failing condition in words, the campaign
list from the same conditions, and a migration that moves all the money in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factories import (
    ACTOR,
    count,
    e164,
    import_file,
    line_of,
    line_row,
    noon,
    rows_of,
    violations_of,
    write_csv,
)

from sunset.config import get_settings
from sunset.cycle.daily import run_cycle
from sunset.db import session_scope
from sunset.errors import OperationRefusedError
from sunset.kit.sqlfunc import yuan_text
from sunset.lines import repository as lines_repo
from sunset.offers import jobs, repository, rules, service
from sunset.offers.service import MigrationRequest
from sunset.routing import service as routing
from sunset.usecases import operations

DAY = date(2011, 1, 20)
OLD = "023-61000000"  # Chongqing PHS since 2005, 12.50 yuan, 20 yuan a month
YOUNG = "023-61000001"  # joined 2010: too late for the Chongqing offer
NEW_NUMBER = "189 2300 0001"

CUSTOM = """
offers:
  - id: keep-it
    name: Keep your number on CDMA with your old tariff for two months
    operator: telecom
    valid_from: 2011-01-01
    conditions:
      regions: ["023"]
      networks: [phs]
      statuses: [active, suspended]
      activated_before: 2010-06-01
      no_owner_change_months: 6
      real_name: true
      no_arrears: true
      not_under_commitment: true
    outcome:
      operator: telecom
      network: cdma2000
      plans_yuan: [30]
      keep_number: true
      free_credit_yuan: 10
      keep_old_tariff_months: 2
"""


@pytest.fixture
def custom_offers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    path = tmp_path / "offers.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    monkeypatch.setenv("SUNSET_OFFERS_FILE", str(path))
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("SUNSET_OFFERS_FILE")
    get_settings.cache_clear()


def chongqing(i: int, **overrides: str) -> dict[str, str]:
    row = line_row(i, number=f"023-6{1000000 + i:07d}", area_code="023", customer_id=f"CQ{i}")
    row.update(overrides)
    return row


@pytest.fixture
def base(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    rows = [
        chongqing(0, activated_on="2005-03-01"),
        chongqing(1, activated_on="2010-03-01", owner_changed_on="2010-12-01"),
        chongqing(2, activated_on="2006-01-01", real_name="false"),
    ]
    import_file(engine, write_csv(tmp_path / "cq.csv", rows))
    return engine


def migrate(engine: sa.Engine, number: str = OLD, **overrides: str) -> object:
    request = MigrationRequest(
        **{
            "number": number,
            "offer_id": "chongqing-2009-tianyi",
            "key": "m-1",  # type: ignore[arg-type]
            "plan_yuan": "55",
            "new_number": NEW_NUMBER,
            **overrides,
        }
    )
    with session_scope(engine, write=True) as session:
        return operations.migrate(session, ACTOR, request=request, today=DAY, now=noon(DAY))


def test_offers_for_a_line_name_every_failing_condition(base: sa.Engine) -> None:
    with session_scope(base) as session:
        views = {v.id: v for v in service.offers_for(session, number=YOUNG, today=DAY)}
    cq, bj = views["chongqing-2009-tianyi"], views["beijing-unicom-upgrade"]
    assert not cq.eligible
    assert [r.code for r in cq.reasons] == ["OFFER_ACTIVATED_TOO_LATE", "OFFER_OWNER_CHANGED"]
    assert "activated on 2010-03-01" in cq.reasons[0].message
    assert "2010-12-01" in cq.reasons[1].message
    assert [r.code for r in bj.reasons] == ["OFFER_OTHER_OPERATOR", "OFFER_REGION"]
    with session_scope(base) as session:
        old = {v.id: v for v in service.offers_for(session, number=OLD, today=DAY)}
    assert old["chongqing-2009-tianyi"].eligible and old["chongqing-2009-tianyi"].reasons == []


def test_an_offer_outside_its_dates_says_so(base: sa.Engine) -> None:
    with session_scope(base) as session:
        views = {v.id: v for v in service.offers_for(session, number=OLD, today=date(2013, 1, 1))}
    assert [r.code for r in views["chongqing-2009-tianyi"].reasons] == ["OFFER_CLOSED"]


def test_migration_moves_the_whole_balance_and_retires_the_old_line(base: sa.Engine) -> None:
    view = migrate(base)
    old, new = line_of(base, OLD), line_of(base, NEW_NUMBER)
    assert old["status"] == "migrated" and old["ledger_fen"] == 0 and old["balance_fen"] == 0
    days_used = 2000 * 19 // 31  # January 1-19 at 20 yuan a month
    assert new["balance_fen"] == new["ledger_fen"] == 1250 - days_used
    assert (new["operator_code"], new["network_code"], new["status"]) == (
        "telecom",
        "cdma2000",
        "active",
    )
    assert new["monthly_fee_fen"] == 5500
    assert str(new["commitment_until"]) == "2012-01-20"
    assert view.handset_subsidy_yuan == "300.00"  # type: ignore[attr-defined]
    assert rows_of(
        base, "SELECT state, until FROM number_holds WHERE number = :n", n=e164(OLD)
    ) == [("quarantine", "2011-04-20")]
    assert violations_of(base) == []


def test_the_same_key_migrates_once(base: sa.Engine) -> None:
    first, again = migrate(base), migrate(base)
    assert not first.replayed and again.replayed  # type: ignore[attr-defined]
    assert count(base, "migrations") == 1
    assert violations_of(base) == []


def test_a_refused_migration_changes_nothing(base: sa.Engine) -> None:
    entries, lines = count(base, "ledger_entries"), count(base, "lines")
    with pytest.raises(OperationRefusedError) as refused:
        migrate(base, number=YOUNG)
    assert refused.value.code == "OFFER_NOT_ELIGIBLE"
    assert "activated before 2009-01-01" in refused.value.message
    # Eligible, but the new number is already taken: found only after the old line was charged,
    # retired and its balance moved. The transaction leaves none of that behind.
    with pytest.raises(OperationRefusedError) as taken:
        migrate(
            base, new_number="023-61000002".replace("023-6", "1892300").replace("-", "")[:0] + YOUNG
        )
    assert taken.value.code == "NUMBER_IN_USE"
    assert line_of(base, OLD)["status"] == "active" and line_of(base, OLD)["balance_fen"] == 1250
    assert (count(base, "ledger_entries"), count(base, "lines"), count(base, "migrations")) == (
        entries,
        lines,
        0,
    )


def test_a_kept_number_moves_to_the_new_line_and_the_old_tariff_ends_on_time(
    base: sa.Engine, custom_offers: None
) -> None:
    migrate(base, offer_id="keep-it", plan_yuan="30", new_number="")
    new = line_of(base, OLD)
    assert (new["network_code"], new["monthly_fee_fen"]) == ("cdma2000", 2000)
    assert new["balance_fen"] == 1250 - 2000 * 19 // 31 + 1000  # plus the free credit
    assert count(base, "number_holds") == 0  # the number never left service
    run_cycle(base, until=date(2011, 4, 30), start=DAY)
    assert line_of(base, OLD)["monthly_fee_fen"] == 3000  # from 2011-04-01
    charges = rows_of(
        base,
        "SELECT e.period, e.amount_fen FROM ledger_entries e"
        " JOIN lines l ON l.id = e.line_id WHERE l.number = :n AND l.status = 'active'"
        " AND e.kind = 'charge' ORDER BY e.period",
        n=e164(OLD),
    )
    assert [amount for _, amount in charges][-3:] == [-2000, -2000, -3000]  # February, March, April
    assert violations_of(base) == []


def test_forwarding_keeps_the_old_number_out_of_the_pool(engine: sa.Engine, tmp_path: Path) -> None:
    row = line_row(0, number="010-61000000", area_code="010", operator="unicom", customer_id="B0")
    import_file(engine, write_csv(tmp_path / "bj.csv", [row]))
    migrate(
        engine,
        number="010-61000000",
        offer_id="beijing-unicom-upgrade",
        plan_yuan="66",
        new_number="186 0100 0000",
    )
    holds = rows_of(
        engine, "SELECT until FROM number_holds WHERE number = :n", n=e164("010-61000000")
    )
    assert holds == [("2012-06-30",)]  # calls to the old number ring on the new phone until then
    with session_scope(engine) as session:
        during = routing.route(session, number="010-61000000", at=datetime(2012, 6, 30, 23, 59))
        after = routing.route(session, number="010-61000000", at=datetime(2012, 7, 1, 0, 0))
    assert (during.operator_code, during.network_code) == ("unicom", "wcdma")
    assert during.forward_to == e164("186 0100 0000")
    assert after.forward_to is None
    assert violations_of(engine) == []


def test_a_campaign_list_holds_exactly_the_eligible_lines(base: sa.Engine, tmp_path: Path) -> None:
    with session_scope(base) as session:
        offer = service.get_offer_or_raise("chongqing-2009-tianyi")
        result = jobs.build_campaign(session, offer=offer, today=DAY, out=tmp_path / "c.csv")
    text = (tmp_path / "c.csv").read_text(encoding="utf-8").splitlines()
    assert result.lines == 2 and len(text) == 3  # the line of 2005 and the one not real-name
    assert text[0].startswith("number,area_code,operator,network,customer_ref")
    assert text[1].startswith(e164(OLD)) and ",12.50," in text[1]


def test_the_eligible_numbers_come_in_number_order_however_the_lines_lie_on_disk(
    engine: sa.Engine, tmp_path: Path
) -> None:
    # The demo draws its migrations from this list by seed: another order, another story.
    import_file(engine, write_csv(tmp_path / "cq.csv", [chongqing(i) for i in range(40)]))
    with engine.begin() as conn:  # on PostgreSQL, a new row version further along the page
        conn.execute(sa.text("UPDATE lines SET balance_fen = balance_fen WHERE id % 2 = 0"))
    offer = service.get_offer_or_raise("chongqing-2009-tianyi")
    with session_scope(engine) as session:
        numbers = service.eligible_numbers(session, offer=offer, today=DAY)
    assert numbers == sorted(e164(chongqing(i)["number"]) for i in range(40))


# --- one definition, two uses: the SQL of the campaign list agrees with the one-line check ---

FACT_LINES = st.lists(
    st.fixed_dictionaries(
        {
            "area_code": st.sampled_from(["023", "0551"]),
            "operator_code": st.sampled_from(["telecom", "unicom"]),
            "network_code": st.sampled_from(["phs", "cdma2000"]),
            "status": st.sampled_from(["active", "suspended", "terminated"]),
            "activated_on": st.dates(date(2009, 11, 1), date(2010, 8, 1)),
            "owner_changed_on": st.none() | st.dates(date(2010, 5, 1), date(2011, 1, 20)),
            "commitment_until": st.none() | st.dates(date(2011, 1, 1), date(2011, 2, 15)),
            "unpaid_bills": st.integers(0, 2),
            "real_name": st.booleans(),
        }
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=FACT_LINES)
def test_the_campaign_query_and_the_one_line_check_agree(
    engine: sa.Engine, custom_offers: None, lines: list[dict[str, object]]
) -> None:
    offer = service.get_offer_or_raise("keep-it")
    with session_scope(engine) as session:
        session.execute(sa.text("DELETE FROM lines"))
        for i, line in enumerate(lines):
            _insert(session, i, line)
    with session_scope(engine) as session:
        predicates = [c.predicate for c in rules.conditions(offer, DAY)]
        listed = {
            line.split(",")[0]
            for chunk in repository.campaign_lines(
                session, repository.campaign_query(predicates), chunk=7
            )
            for line in chunk
        }
        ids = session.execute(sa.text("SELECT id, number FROM lines")).all()
        checked = {
            number
            for line_id, number in ids
            if not [
                r for r in rules.offer_refusals(offer, lines_repo.facts_of(session, line_id), DAY)
            ]
        }
    assert listed == checked


def _insert(session: sa.orm.Session, i: int, line: dict[str, object]) -> None:
    status = line["status"]
    session.execute(
        sa.text(
            "INSERT INTO lines (area_code, number, operator_code, network_code, customer_ref,"
            " real_name, status, suspension_reason, activated_on, owner_changed_on,"
            " commitment_until, unpaid_bills, monthly_fee_fen, prepaid, vulnerable, balance_fen,"
            " barred_outgoing)"
            " VALUES (:area_code, :number, :operator_code, :network_code, :c, :real_name, :status,"
            " :reason,"
            " :activated_on, :owner_changed_on, :commitment_until, :unpaid_bills,"
            " 2000, true, 'none', 0, false)"
        ),
        {
            **line,
            "number": f"+862361{i:06d}",
            "c": f"C{i}",
            "reason": "customer" if status == "suspended" else None,
        },
    )


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (-5, "-0.05"),
        (1250, "12.50"),
        (-1250, "-12.50"),
        (123456789, "1234567.89"),
    ],
)
def test_the_database_writes_fen_as_exact_yuan(engine: sa.Engine, fen: int, text: str) -> None:
    with engine.connect() as conn:
        assert conn.execute(sa.select(yuan_text(sa.literal(fen, sa.BigInteger)))).scalar() == text


def test_a_migration_dated_inside_a_month_the_cycle_has_charged_is_refused(
    base: sa.Engine,
) -> None:
    run_cycle(base, until=date(2011, 1, 31), start=date(2011, 1, 1))
    entries = count(base, "ledger_entries")
    with pytest.raises(OperationRefusedError) as refused:
        migrate(base)  # dated 2011-01-20, and January is charged
    assert refused.value.code == "DATE_BEFORE_CYCLE"
    assert "2011-01-31" in refused.value.message
    assert count(base, "ledger_entries") == entries
    assert line_of(base, OLD)["status"] == "active"
