"""Kill `sunset import lines` with SIGKILL while it loads: the database holds nothing of it, and
the next import clears the scratch file the dead one left beside the database (gigabytes on a
national base) and imports normally. SQLite only: PostgreSQL loads with COPY, no scratch file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.factories import TODAY, count

from sunset.db import make_engine
from sunset.synth.generator import generate_lines

ROWS = 60_000


def _scratch_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".sunset-load-*"))


def test_a_killed_import_leaves_nothing_and_the_next_one_clears_its_scratch_file(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    make_engine(url).dispose()
    big, small = tmp_path / "big.csv", tmp_path / "small.csv"
    generate_lines(ROWS, seed=3, today=TODAY).write_csv(big)
    generate_lines(500, seed=4, today=TODAY, block=(1, 2)).write_csv(small)
    env = {**os.environ, "SUNSET_DATABASE_URL": url, "SUNSET_IMPORT_CHUNK_ROWS": "1000"}
    command = [sys.executable, "-m", "sunset", "import", "lines", "--today", str(TODAY)]

    importing = subprocess.Popen([*command, str(big)], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _scratch_files(tmp_path) and importing.poll() is None:
        if time.monotonic() > deadline:
            importing.kill()
            pytest.fail("the import never wrote a scratch file")
        time.sleep(0.005)
    importing.send_signal(signal.SIGKILL)
    importing.wait(timeout=30)
    assert importing.returncode == -signal.SIGKILL, "the import finished before it was killed"
    [left] = _scratch_files(tmp_path)

    engine = make_engine(url)
    try:
        assert count(engine, "lines") == count(engine, "import_batches") == 0
        again = subprocess.run(
            [*command, str(small)], env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr
        assert count(engine, "lines") == 500
    finally:
        engine.dispose()
    assert not left.exists()
    assert _scratch_files(tmp_path) == []
