"""One function over many regions: in this process, or each region a task on a Dask cluster.

The caller reads the database and hands each region plain data (arrays, dataclasses), never a
session or an engine; the function is pure, so where it runs cannot change what it returns. When
the setting ``SUNSET_DASK_SCHEDULER`` names a scheduler (``tcp://host:8786``) every region is
submitted to it as a task of its own and the results are gathered in the caller's process;
otherwise the regions run here, one after another, and dask is not even imported. A scheduler
that cannot be reached is an error, not a quiet fallback: the operator asked for the cluster.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from sunset.config import get_settings
from sunset.errors import DomainError

if TYPE_CHECKING:
    from distributed import Client

Work = TypeVar("Work")
Result = TypeVar("Result")
SETTING = "SUNSET_DASK_SCHEDULER"


class SchedulerUnreachableError(DomainError):
    """The Dask scheduler named in the settings did not answer."""

    code = "SCHEDULER_UNREACHABLE"


class RegionTaskFailedError(DomainError):
    """A region's task raised (or its worker died); the message names the region(s)."""

    code = "REGION_TASK_FAILED"


def each_region(
    function: Callable[[Work], Result], work: Mapping[str, Work], *, what: str
) -> dict[str, Result]:
    """Run ``function`` on each region's ``work`` (keyed by area code), here or on the cluster
    the settings name; return the results in ``work``'s order. ``what`` names the job in task
    keys and errors (``simulate``, ``forecast``)."""
    settings = get_settings()
    if not work:
        return {}
    if settings.dask_scheduler:
        return _on_cluster(
            function,
            work,
            what=what,
            address=settings.dask_scheduler,
            timeout=settings.dask_connect_seconds,
        )
    return {area: _here(function, area, item, what) for area, item in work.items()}


def _here(function: Callable[[Work], Result], area: str, item: Work, what: str) -> Result:
    try:
        return function(item)
    except Exception as exc:  # the same error as from the cluster, naming the region
        raise _failed(what, {area: exc}) from exc


def _on_cluster(
    function: Callable[[Work], Result],
    work: Mapping[str, Work],
    *,
    what: str,
    address: str,
    timeout: float,
) -> dict[str, Result]:
    from distributed import Client  # imported here: a second of imports nobody else pays

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachableError(
            f"no Dask scheduler answered at {address} within {timeout:g} s ({SETTING}; unset it"
            f" to run in this process): {exc}",
            details={"address": address, "setting": SETTING},
        ) from None
    with client:
        _wait_for_a_worker(client, address, timeout)
        run = uuid.uuid4().hex[:8]
        futures = {
            area: client.submit(function, item, key=task_key(what, area, run), pure=False)
            for area, item in work.items()
        }
        results: dict[str, Result] = {}
        failed: dict[str, BaseException] = {}
        for area, future in futures.items():  # every region's fate, not only the first failure
            try:
                results[area] = future.result()
            except Exception as exc:
                failed[area] = exc
    if failed:
        raise _failed(what, failed)
    return results


def _wait_for_a_worker(client: Client, address: str, timeout: float) -> None:
    """Refuse a scheduler without workers rather than wait for ever for one to come."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise SchedulerUnreachableError(
            f"the Dask scheduler at {address} ({SETTING}) has had no worker for {timeout:g} s:"
            f" start one (`dask worker {address}`) or unset the setting",
            details={"address": address, "setting": SETTING},
        ) from None


def task_key(what: str, area: str, run: str) -> str:
    """The name of a region's task on the cluster: the job, the region, the run.

    >>> task_key("simulate", "0551", "3f2a9c1d")
    'simulate-0551-3f2a9c1d'
    """
    return f"{what}-{area}-{run}"


def _failed(what: str, problems: Mapping[str, BaseException | None]) -> RegionTaskFailedError:
    first_area, first = next(iter(problems.items()))
    return RegionTaskFailedError(
        f"{what}: the task of region(s) {', '.join(problems)} failed"
        f" ({first_area}: {type(first).__name__}: {first})",
        details={"regions": list(problems)},
    )
