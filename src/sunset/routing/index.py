"""The number database in memory, for routers: sorted 64-bit keys, a 16-bit route code each.

An entry is one 64-bit key, ``national number << 27 | minutes since 1970`` (37 bits hold any
11-digit national number, 27 bits of minutes reach 2225), and a 16-bit code into a small table of
routes (operator, network, routing number, source): 10 bytes an entry, 1.4 GiB for 150 M, plus
a directory of blocks (at most 64 MiB, see ``Directory``). Sorted keys answer "the entry with the
greatest valid_from not after t" with one binary search: the last key not above
``number << 27 | t``, if it has the same number. Forwarding windows are rare: they sit in a
sparse side table keyed the same way.

The index holds the entries of the database and, for numbers before their first entry, the
activation of the live line holding them: it answers exactly what ``rules.resolve`` does (a
property test holds the two equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from sunset.routing.rules import (
    EPOCH,
    MAX_MINUTE,
    MINUTE_BITS,
    Route,
    RoutingNumbers,
    from_minutes,
    to_minutes,
    unassigned,
)
from sunset.routing.vocabulary import LINE_SOURCE, PORTED_SOURCES

UNASSIGNED = 0  # route code of "no entry": index 0 of the routes table
NO_END = np.iinfo(np.int32).max
_SHIFT = np.uint64(MINUTE_BITS)
_TARGET = ("operator_code", "network_code", "routing_number", "source")
_TEXT, _MOMENT = pl.String(), pl.Datetime("us")
ENTRY_SCHEMA: dict[str, pl.DataType] = {
    "area_code": _TEXT,
    "number": _TEXT,
    "valid_from": _MOMENT,
    "operator_code": _TEXT,
    "network_code": _TEXT,
    "routing_number": _TEXT,
    "source": _TEXT,
    "forward_to": _TEXT,
    "forward_until": _MOMENT,
}
_FORWARD = ("nsn", "minute", "forward_to", "forward_until")
_FORWARD_EMPTY = pl.DataFrame(
    schema={
        "nsn": pl.UInt64,
        "minute": pl.UInt64,
        "forward_to": pl.UInt64,
        "forward_until": pl.UInt64,
    }
)
LINE_SCHEMA: dict[str, pl.DataType] = {
    "number": _TEXT,
    "operator_code": _TEXT,
    "network_code": _TEXT,
    "activated_on": pl.Date(),
}


@dataclass(frozen=True)
class Target:
    """Where a route code sends calls."""

    operator_code: str
    network_code: str
    routing_number: str | None
    source: str

    @property
    def ported(self) -> bool:
        """Tell whether the number left the operator it was given by."""
        return self.source in PORTED_SOURCES


@dataclass(frozen=True)
class Directory:
    """Where each block of numbers starts among the sorted keys.

    A lookup then searches one block (a few hundred keys) instead of the whole array, and does
    it for a whole batch at once, one halving step at a time: the loads of a step are
    independent, so the memory system serves many at once (2-3x the rate of ``searchsorted``
    at 150M entries, for 64 MiB). Blocks split on whole numbers (the key's top bits), so every
    entry of a number is in its block.
    """

    shift: np.uint64
    starts: np.ndarray  # uint32: first key of each block, then len(keys)
    steps: int  # halvings that cover the largest block

    @classmethod
    def of(cls, keys: np.ndarray) -> Directory:
        """Build the directory of sorted keys: about one block per 8 keys, 256 to 2**24."""
        bits = min(max(len(keys).bit_length() - 3, 8), 24)
        shift = np.uint64(64 - bits)
        bounds = np.arange(1 << bits, dtype=np.uint64) << shift
        starts = np.append(np.searchsorted(keys, bounds), len(keys)).astype(np.uint32)
        return cls(shift, starts, int(np.diff(starts).max(initial=0)).bit_length())

    def last_not_above(self, keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """Return, for each query, the position of the last key not above it in its block's
        number range, or a position before the block (then it is another number's, or -1)."""
        block = (queries >> self.shift).astype(np.intp)
        lo = self.starts[block].astype(np.int64)
        hi = self.starts[block + 1].astype(np.int64)
        last = len(keys) - 1
        for _ in range(self.steps):
            mid = (lo + hi) >> 1
            right = (lo < hi) & (keys[np.minimum(mid, last)] <= queries)
            lo = np.where(right, mid + 1, lo)
            hi = np.where(right, hi, mid)
        return lo - 1


@dataclass
class RoutingIndex:
    """Sorted keys and route codes, plus the forwarding windows; see the module docstring."""

    keys: np.ndarray  # uint64, sorted
    codes: np.ndarray  # int16, code of each key
    targets: list[Target | None]  # code -> target; code 0 is None (unassigned)
    fwd_keys: np.ndarray  # uint64, sorted: keys of the entries with a forwarding window
    fwd_to: np.ndarray  # uint64 national number rung as well
    fwd_until: np.ndarray  # int32 minutes (NO_END: until the next entry)
    directory: Directory = field(init=False)

    def __post_init__(self) -> None:
        self.directory = Directory.of(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        arrays = (self.keys, self.codes, self.fwd_keys, self.fwd_to, self.fwd_until)
        return sum(a.nbytes for a in arrays) + self.directory.starts.nbytes

    def positions(self, numbers: np.ndarray, minutes: np.ndarray | int) -> np.ndarray:
        """Return the position of the entry in force for each (number, minute), or -1.

        ``numbers`` are national numbers as uint64 (``int(e164[3:])``).
        """
        queries = (numbers.astype(np.uint64) << _SHIFT) | np.asarray(minutes, dtype=np.uint64)
        if len(self.keys) == 0:
            return np.full(len(queries), -1, dtype=np.int64)
        found = self.directory.last_not_above(self.keys, queries)
        safe = np.maximum(found, 0)
        hit = (found >= 0) & ((self.keys[safe] >> _SHIFT) == (queries >> _SHIFT))
        return np.where(hit, found, -1)

    def lookup(self, numbers: np.ndarray, at: datetime | np.ndarray) -> np.ndarray:
        """Return the route code (into ``targets``) of each number at ``at`` (0: unassigned).

        ``at`` is one moment for all, or minutes since 1970 per number (``to_minutes``).
        """
        minutes = to_minutes(at) if isinstance(at, datetime) else at
        if len(self.keys) == 0:
            return np.full(len(numbers), UNASSIGNED, dtype=np.int16)
        found = self.positions(numbers, minutes)
        return np.where(found >= 0, self.codes[np.maximum(found, 0)], UNASSIGNED)

    def code_of(self, e164: str, at: datetime) -> int:
        """Return the route code of one number at a moment: the fast path for a single call."""
        query = (int(e164[3:]) << MINUTE_BITS) | to_minutes(at)
        # As np.uint64: numpy would compare a bare Python int as a float and lose the minutes.
        pos = int(self.keys.searchsorted(np.uint64(query), side="right")) - 1
        if pos < 0 or int(self.keys[pos]) >> MINUTE_BITS != query >> MINUTE_BITS:
            return UNASSIGNED
        return int(self.codes[pos])

    def route(self, e164: str, at: datetime) -> Route:
        """Answer like ``service.route`` (without the note on unassigned numbers)."""
        nsn, minute = int(e164[3:]), to_minutes(at)
        pos = int(self.positions(np.array([nsn], dtype=np.uint64), minute)[0])
        target = self.targets[int(self.codes[pos])] if pos >= 0 else None
        if target is None:
            return unassigned(e164)
        key = self.keys[pos]
        forward_to, forward_until = self._forwarding(key, minute)
        return Route(
            number=e164,
            assigned=True,
            operator_code=target.operator_code,
            network_code=target.network_code,
            routing_number=target.routing_number,
            ported=target.ported,
            source=target.source,
            valid_from=from_minutes(int(key) & MAX_MINUTE),
            forward_to=forward_to,
            forward_until=forward_until,
        )

    def _forwarding(self, key: np.uint64, minute: int) -> tuple[str | None, datetime | None]:
        at = int(self.fwd_keys.searchsorted(key))
        if at == len(self.fwd_keys) or self.fwd_keys[at] != key:
            return None, None
        until = int(self.fwd_until[at])
        if minute >= until:
            return None, None
        return f"+86{int(self.fwd_to[at])}", None if until == NO_END else from_minutes(until)


def build_index(
    entries: Iterable[pl.DataFrame], lines: Iterable[pl.DataFrame], numbers: RoutingNumbers
) -> RoutingIndex:
    """Build the index from frames of entries (columns of ``routing_entries``) and of live lines
    (number, operator_code, network_code, activated_on).

    Each frame becomes keys and codes as it comes, so memory holds the arrays and one frame,
    never every row as text.
    """
    coder = _Coder()
    keys, codes, forwards = [], [], [_FORWARD_EMPTY]
    # Every event counts and the latest one not after a moment decides (rules.resolve): a line
    # activated after an entry (a reissued number) wins over it. Lines come first so that, after
    # a stable sort, an entry at the same minute as a line sits after it and wins the tie.
    for frame in lines:
        events = _line_events(frame, numbers)
        keys.append(_keys(events))
        codes.append(coder.codes(events))
    for frame in entries:
        events = _entry_events(frame)
        keys.append(_keys(events))
        codes.append(coder.codes(events))
        forwards.append(events.filter(pl.col("forward_to").is_not_null()).select(_FORWARD))
    all_keys, all_codes = _sorted(_drained(keys, np.uint64), _drained(codes, np.int16))
    fwd = pl.concat(forwards, how="vertical_relaxed").sort("nsn", "minute")
    return RoutingIndex(
        keys=all_keys,
        codes=all_codes,
        targets=coder.targets,
        fwd_keys=_keys(fwd),
        fwd_to=fwd.get_column("forward_to").to_numpy().astype(np.uint64),
        fwd_until=fwd.get_column("forward_until").fill_null(NO_END).cast(pl.Int32).to_numpy(),
    )


class _Coder:
    """Give each distinct target a route code, frame after frame."""

    def __init__(self) -> None:
        self.targets: list[Target | None] = [None]
        self._codes: dict[Target, int] = {}

    def codes(self, events: pl.DataFrame) -> np.ndarray:
        table = events.select(_TARGET).unique(maintain_order=True)
        known = [self._code(Target(*row)) for row in table.iter_rows()]
        table = table.with_columns(code=pl.Series(known, dtype=pl.Int16))
        coded = events.select(_TARGET).join(
            table, on=list(_TARGET), how="left", nulls_equal=True, maintain_order="left"
        )
        return coded.get_column("code").to_numpy()

    def _code(self, target: Target) -> int:
        if target not in self._codes:
            if len(self.targets) > np.iinfo(np.int16).max:
                raise ValueError("the index holds at most 32,767 distinct routes")
            self._codes[target] = len(self.targets)
            self.targets.append(target)
        return self._codes[target]


def _drained(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """Concatenate the parts and let them go (they are as big as the result)."""
    joined = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
    parts.clear()
    return joined


def _sorted(keys: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort keys with their codes, unless they come sorted (an export comes in number order)."""
    if len(keys) > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
        # Codes follow the order; the keys sort in place rather than through a sorted copy:
        # at 150M entries that is 1.2 GB less at the peak for a few seconds more.
        order = np.argsort(keys, kind="stable")
        codes = codes[order]
        del order
        keys.sort()
    return keys, codes.astype(np.int16, copy=False)


def _minutes(column: pl.Expr) -> pl.Expr:
    return (column - EPOCH).dt.total_minutes().clip(0, MAX_MINUTE).cast(pl.UInt64)


def _entry_events(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        nsn=pl.col("number").str.slice(3).cast(pl.UInt64),
        minute=_minutes(pl.col("valid_from").cast(pl.Datetime("us"))),
        operator_code=pl.col("operator_code"),
        network_code=pl.col("network_code"),
        routing_number=pl.col("routing_number"),
        source=pl.col("source"),
        forward_to=pl.col("forward_to").str.slice(3).cast(pl.UInt64),
        forward_until=_minutes(pl.col("forward_until").cast(pl.Datetime("us"))),
    )


def _line_events(frame: pl.DataFrame, numbers: RoutingNumbers) -> pl.DataFrame:
    pairs = pl.DataFrame(
        {
            "operator_code": [o for o, _ in numbers],
            "network_code": [n for _, n in numbers],
            "routing_number": list(numbers.values()),
        },
        schema={"operator_code": pl.String, "network_code": pl.String, "routing_number": pl.String},
    )
    return frame.join(
        pairs, on=["operator_code", "network_code"], how="left", maintain_order="left"
    ).select(
        nsn=pl.col("number").str.slice(3).cast(pl.UInt64),
        minute=_minutes(pl.col("activated_on").cast(pl.Datetime("us"))),
        operator_code=pl.col("operator_code"),
        network_code=pl.col("network_code"),
        routing_number=pl.col("routing_number"),
        source=pl.lit(LINE_SOURCE),
    )


def _keys(events: pl.DataFrame) -> np.ndarray:
    nsn = events.get_column("nsn").to_numpy().astype(np.uint64)
    return (nsn << _SHIFT) | events.get_column("minute").to_numpy().astype(np.uint64)


def from_arrays(
    nsn: np.ndarray,
    minutes: np.ndarray,
    codes: np.ndarray,
    targets: list[Target | None],
) -> RoutingIndex:
    """Build the index from bare arrays (national numbers, minutes, route codes), for bulk
    loads that never were rows: sorts them unless they come sorted."""
    keys, codes = _sorted((nsn.astype(np.uint64) << _SHIFT) | minutes.astype(np.uint64), codes)
    empty = np.empty(0, dtype=np.uint64)
    return RoutingIndex(keys, codes, targets, empty, empty, np.empty(0, dtype=np.int32))
