"""Benchmark the web over loopback: the lines API, the agent's line page and the overview.

    .venv/bin/python benchmarks/web.py --database sqlite:///benchmarks/out/bench-20m.db

Needs a database holding an imported base (benchmarks/import_lines.py leaves one in
benchmarks/out/) and wrk (Debian's package; installed here when missing and run as root).
Starts `sunset serve --workers N` on a free loopback port, signs a benchmark agent in (a bearer
token for the API, a cookie session for the pages), then drives each target with wrk over random
live numbers of the agent's operator and prints requests/s and the latency percentiles wrk
measures (p50, p99). The overview is also timed one request at a time (p50/p99/max).

So that the overview has something to show, the first run records month-end snapshots for
2010-10 to 2010-12 (months the cycle never records) and sets the demo's retirement plans where
the database has none; both are committed (and timed, once).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import httpx
import yaml
from sqlalchemy import func, select

from sunset.access import repository as access_repo
from sunset.access import service as access
from sunset.access.vocabulary import Role
from sunset.cycle import repository as cycle_repo
from sunset.db import make_engine, session_scope
from sunset.lines.models import Line
from sunset.lines.vocabulary import LIVE_STATUSES
from sunset.plans import service as plans_service
from sunset.stats.jobs import record_month_end
from sunset.stats.models import MonthlySnapshot
from sunset.synth.scenario import PLANS as DEMO_PLANS

AGENT, PASSWORD = "bench.agent", "bench password 2011"
LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
math.randomseed(7)
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {%(headers)s})
end
"""


def sample_numbers(url: str, operator: str, n: int, seed: int) -> list[str]:
    """Pick ``n`` live numbers of ``operator`` at random (by id: no region favoured)."""
    engine = make_engine(url)
    rng = random.Random(seed)
    with session_scope(engine) as session:
        top = session.scalar(select(func.max(Line.id))) or 0
        ids = rng.sample(range(1, top + 1), min(n * 3, top))
        query = select(Line.number).where(
            Line.id.in_(ids), Line.status.in_(LIVE_STATUSES), Line.operator_code == operator
        )
        numbers = list(session.scalars(query))[:n]
    with session_scope(engine, write=True) as session:
        if access_repo.get_user_by_name(session, AGENT) is None:
            access.add_user(
                session,
                name=AGENT,
                role=Role.AGENT,
                operator=operator,
                password=PASSWORD,
                now=datetime.now(),
            )
    engine.dispose()
    return numbers


SNAPSHOT_MONTHS = (date(2010, 10, 31), date(2010, 11, 30), date(2010, 12, 31))


def prepare_overview(url: str) -> None:
    """Give the overview its inputs: month-end snapshots and plans (once per database)."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        has = session.scalar(select(func.count()).select_from(MonthlySnapshot))
        areas = cycle_repo.areas_with_lines(session)
    if not has:
        started = time.perf_counter()
        for day in SNAPSHOT_MONTHS:
            for area_code in areas:
                with session_scope(engine, write=True) as session:
                    record_month_end(session, area_code=area_code, day=day)
        print(
            f"snapshots of {len(SNAPSHOT_MONTHS)} month-ends recorded in "
            f"{time.perf_counter() - started:.1f} s (once)"
        )
    with session_scope(engine, write=True) as session:
        if not plans_service.list_plans(session, today=date(2010, 12, 31)):
            rows = yaml.safe_load(DEMO_PLANS.read_text(encoding="utf-8"))["plans"]
            known = [r for r in rows if r["area_code"] in areas]
            plans_service.import_plans(
                session,
                rows=known,
                today=date(2010, 12, 31),
                now=datetime(2010, 12, 31, 18),
                actor="benchmark",
            )
    engine.dispose()


def start_server(url: str, port: int, workers: int, today: date) -> subprocess.Popen[bytes]:
    """Start `sunset serve` and wait until it answers."""
    env = {**os.environ, "SUNSET_DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "sunset",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--today",
        today.isoformat(),
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/auth/me", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def sign_in(base: str) -> tuple[str, str]:
    """Return a bearer token and a session cookie of the benchmark agent."""
    token = httpx.post(f"{base}/auth/token", data={"username": AGENT, "password": PASSWORD})
    token.raise_for_status()
    with httpx.Client(base_url=base) as browser:
        form = browser.get("/app/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf, "no CSRF field on the sign-in page"
        browser.post(
            "/app/login",
            data={
                "username": AGENT,
                "password": PASSWORD,
                "csrf_token": csrf.group(1),
                "next": "/app/",
            },
        )
        cookie = browser.cookies.get("sunset_session")
    assert cookie, "signing in gave no session cookie"
    return token.json()["access_token"], cookie


def wrk(
    base: str, paths: list[str], header: str, *, seconds: int, connections: int, folder: Path
) -> dict[str, float]:
    """Drive ``paths`` at random with wrk; return requests/s, p50 and p99 in ms, errors."""
    (folder / "paths.txt").write_text("\n".join(paths) + "\n")
    name, _, value = header.partition(": ")
    script = LUA % {"paths": folder / "paths.txt", "headers": f'["{name}"] = "{value}"'}
    (folder / "script.lua").write_text(script)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(folder / "script.lua"),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "non2xx": float(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out))
        else 0.0,
    }


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]", "", text)  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def one_at_a_time(base: str, path: str, cookie: str, n: int) -> dict[str, float]:
    """Time ``n`` sequential requests of one page: p50, p99, max in ms."""
    times = []
    with httpx.Client(base_url=base, cookies={"sunset_session": cookie}) as http:
        http.get(path).raise_for_status()
        for _ in range(n):
            started = time.perf_counter()
            http.get(path).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p99": times[int(len(times) * 0.99) - 1],
        "max": times[-1],
    }


def ensure_wrk() -> None:
    """Install Debian's wrk when it is missing (as root)."""
    if shutil.which("wrk"):
        return
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--operator", default="telecom")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2011, 9, 15))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    ensure_wrk()
    prepare_overview(args.database)
    numbers = sample_numbers(args.database, args.operator, 2000, seed=7)
    print(f"{len(numbers)} live {args.operator} numbers sampled; {args.workers} server workers")
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.database, args.port, args.workers, args.today)
    try:
        token, cookie = sign_in(base)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            api = wrk(
                base,
                [f"/lines/{n}" for n in numbers],
                f"Authorization: Bearer {token}",
                seconds=args.seconds,
                connections=args.connections,
                folder=folder,
            )
            _report("GET /lines/{number} (bearer)", api)
            page = wrk(
                base,
                [f"/app/lines/{n}" for n in numbers],
                f"Cookie: sunset_session={cookie}",
                seconds=args.seconds,
                connections=args.connections,
                folder=folder,
            )
            _report("GET /app/lines/{number} (agent's line page)", page)
        overview = one_at_a_time(base, "/app/", cookie, 200)
        print(
            f"GET /app/ (overview), one at a time: p50 {overview['p50']:.1f} ms, "
            f"p99 {overview['p99']:.1f} ms, max {overview['max']:.1f} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _report(name: str, found: dict[str, float]) -> None:
    print(
        f"{name}: {found['rps']:,.0f} requests/s, p50 {found['p50']:.1f} ms, "
        f"p99 {found['p99']:.1f} ms, non-2xx {found['non2xx']:.0f}"
    )


if __name__ == "__main__":
    main()
