"""A real sunset server on loopback, on its own database, for tests over HTTP and in a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
from tests.factories import NOW, import_file, line_row, set_plan, write_csv

from sunset.access import service as access
from sunset.access.vocabulary import Role
from sunset.db import make_engine, session_scope

STARTUP_TIMEOUT_S = 60
# The business day the server is pinned to: Chongqing refuses top-ups, Hefei has announced.
SERVED_DAY = date(2011, 9, 15)
PASSWORD = "correct horse battery"

# Accounts of the test world: name -> (role, operator)
ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "admin.all": (Role.ADMIN, None),
    "admin.telecom": (Role.ADMIN, "telecom"),
    "agent.telecom": (Role.AGENT, "telecom"),
    "agent.unicom": (Role.AGENT, "unicom"),
    "supervisor.telecom": (Role.SUPERVISOR, "telecom"),
    "planner.telecom": (Role.PLANNER, "telecom"),
    "engineer.telecom": (Role.ENGINEER, "telecom"),
    "regulator": (Role.REGULATOR, None),
    "subscriber": (Role.PUBLIC, None),
}

# Lines of the test world, by what tests call them.
CHONGQING_TELECOM = "023-60000001"  # region refusing top-ups; eligible for the Tianyi offer
CHONGQING_TELECOM_2 = "023-60000002"
HEFEI_TELECOM = "0551-62000001"  # announced only: top-ups still taken
HEFEI_TELECOM_2 = "0551-62000002"
HEFEI_TELECOM_LEAVING = "0551-62000006"  # terminated by a test
BEIJING_UNICOM = "010-60000001"  # another operator's line


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(engine: sa.Engine, folder: Path) -> None:
    """Fill a fresh database with the test world: plans, lines, accounts."""
    rows = [
        line_row(
            1,
            number=CHONGQING_TELECOM,
            area_code="023",
            customer_id="CQ1",
            activated_on="2006-05-01",
            balance="30.00",
            monthly_fee="25",
        ),
        line_row(
            2,
            number=CHONGQING_TELECOM_2,
            area_code="023",
            customer_id="CQ2",
            activated_on="2006-05-01",
            balance="8.00",
        ),
        line_row(3, number=HEFEI_TELECOM, customer_id="HF1"),
        line_row(4, number=HEFEI_TELECOM_2, customer_id="HF2"),
        line_row(6, number=HEFEI_TELECOM_LEAVING, customer_id="HF6", balance="15.00"),
        line_row(
            5,
            number=BEIJING_UNICOM,
            area_code="010",
            operator="unicom",
            customer_id="BJ1",
            balance="100.00",
        ),
    ]
    import_file(engine, write_csv(folder / "lines.csv", rows))
    set_plan(
        engine,
        "023",
        announced=date(2010, 12, 31),
        no_new_sales=date(2011, 3, 1),
        topups_refused=date(2011, 6, 1),
        switched_off=date(2011, 12, 31),
    )
    set_plan(engine, "0551", announced=date(2011, 8, 1), switched_off=date(2012, 1, 10))
    with session_scope(engine, write=True) as session:
        for name, (role, operator) in ACCOUNTS.items():
            access.add_user(
                session, name=name, role=role, operator=operator, password=PASSWORD, now=NOW
            )


@dataclass
class Served:
    """A running server: its base URL and the database behind it."""

    url: str
    db_url: str
    engine: sa.Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, user: str | None = None) -> httpx.Client:
        """Return an HTTP client, signed in with a bearer token as ``user`` when given."""
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def token(self, user: str) -> str:
        """Return a bearer token of ``user`` (signed in once per server)."""
        if user not in self.tokens:
            response = httpx.post(
                f"{self.url}/auth/token",
                data={"username": user, "password": PASSWORD},
                timeout=30,
            )
            response.raise_for_status()
            self.tokens[user] = response.json()["access_token"]
        return self.tokens[user]


def serve(
    db_url: str,
    folder: Path,
    *,
    day: date = SERVED_DAY,
    options: Sequence[str] = (),
) -> Iterator[Served]:
    """Seed ``db_url``, start ``sunset serve`` on it (with these command-line ``options``), yield
    it, and stop it."""
    engine = make_engine(db_url)
    seed(engine, folder)
    port = free_port()
    env = {**os.environ, "SUNSET_DATABASE_URL": db_url, "NO_COLOR": "1"}
    log = (folder / "server.log").open("w")
    command = ["serve", "--port", str(port), "--today", day.isoformat(), *options]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sunset", *command],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, folder / "server.log")
        yield Served(url=url, db_url=db_url, engine=engine)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        engine.dispose()


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sunset serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/auth/me", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"sunset serve did not answer within {STARTUP_TIMEOUT_S} s")
