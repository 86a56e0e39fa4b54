"""Writes on data servers that stand or fall with the coordinator's transaction.

An import writes each local network on the server that holds it, and an archive takes a month
out of every server's ledger; each stays all or none: each data server's share is written in a
transaction of its own, prepared once written (PostgreSQL's ``PREPARE TRANSACTION``: durable,
its locks held, neither committed nor undone), and committed after the coordinator's
transaction commits, rolled back after it ends otherwise.

A prepared transaction is named after the record on the coordinator that decides it
(``gid_of``): the import batch of a file (``IMPORT``), the archive of a month (``ARCHIVE``).
If the process ends between the coordinator's commit and a server's (a crash, a server down at
that instant), ``finish_in_doubt`` settles the transaction from what the coordinator holds: the
record committed, the server's share commits; no record, it is rolled back. While the write
runs, an advisory lock on the coordinator marks it as in flight, so that nothing settles it
early.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import TwoPhaseTransaction
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from sunset.errors import OperationRefusedError

from .routing import Layout, is_down, said

log = logging.getLogger(__name__)

PREFIX = "sunset_"
LOCK_CLASS = 0x5E7  # advisory locks of writes in flight: (LOCK_CLASS, hashtext(gid))
IMPORT = "import"  # key: the file's SHA-256 (a file is imported once: IMPORT_DUPLICATE_FILE)
ARCHIVE = "archive"  # key: the month's period (archived once)
# Whether the coordinator committed the write a prepared transaction is a share of.
DECIDED_BY = {
    IMPORT: "SELECT count(*) FROM public.import_batches"
    " WHERE kind = 'lines' AND file_sha256 = :key",
    ARCHIVE: "SELECT count(*) FROM public.ledger_archives WHERE period = CAST(:key AS integer)",
}


def gid_of(kind: str, key: str) -> str:
    """The name of a data server's share of a write of ``kind`` (``IMPORT``, ``ARCHIVE``)."""
    return f"{PREFIX}{kind}_{key}"


def _decision(gid: str) -> tuple[str, str] | None:
    """The SQL that tells whether ``gid``'s write committed, and its key (None: not ours)."""
    kind, _, key = gid.removeprefix(PREFIX).partition("_")
    sql = DECIDED_BY.get(kind)
    return (sql, key) if gid.startswith(PREFIX) and sql else None


def mark_in_flight(coordinator: Session, gid: str) -> None:
    """Hold, until the coordinator's transaction ends, the lock that says ``gid`` is in flight."""
    coordinator.execute(
        text("SELECT pg_advisory_xact_lock(:c, hashtext(:g))"), {"c": LOCK_CLASS, "g": gid}
    )


def refuse_without_two_phase(
    connection: Connection, server: str, *, field: str | None = None
) -> None:
    """Refuse a data server that cannot prepare a transaction (``max_prepared_transactions`` is
    0, PostgreSQL's default): an import or an archive could not stay all or none there."""
    setting = connection.exec_driver_sql("SHOW max_prepared_transactions").scalar_one()
    if int(setting) == 0:
        raise OperationRefusedError(
            f"server {server} has max_prepared_transactions = 0: an import or an archive "
            "writes there in a prepared transaction, committed with the coordinator's. Set it "
            "(say 64) in its postgresql.conf and restart it.",
            code="TWO_PHASE_DISABLED",
            field=field,
        )


@dataclass
class _Share:
    server: str
    connection: Connection
    transaction: TwoPhaseTransaction | None = None
    session: Session | None = None

    prepared: bool = False

    def prepare(self) -> None:
        assert self.session is not None and self.transaction is not None
        self.session.flush()
        self.transaction.prepare()
        self.prepared = True

    def end(self, *, commit: bool) -> None:
        """Commit or roll back this share, then let its connection go. One not prepared yet is
        only ever undone: its connection is dropped, and the server undoes it."""
        try:
            if self.prepared and self.transaction is not None:
                if commit:
                    self.transaction.commit()
                else:
                    self.transaction.rollback()
            else:
                self.connection.invalidate()
        finally:
            if self.session is not None:
                self.session.close()
            self.connection.close()


@dataclass
class ServerShares:
    """The open transactions of one coordinator transaction on its data servers."""

    plan: Layout
    gid: str
    shares: dict[str, _Share] = field(default_factory=dict)

    def session_of(self, server: str) -> Session:
        session = self.shares[server].session
        assert session is not None
        return session


@contextmanager
def shares_on(
    coordinator: Session, plan: Layout, servers: list[str], gid: str
) -> Iterator[ServerShares]:
    """Open a transaction named ``gid`` on each of ``servers``; on leaving without an error,
    prepare each and let the coordinator's transaction decide them (committed after its commit,
    rolled back after its end otherwise); on an error, roll each back.

    A server that cannot be reached refuses the whole write (``SERVER_DOWN``): nothing written
    anywhere.
    """
    mark_in_flight(coordinator, gid)
    shares = ServerShares(plan, gid)
    try:
        for server in servers:
            try:
                share = _Share(server, plan.engine_of(server).connect())
            except DBAPIError as error:
                if not is_down(error):
                    raise
                raise _refusal([server], error) from error
            shares.shares[server] = share
            refuse_without_two_phase(share.connection, server)
            share.connection.rollback()
            share.transaction = share.connection.begin_twophase(gid)
            share.session = Session(bind=share.connection)
        yield shares
        for share in shares.shares.values():
            share.prepare()
    except BaseException as error:
        _end_all(shares, commit=False)
        down = _server_down(shares, error)
        if down is not None:
            raise down from error
        raise
    _decided_by(coordinator, shares)


def _server_down(shares: ServerShares, error: BaseException) -> OperationRefusedError | None:
    """The refusal of a write a data server failed (None: the error is not a server's)."""
    if isinstance(error, OperationRefusedError):
        return None  # said already
    if not isinstance(error, DBAPIError) or not is_down(error):
        return None
    lost = [s.server for s in shares.shares.values() if s.connection.invalidated]
    return _refusal(lost, error) if lost else None


def _refusal(lost: list[str], error: DBAPIError) -> OperationRefusedError:
    return OperationRefusedError(
        f"server {', '.join(lost)} could not be reached ({said(error)}): nothing was written "
        "on any server. Run it again once it is back (`sunset cluster status`).",
        code="SERVER_DOWN",
        details={"down": lost},
    )


def _end_all(shares: ServerShares, *, commit: bool) -> None:
    """End every share; one that cannot be reached is left for ``finish_in_doubt``."""
    for share in shares.shares.values():
        try:
            share.end(commit=commit)
        except DBAPIError as error:
            log.warning(
                "%s on %s not %s (%s): settled by the next import or job",
                shares.gid,
                share.server,
                "committed" if commit else "rolled back",
                said(error),
            )


def _decided_by(coordinator: Session, shares: ServerShares) -> None:
    """Commit the prepared shares when the coordinator's transaction commits, roll them back
    when it ends otherwise."""
    committed: list[bool] = []
    ended: list[bool] = []
    root = coordinator.get_transaction()

    def after_commit(session: Session) -> None:
        if not ended:
            committed.append(True)

    def after_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction is not root or ended:
            return  # (a listener cannot be removed while the session calls its listeners)
        ended.append(True)
        _end_all(shares, commit=bool(committed))

    event.listen(coordinator, "after_commit", after_commit)
    event.listen(coordinator, "after_transaction_end", after_end)


def finish_in_doubt(plan: Layout, server: str, coordinator: Engine) -> dict[str, str]:
    """Settle the prepared transactions a process left on ``server`` (not those in flight):
    commit those whose write the coordinator holds, roll back the others. Return each one
    settled and how."""
    settled: dict[str, str] = {}
    with plan.engine_of(server).connect() as connection:
        for gid in map(str, connection.recover_twophase()):
            decision = _decision(gid)
            if decision is None:
                continue  # someone else's
            sql, key = decision
            with coordinator.connect() as deciding:
                free = deciding.execute(
                    text("SELECT pg_try_advisory_xact_lock(:c, hashtext(:g))"),
                    {"c": LOCK_CLASS, "g": gid},
                ).scalar_one()
                if not free:
                    continue  # its write is still running
                if deciding.execute(text(sql), {"key": key}).scalar_one():
                    connection.commit_prepared(gid, recover=True)
                    settled[gid] = "committed"
                else:
                    connection.rollback_prepared(gid, recover=True)
                    settled[gid] = "rolled back"
                deciding.rollback()
    return settled


def settle_in_doubt(plan: Layout) -> dict[str, dict[str, str]]:
    """Settle what imports left prepared on every data server that answers (``finish_in_doubt``):
    a prepared transaction holds its locks, and a job would wait for it. Return each server's."""
    settled: dict[str, dict[str, str]] = {}
    for server in sorted(plan.servers):
        try:
            done = finish_in_doubt(plan, server, plan.coordinator)
        except DBAPIError as error:
            if not is_down(error):
                raise
            continue  # its jobs are refused as SERVER_DOWN, and settled once it is back
        if done:
            settled[server] = done
    return settled
