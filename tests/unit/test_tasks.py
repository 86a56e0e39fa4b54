"""Regions run in this process when no Dask scheduler is named: the same function, the same
results in the same order, a failure naming its region, and dask not even imported."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

from sunset.kit import tasks


def test_without_a_scheduler_each_region_runs_here_in_the_order_given() -> None:
    assert tasks.each_region(math.sqrt, {"0551": 4.0, "010": 9.0}, what="t") == {
        "0551": 2.0,
        "010": 3.0,
    }


def test_a_failing_region_is_named() -> None:
    with pytest.raises(tasks.RegionTaskFailedError, match=r"region\(s\) 0311 failed"):
        tasks.each_region(math.sqrt, {"0551": 4.0, "0311": -1.0}, what="simulate")


def test_running_here_imports_neither_dask_nor_distributed() -> None:
    code = (
        "import sys, math\n"
        "from sunset.stats import strategy, regions\n"
        "from sunset.kit import tasks\n"
        "tasks.each_region(math.sqrt, {'0551': 4.0}, what='t')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SUNSET_DASK_SCHEDULER"}
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert found.stdout.strip() == "[]"
