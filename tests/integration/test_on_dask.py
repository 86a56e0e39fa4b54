"""The simulation and the regional forecasts on a Dask cluster (issue 20): with
``SUNSET_DASK_SCHEDULER`` naming a scheduler each local network is a task of its own there, and
the answer is the one this process gives with the same seed; a scheduler that does not answer is
an error naming it and the setting, and a task that fails names its region."""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import import_module

import numpy as np
import pytest
import sqlalchemy as sa
from distributed import Client, LocalCluster, get_task_stream
from tests.integration.test_forecast_regions import STAIRCASE, _month_ends
from tests.integration.test_simulate import history  # noqa: F401  (a fixture)

from sunset.config import get_settings
from sunset.db import session_scope
from sunset.kit import tasks
from sunset.plans.rules import PlanDates
from sunset.stats.regions import forecast_regions
from sunset.stats.simulation import (
    Base,
    Behaviour,
    OfferModel,
    combine,
    region_runs,
    run_region,
    simulate,
)
from sunset.stats.strategy import simulate_plans

START = date(2012, 1, 31)
AREAS = ["010", "020", "023", "0311", "0551"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes of one thread each: a task runs in another process than the test.
    The scheduler's HTTP server on a free port (with None it takes 8787, which another cluster
    on the machine may hold)."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as found:
        with Client(found.scheduler_address, set_as_default=False) as client:
            # What a long-running cluster has done long before: import the forecasting stack.
            client.run(import_module, "sunset.stats.regions")
            client.run(import_module, "statsmodels.tsa.exponential_smoothing.ets")
        yield found


@dataclass
class OnCluster:
    client: Client

    def regions_run(self, records: list[dict[str, object]], what: str) -> list[str]:
        """The regions of the ``what`` tasks the workers ran, from the scheduler's task stream."""
        keys = [str(r["key"]) for r in records]
        return sorted(k.split("-")[1] for k in keys if k.startswith(f"{what}-"))


@pytest.fixture
def on_cluster(cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[OnCluster]:
    """The settings name the cluster's scheduler (a client of the test's own watches it)."""
    monkeypatch.setenv("SUNSET_DASK_SCHEDULER", cluster.scheduler_address)
    get_settings.cache_clear()
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        yield OnCluster(client)
    get_settings.cache_clear()


def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUNSET_DASK_SCHEDULER", raising=False)
    get_settings.cache_clear()


def synthetic_base(lines: int = 20_000) -> Base:
    rng = np.random.default_rng(20)
    return Base(
        areas=AREAS,
        area=rng.integers(0, len(AREAS), lines, dtype=np.int32),
        prepaid=rng.random(lines) < 0.6,
        balance_fen=rng.integers(0, 20_000, lines, dtype=np.int64),
        fee_fen=rng.integers(1_000, 7_000, lines, dtype=np.int64),
        upkeep_fen={a: 1_000_000 for a in AREAS},
        no_service=rng.random(lines) < 0.05,
        offers=(OfferModel("a", START, None, 0.03, subsidy_fen=30_000, credit_fen=0),),
        eligible=(rng.random(lines) < 0.3).reshape(-1, 1),
    )


def test_the_simulation_runs_each_region_as_a_task_and_gives_the_same_outcome(
    on_cluster: OnCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = synthetic_base()
    plans = {
        "staggered": {
            a: PlanDates(topups_refused=date(2012, 2 + i, 1), switched_off=date(2012, 7 + i, 1))
            for i, a in enumerate(AREAS)
        },
        "keep": {},
    }
    behaviour = Behaviour(0.02, "test", leave_without_service=0.3)
    runs = region_runs(
        base, list(plans.items()), start=START, months=18, behaviour=behaviour, seed=5
    )

    with get_task_stream(on_cluster.client) as stream:
        by_region = tasks.each_region(run_region, runs, what="simulate")
    on_dask = [
        combine(
            name,
            [r[k] for r in by_region.values()],
            start=START,
            months=18,
            start_count=len(base.area),
        )
        for k, name in enumerate(plans)
    ]
    in_process(monkeypatch)
    here = [
        simulate(base, p, start=START, months=18, behaviour=behaviour, seed=5, name=name)
        for name, p in plans.items()
    ]

    assert on_cluster.regions_run(stream.data, "simulate") == sorted(AREAS)
    assert on_dask == here
    assert here[0].left["switch_off"] > 0 and here[0].remaining != here[1].remaining


def test_a_regions_outcome_does_not_depend_on_the_other_regions_in_the_base() -> None:
    base = synthetic_base()
    hefei = AREAS.index("0551")
    alone = Base(
        areas=["0551"],
        area=np.zeros(int((base.area == hefei).sum()), dtype=np.int32),
        prepaid=base.prepaid[base.area == hefei],
        balance_fen=base.balance_fen[base.area == hefei],
        fee_fen=base.fee_fen[base.area == hefei],
        upkeep_fen={"0551": 1_000_000},
        no_service=None if base.no_service is None else base.no_service[base.area == hefei],
        offers=base.offers,
        eligible=None if base.eligible is None else base.eligible[base.area == hefei],
    )
    behaviour = Behaviour(0.05, "test", leave_without_service=0.3)
    runs = region_runs(base, [("t", {})], start=START, months=6, behaviour=behaviour, seed=9)

    together = run_region(runs["0551"])[0]
    by_itself = simulate(alone, {}, start=START, months=6, behaviour=behaviour, seed=9, name="t")

    assert together.remaining == by_itself.remaining
    assert together.left == by_itself.left


def test_the_strategy_simulation_from_the_database_is_the_same_on_the_cluster(
    history: sa.Engine,  # noqa: F811
    on_cluster: OnCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off = [{"area_code": "0311", "network": "phs", "switched_off": "2012-02-15"}]
    asked = {
        "candidates": [("keep", []), ("off", off)],
        "today": date(2011, 12, 31),
        "months": 6,
        "seed": 7,
    }
    with get_task_stream(on_cluster.client) as stream, session_scope(history) as session:
        on_dask = simulate_plans(session, **asked)  # type: ignore[arg-type]
    in_process(monkeypatch)
    with session_scope(history) as session:
        here = simulate_plans(session, **asked)  # type: ignore[arg-type]

    assert on_cluster.regions_run(stream.data, "simulate") == ["0311", "0551"]
    assert on_dask == here


def test_every_regions_forecast_runs_as_a_task_and_is_the_one_of_this_process(
    engine: sa.Engine, on_cluster: OnCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _month_ends(engine, "0551", STAIRCASE)
    _month_ends(engine, "023", [int(v * 0.97**i) for i, v in enumerate([40_000] * 30)])
    _month_ends(engine, "0311", [9_000, 8_800, 8_500], first="2011-06")  # the national shape
    _month_ends(engine, "010", [5_000], first="2011-08")  # one month-end: nothing to forecast

    with get_task_stream(on_cluster.client) as stream, session_scope(engine) as session:
        on_dask = forecast_regions(session, horizon=24)
    in_process(monkeypatch)
    with session_scope(engine) as session:
        here = forecast_regions(session, horizon=24)

    assert on_cluster.regions_run(stream.data, "forecast") == ["023", "0311", "0551"]
    assert on_dask == here
    assert sorted(here.forecasts) == ["023", "0311", "0551"]
    assert here.forecasts["0311"].shape_from == "phs:national"
    assert list(here.skipped) == ["010"] and "needs two" in here.skipped["010"]


def test_a_region_forecast_in_the_batch_is_the_one_forecast_alone(engine: sa.Engine) -> None:
    from sunset.stats import service

    _month_ends(engine, "0551", STAIRCASE)
    _month_ends(engine, "0311", [9_000, 8_800, 8_500], first="2011-06")
    with session_scope(engine) as session:
        batch = forecast_regions(session, horizon=12)
        for area in ("0551", "0311"):
            assert batch.forecasts[area] == service.forecast_region(
                session, area_code=area, horizon=12
            )


def test_a_scheduler_that_does_not_answer_is_an_error_naming_it_and_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    monkeypatch.setenv("SUNSET_DASK_SCHEDULER", address)
    monkeypatch.setenv("SUNSET_DASK_CONNECT_SECONDS", "1")
    get_settings.cache_clear()
    try:
        with pytest.raises(tasks.SchedulerUnreachableError) as refused:
            tasks.each_region(math.sqrt, {"0551": 4.0}, what="simulate")
    finally:
        get_settings.cache_clear()

    assert address in refused.value.message
    assert "SUNSET_DASK_SCHEDULER" in refused.value.message
    assert refused.value.code == "SCHEDULER_UNREACHABLE"


def test_a_scheduler_without_workers_is_an_error_not_a_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        monkeypatch.setenv("SUNSET_DASK_SCHEDULER", empty.scheduler_address)
        monkeypatch.setenv("SUNSET_DASK_CONNECT_SECONDS", "1")
        get_settings.cache_clear()
        try:
            with pytest.raises(tasks.SchedulerUnreachableError, match="has had no worker"):
                tasks.each_region(math.sqrt, {"0551": 4.0}, what="simulate")
        finally:
            get_settings.cache_clear()


def test_a_task_that_fails_names_its_region_on_the_cluster_and_here(
    on_cluster: OnCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = {"0551": 4.0, "0311": -1.0, "010": 9.0}  # no square root of -1 for Shijiazhuang

    with pytest.raises(tasks.RegionTaskFailedError) as there:
        tasks.each_region(math.sqrt, work, what="forecast")
    in_process(monkeypatch)
    with pytest.raises(tasks.RegionTaskFailedError) as here:
        tasks.each_region(math.sqrt, work, what="forecast")

    for failed in (there.value, here.value):
        assert "region(s) 0311 failed" in failed.message
        assert "ValueError: math domain error" in failed.message
        assert failed.details == {"regions": ["0311"]}
