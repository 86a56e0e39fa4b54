"""The batch lookup (block directory, halving steps) answers what a plain binary search does."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from sunset.routing.index import Target, from_arrays
from sunset.routing.rules import EPOCH

TARGETS: list[Target | None] = [
    None,
    *(Target("unicom", "wcdma", f"D{i}", "port") for i in range(5)),
]


@pytest.mark.parametrize("size", [0, 1, 1_000, 60_000])
def test_batch_lookups_agree_with_single_lookups(size: int) -> None:
    rng = np.random.default_rng(size)
    # Clustered like real numbering: a few Hefei blocks, so blocks of the directory are uneven.
    nsn = np.uint64(55162000000) + rng.integers(0, 5_000, size, dtype=np.uint64) * np.uint64(97)
    minutes = rng.integers(21_000_000, 23_000_000, size, dtype=np.uint64)
    index = from_arrays(nsn, minutes, rng.integers(1, 6, size, dtype=np.int16), TARGETS)
    known = nsn[rng.integers(0, size, 500)] if size else np.empty(0, dtype=np.uint64)
    query = np.concatenate([known, np.uint64(55162000000) + rng.integers(0, 600_000, 500)])
    at = rng.integers(20_000_000, 24_000_000, len(query), dtype=np.uint64)

    codes = index.lookup(query.astype(np.uint64), at)

    singles = [
        index.code_of(f"+86{int(n)}", EPOCH + timedelta(minutes=int(m)))
        for n, m in zip(query, at, strict=True)
    ]
    assert codes.tolist() == singles
    if size:
        assert (codes != 0).any()
