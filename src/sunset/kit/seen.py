"""Remember tens of millions of numbers to find duplicates, in bounded memory.

Each number (a national significant number, below 2**37) is packed with the row it was first seen
on (below 2**27) into one uint64, so a sorted run is sorted by number. Runs are merged like a
log-structured merge tree: adding a chunk costs a few binary searches and an occasional merge;
20 million numbers take 160 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

IN_DATABASE = -1
NOT_SEEN = 0
ROW_BITS = 27
MAX_ROW = (1 << ROW_BITS) - 1
_ROW_MASK = np.uint64(MAX_ROW)
_SHIFT = np.uint64(ROW_BITS)


@dataclass
class SeenNumbers:
    """Numbers seen so far and the row each was first seen on (``IN_DATABASE`` for stored ones)."""

    _runs: list[np.ndarray] = field(default_factory=list)

    def add(self, numbers: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Record ``numbers`` and return, per number, the row it was seen on before (or 0).

        ``rows`` are positive row numbers, or ``IN_DATABASE`` for numbers already stored.
        """
        numbers = np.asarray(numbers, dtype=np.uint64)
        stored = np.where(np.asarray(rows) == IN_DATABASE, 0, rows).astype(np.uint64)
        if stored.size and int(stored.max()) > MAX_ROW:
            raise ValueError(f"row numbers above {MAX_ROW} are not supported")
        order = np.argsort(numbers, kind="stable")
        keys, stored = numbers[order], stored[order]
        leader = np.ones(len(keys), dtype=bool)
        leader[1:] = keys[1:] != keys[:-1]
        group = np.cumsum(leader) - 1
        leaders = keys[leader]
        # The first sighting of each distinct number: in an earlier run (a number sits in one run
        # at most), else its first row in this chunk.
        seen_row = np.full(len(leaders), -2, dtype=np.int64)
        for run in self._runs:
            pos = np.minimum(np.searchsorted(run, leaders << _SHIFT), len(run) - 1)
            hit = ((run[pos] >> _SHIFT) == leaders) & (seen_row == -2)
            seen_row[hit] = (run[pos[hit]] & _ROW_MASK).astype(np.int64)
        chunk_first = stored[leader].astype(np.int64)
        earlier = np.where(
            seen_row[group] != -2, seen_row[group], np.where(leader, -2, chunk_first[group])
        )
        fresh = seen_row == -2
        self._push((leaders[fresh] << _SHIFT) | stored[leader][fresh])
        result = np.empty(len(numbers), dtype=np.int64)
        result[order] = np.select([earlier == -2, earlier == 0], [NOT_SEEN, IN_DATABASE], earlier)
        return result

    def _push(self, packed: np.ndarray) -> None:
        if len(packed) == 0:
            return
        self._runs.append(packed)
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            newer, older = self._runs.pop(), self._runs.pop()
            self._runs.append(np.sort(np.concatenate([older, newer]), kind="stable"))

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)
