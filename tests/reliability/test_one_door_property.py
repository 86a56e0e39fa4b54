"""Random sequences of operations by random actors of two operators (#17): no actor changes or
learns anything of another operator's lines, no money moves above a limit without an approval
by someone else, and every committed write has exactly one audit entry."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.factories import import_file, line_row, noon, write_csv

from sunset.access.limits import money_limits
from sunset.access.rules import Actor
from sunset.access.vocabulary import MONEY_RANKS, MoneyKind, Role
from sunset.care.vocabulary import ComplaintKind, ComplaintStatus
from sunset.db import make_engine, session_scope
from sunset.errors import DomainError, NotFoundError
from sunset.usecases import approvals, care, operations
from sunset.usecases import lines as lines_uc

DAY = date(2011, 3, 10)
LINES = {
    "0551-62000001": "telecom",
    "0551-62000002": "telecom",
    "0551-62000003": "telecom",
    "010-60000001": "unicom",
    "010-60000002": "unicom",
    "010-60000003": "unicom",
}
ACTORS = [
    Actor(1, "agent.telecom", Role.AGENT, "telecom"),
    Actor(2, "supervisor.telecom", Role.SUPERVISOR, "telecom"),
    Actor(3, "agent.unicom", Role.AGENT, "unicom"),
    Actor(4, "supervisor.unicom", Role.SUPERVISOR, "unicom"),
    Actor(5, "admin.unicom", Role.ADMIN, "unicom"),
]
AMOUNTS = [100, 5_000, 99_900, 100_100, 499_900, 500_100, 1_500_000]  # fen
TEMPLATE: dict[str, Path] = {}
ACTION_KIND = {"line.top_up": "top_up", "line.terminate": "refund", "complaint.move": "credit"}


def _template(folder: Path) -> Path:
    """A migrated SQLite database holding both operators' lines, made once and copied."""
    if "db" not in TEMPLATE:
        path = folder / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        rows = [
            line_row(
                i,
                number=number,
                operator=operator,
                area_code=number.split("-")[0],
                customer_id=f"C{i}",
                balance=f"{500 * (i + 1)}.00",
            )
            for i, (number, operator) in enumerate(LINES.items())
        ]
        import_file(engine, write_csv(folder / "lines.csv", rows))
        engine.dispose()
        TEMPLATE["db"] = path
    return TEMPLATE["db"]


class TwoOperators(RuleBasedStateMachine):
    """The state of the world is the database; the model keeps only what the rules check."""

    def __init__(self) -> None:
        super().__init__()
        self.engine: sa.Engine | None = None
        self.complaints: dict[int, str] = {}  # id -> number
        self.pending: list[int] = []

    @initialize()
    def copy_world(self) -> None:
        folder = Path(FOLDER["path"])
        target = folder / f"run-{id(self)}.db"
        shutil.copyfile(_template(folder), target)
        self.engine = make_engine(f"sqlite:///{target}")

    def teardown(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    # --- what an actor does ------------------------------------------------------------------

    def _do(self, actor: Actor, number: str, action: Any, *, writes: bool = True) -> Any:
        """Run one use case and check isolation and the audit around it (a read writes no
        audit entry; a write, one, unless it was replayed or refused)."""
        assert self.engine is not None
        others = self._state(exclude=actor.operator)
        audited = self._audit_count()
        try:
            with session_scope(self.engine, write=True) as session:
                done = action(session)
        except NotFoundError as exc:
            # The one answer for a number that does not exist or is another operator's.
            assert exc.message in (
                f"no live line has the number {number}",
                f"no line ever held {number}",
            )
            done = None
        except DomainError:
            done = None
        assert self._state(exclude=actor.operator) == others
        wrote = writes and done is not None and not getattr(done, "replayed", False)
        assert self._audit_count() == audited + (1 if wrote else 0)
        return done

    @rule(
        actor=st.sampled_from(ACTORS),
        number=st.sampled_from(list(LINES)),
        amount=st.sampled_from(AMOUNTS),
        key=st.sampled_from(["k1", "k2", "k3"]),
    )
    def top_up(self, actor: Actor, number: str, amount: int, key: str) -> None:
        done = self._do(
            actor,
            number,
            lambda s: operations.top_up(
                s, actor, number=number, amount_fen=amount, key=key, today=DAY, now=noon(DAY)
            ),
        )
        if done is not None and done.approval is not None and done.approval not in self.pending:
            self.pending.append(done.approval)

    @rule(actor=st.sampled_from(ACTORS), number=st.sampled_from(list(LINES)))
    def look_up(self, actor: Actor, number: str) -> None:
        self._do(
            actor,
            number,
            lambda s: lines_uc.get_line(s, actor, number=number, today=DAY),
            writes=False,
        )

    @rule(
        actor=st.sampled_from(ACTORS),
        number=st.sampled_from(list(LINES)),
        key=st.sampled_from(["t1", "t2"]),
    )
    def terminate(self, actor: Actor, number: str, key: str) -> None:
        done = self._do(
            actor,
            number,
            lambda s: operations.terminate(
                s, actor, number=number, key=key, today=DAY, now=noon(DAY)
            ),
        )
        if done is not None and done.approval is not None and done.approval not in self.pending:
            self.pending.append(done.approval)

    @rule(
        actor=st.sampled_from(ACTORS),
        number=st.sampled_from(list(LINES)),
        credit=st.sampled_from([1_000, 30_000, 90_000]),
    )
    def complain_and_credit(self, actor: Actor, number: str, credit: int) -> None:
        opened = self._do(
            actor,
            number,
            lambda s: care.open_complaint(
                s,
                actor,
                number=number,
                kind=ComplaintKind.OTHER,
                text="没信号",
                today=DAY,
                now=noon(DAY),
            ),
        )
        if opened is None:
            return
        moved = self._do(
            actor,
            number,
            lambda s: care.move(
                s,
                actor,
                complaint_id=opened.id,
                status=ComplaintStatus.RESOLVED,
                key=f"c{opened.id}",
                today=DAY,
                now=noon(DAY),
                credit_fen=credit,
            ),
        )
        if moved is not None and moved.approval is not None:
            self.pending.append(moved.approval)

    @rule(
        actor=st.sampled_from(ACTORS),
        pick=st.integers(min_value=0, max_value=10),
        approve=st.booleans(),
    )
    def decide(self, actor: Actor, pick: int, approve: bool) -> None:
        if not self.pending:
            return
        approval = self.pending[pick % len(self.pending)]
        assert self.engine is not None
        audited = self._audit_count()
        try:
            with session_scope(self.engine, write=True) as session:
                if approve:
                    approvals.approve(session, actor, approval_id=approval, now=noon(DAY))
                else:
                    approvals.reject(session, actor, approval_id=approval, now=noon(DAY), note="no")
            self.pending.remove(approval)
            assert self._audit_count() == audited + 1
        except DomainError:
            assert self._audit_count() == audited

    # --- what must always hold ---------------------------------------------------------------

    @invariant()
    def no_money_above_a_limit_without_someone_elses_approval(self) -> None:
        if self.engine is None:
            return
        limits = money_limits()
        for user, action, amount, after in self._money_entries():
            if action == "approval.approve":
                maker = json.loads(after)["maker"]
                assert maker != user, "an approval by its own maker"
                continue
            role = next(a.role for a in ACTORS if a.name == user)
            allowed = limits.of(role)
            assert allowed is not None
            assert amount <= allowed.single_fen(MoneyKind(ACTION_KIND[action]))

    @invariant()
    def approvers_rank_above_makers(self) -> None:
        if self.engine is None:
            return
        for user, action, _, after in self._money_entries():
            if action != "approval.approve":
                continue
            approver = next(a for a in ACTORS if a.name == user)
            maker = next(a for a in ACTORS if a.name == json.loads(after)["maker"])
            top = max(MONEY_RANKS.values())
            mine, theirs = MONEY_RANKS[approver.role], MONEY_RANKS[maker.role]
            assert mine > theirs or mine == theirs == top
            assert approver.operator == maker.operator  # nobody decides another's money

    # --- reading the database ----------------------------------------------------------------

    def _state(self, *, exclude: str | None) -> list[tuple[Any, ...]]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT l.number, l.status, l.balance_fen, "
                        "(SELECT COUNT(*) FROM ledger_entries e WHERE e.line_id = l.id) "
                        "FROM lines l WHERE l.operator_code != :op ORDER BY l.id"
                    ),
                    {"op": exclude or ""},
                )
            ]

    def _audit_count(self) -> int:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT COUNT(*) FROM audit_log")).scalar_one())

    def _money_entries(self) -> list[tuple[str, str, int, str]]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return [
                (r[0], r[1], int(r[2]), r[3])
                for r in conn.execute(
                    sa.text(
                        "SELECT user_name, action, amount_fen, after FROM audit_log "
                        "WHERE amount_fen IS NOT NULL"
                    )
                )
            ]


FOLDER: dict[str, str] = {}


def test_two_operators_random_actors_keep_isolation_limits_and_audit(tmp_path: Path) -> None:
    FOLDER["path"] = str(tmp_path)
    TEMPLATE.clear()
    machine = TwoOperators.TestCase
    machine.settings = settings(
        max_examples=12,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine().runTest()
