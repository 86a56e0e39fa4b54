"""Random sequences of activations, top-ups (keys sometimes reused), month-ends, suspensions,
resumptions, switch-offs, terminations and migrations (keeping the number or not) on random
dates: after every step money is conserved, every balance is its ledger sum, every refund is a
refund entry, and `verify` finds nothing."""

from __future__ import annotations

import calendar
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.factories import (
    ACTOR,
    e164,
    import_file,
    line_row,
    noon,
    send_notice,
    set_plan,
    write_csv,
)

from sunset.config import get_settings
from sunset.cycle.daily import run_cycle
from sunset.db import make_engine, session_scope
from sunset.errors import DomainError
from sunset.integrity.service import verify
from sunset.lines.service import NewLine
from sunset.lines.vocabulary import SuspensionReason
from sunset.usecases import operations
from sunset.usecases.operations import MigrationRequest

# A number on no live line is not found, or (its line closed) explained: how and when.
GONE = ("NOT_FOUND", "LINE_TERMINATED", "LINE_SWITCHED_OFF", "LINE_MIGRATED", "LINE_PORTED_OUT")

START = date(2011, 1, 1)
AREAS = {
    "0551": [f"0551-620000{i:02d}" for i in range(6)],
    "0565": [f"0565-22345{i:02d}" for i in range(4)],
}
NUMBERS = [n for numbers in AREAS.values() for n in numbers]
IMPORTED = [*AREAS["0551"][:3], *AREAS["0565"][:2]]  # the template's live lines
OFFERS = """
offers:
  - id: keep
    name: same number on CDMA, old tariff for a month, 5 yuan credit
    operator: telecom
    valid_from: 2010-01-01
    conditions: {regions: ["0551", "0565"], networks: [phs], statuses: [active, suspended]}
    outcome: {operator: telecom, network: cdma2000, plans_yuan: [30], keep_number: true,
              free_credit_yuan: 5, keep_old_tariff_months: 1}
  - id: renumber
    name: a new mobile number; calls to the old one ring on it for a while
    operator: telecom
    valid_from: 2010-01-01
    conditions: {regions: ["0551", "0565"], networks: [phs], real_name: true}
    outcome: {operator: telecom, network: cdma2000, plans_yuan: [35], commitment_months: 12,
              forward_old_number_until: 2011-12-31}
"""


def build_template(folder: Path) -> Path:
    """A migrated SQLite file with five imported lines (three in Hefei, two in Chaohu)."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    rows = [
        line_row(0, prepaid="true", monthly_fee="20", balance="35"),
        line_row(1, prepaid="false", monthly_fee="30", balance="0"),
        line_row(2, prepaid="true", monthly_fee="70", balance="200"),
        line_row(3, number=AREAS["0565"][0], area_code="0565", prepaid="true", balance="8"),
        line_row(4, number=AREAS["0565"][1], area_code="0565", prepaid="false"),
    ]
    import_file(engine, write_csv(folder / "lines.csv", rows))
    engine.dispose()
    return path


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class MoneyMachine(RuleBasedStateMachine):
    template: ClassVar[Path]
    migrated: ClassVar[int] = 0  # migrations that went through, over every example

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sunset-money-"))
        shutil.copyfile(self.template, self.folder / "t.db")
        self.engine = make_engine(f"sqlite:///{self.folder}/t.db")
        self.today = START
        self.planned: set[str] = set()
        self.keys: list[str] = []
        self.used: set[tuple[str, str]] = set()
        self.fresh = 0

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------

    def attempt(self, allowed: set[str], operation: Any, **kwargs: Any) -> Any:
        """Run one operation; a refusal must be one of ``allowed`` and must change no money."""
        before = self.money()
        try:
            with session_scope(self.engine, write=True) as session:
                return operation(session, ACTOR, now=noon(self.today), **kwargs)
        except DomainError as exc:
            assert exc.code in allowed, f"{exc.code}: {exc.message}"
            assert self.money() == before
            return None

    def money(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            entries = conn.exec_driver_sql("SELECT COUNT(*) FROM ledger_entries").scalar_one()
            total = conn.exec_driver_sql("SELECT COALESCE(SUM(balance_fen), 0) FROM lines")
            return int(entries), int(total.scalar_one())

    def balance(self, number: str) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.text(
                    "SELECT balance_fen FROM lines WHERE number = :n"
                    " AND status IN ('active', 'suspended')"
                ),
                {"n": e164(number)},
            ).scalar_one_or_none()
        return None if value is None else int(value)

    def run_to(self, until: date) -> None:
        run_cycle(self.engine, until=until, start=START)
        self.today = until + timedelta(days=1)

    # --- rules ------------------------------------------------------------------------------

    @initialize(number=st.sampled_from(IMPORTED), offer=st.sampled_from(["keep", "renumber"]))
    def first_a_migration(self, number: str, offer: str) -> None:
        """Every sequence starts by migrating a line: random sequences alone left migrations out
        of a whole run about one time in six."""
        self.migrate(number, offer)

    @rule(days=st.integers(1, 45))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(
        number=st.sampled_from(NUMBERS),
        prepaid=st.booleans(),
        fee=st.sampled_from([0, 1000, 2000, 7000]),
    )
    def activate(self, number: str, prepaid: bool, fee: int) -> None:
        area = number[:4]
        new = NewLine(
            number=number,
            operator="telecom",
            network="phs",
            area_code=area,
            customer_ref=f"C-{number}",
            real_name=True,
            monthly_fee_fen=fee,
            prepaid=prepaid,
        )
        allowed = {
            "NUMBER_IN_USE",
            "NUMBER_IN_QUARANTINE",
            "ACTIVATION_REFUSED_NO_NEW_SALES",
            "LINE_SWITCHED_OFF",
        }
        if self.attempt(allowed, operations.activate, new=new, today=self.today):
            assert self.balance(number) == 0

    @rule(number=st.sampled_from(NUMBERS), amount=st.integers(1, 20_000), data=st.data())
    def top_up(self, number: str, amount: int, data: st.DataObject) -> None:
        if self.keys and data.draw(st.booleans(), label="reuse a key"):
            key = data.draw(st.sampled_from(self.keys), label="key")
        else:
            self.fresh += 1
            key = f"key-{self.fresh}"
        before = self.balance(number)
        allowed = {
            "TOPUP_REFUSED_PHASE",
            "LINE_SWITCHED_OFF",
            *GONE,
            "IDEMPOTENCY_KEY_REUSED",
        }
        outcome = self.attempt(
            allowed, operations.top_up, number=number, amount_fen=amount, today=self.today, key=key
        )
        if outcome is None:
            assert self.balance(number) == before
            return
        assert before is not None
        moved = 0 if outcome.replayed else amount
        assert self.balance(number) == before + moved
        if not outcome.replayed:
            # Keys are unique per local network: the same key may pay once in each.
            assert (number[:4], key) not in self.used
            self.used.add((number[:4], key))
            self.keys.append(key)

    @rule(number=st.sampled_from(NUMBERS), offer=st.sampled_from(["keep", "renumber"]))
    def migrate(self, number: str, offer: str) -> None:
        self.fresh += 1
        before = self.balance(number)
        request = MigrationRequest(
            number=number,
            offer_id=offer,
            key=f"mig-{self.fresh}",
            new_number=f"189{self.fresh:08d}",
        )
        allowed = {*GONE, "OFFER_NOT_ELIGIBLE", "NUMBER_IN_USE"}
        view = self.attempt(allowed, operations.migrate, request=request, today=self.today)
        event(f"migrate {offer}: {'refused' if view is None else 'done'}")
        if view is None:
            return
        MoneyMachine.migrated += 1
        assert before is not None
        moved = int(view.balance_moved_yuan.replace(".", ""))
        kept = self.balance(number)
        if offer == "keep":  # the number now lives on the new line, with the money and the credit
            assert kept == moved + 500
        else:
            assert kept is None

    @rule()
    def month_end_charges(self) -> None:
        self.run_to(month_end(self.today))

    @rule(number=st.sampled_from(NUMBERS), reason=st.sampled_from(list(SuspensionReason)))
    def suspend(self, number: str, reason: SuspensionReason) -> None:
        allowed = {*GONE, "LINE_ALREADY_SUSPENDED", "LINE_SWITCHED_OFF"}
        self.attempt(allowed, operations.suspend, number=number, reason=reason, today=self.today)

    @rule(number=st.sampled_from(NUMBERS))
    def resume(self, number: str) -> None:
        allowed = {
            *GONE,
            "LINE_NOT_SUSPENDED",
            "RESUME_REFUSED_ARREARS",
            "TOPUP_REFUSED_PHASE",
            "LINE_SWITCHED_OFF",
        }
        self.attempt(allowed, operations.resume, number=number, today=self.today)

    @rule(number=st.sampled_from(NUMBERS))
    def terminate(self, number: str) -> None:
        self.fresh += 1
        outcome = self.attempt(
            {*GONE}, operations.terminate, number=number, today=self.today, key=f"end-{self.fresh}"
        )
        if outcome is not None:
            assert self.balance(number) is None

    @precondition(lambda self: len(self.planned) < len(AREAS))
    @rule(
        data=st.data(),
        notice=st.integers(90, 150),
        refusal=st.one_of(st.none(), st.integers(0, 89)),
        after=st.integers(0, 40),
    )
    def switch_off(self, data: st.DataObject, notice: int, refusal: int | None, after: int) -> None:
        area = data.draw(st.sampled_from(sorted(set(AREAS) - self.planned)), label="area")
        off = self.today + timedelta(days=notice)
        set_plan(
            self.engine,
            area,
            today=self.today,
            announced=self.today,
            topups_refused=None if refusal is None else self.today + timedelta(days=refusal),
            switched_off=off,
        )
        send_notice(self.engine, area, self.today)
        self.planned.add(area)
        self.run_to(off + timedelta(days=after))

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def money_is_conserved_and_verify_finds_nothing(self) -> None:
        with session_scope(self.engine) as session:
            assert verify(session) == []
        with self.engine.connect() as conn:
            entries, balances, refunds, refund_entries, negative_prepaid = conn.exec_driver_sql(
                "SELECT (SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entries),"
                " (SELECT COALESCE(SUM(balance_fen), 0) FROM lines),"
                " (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds),"
                " (SELECT COALESCE(-SUM(amount_fen), 0) FROM ledger_entries"
                "  WHERE kind = 'refund'),"
                " (SELECT COUNT(*) FROM lines WHERE prepaid AND balance_fen < 0)"
            ).one()
        assert entries == balances
        assert refunds == refund_entries
        assert negative_prepaid == 0


def test_money_is_conserved_through_random_sequences_of_operations(
    tmp_path_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path_factory.mktemp("money")
    (folder / "offers.yaml").write_text(OFFERS, encoding="utf-8")
    monkeypatch.setenv("SUNSET_OFFERS_FILE", str(folder / "offers.yaml"))
    get_settings.cache_clear()
    MoneyMachine.template = build_template(folder)
    try:
        _run()
        assert MoneyMachine.migrated > 0, "no random sequence migrated a line"
    finally:
        monkeypatch.delenv("SUNSET_OFFERS_FILE")
        get_settings.cache_clear()


def _run() -> None:
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
