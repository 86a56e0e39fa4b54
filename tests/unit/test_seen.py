"""SeenNumbers: which numbers came before, and on which row, across the chunks of one import."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sunset.kit.seen import IN_DATABASE, MAX_ROW, NOT_SEEN, SeenNumbers


def add(seen: SeenNumbers, pairs: list[tuple[int, int]]) -> list[int]:
    numbers = np.array([n for n, _ in pairs], dtype=np.int64)
    rows = np.array([r for _, r in pairs], dtype=np.int64)
    return seen.add(numbers, rows).tolist()


def test_a_number_twice_in_one_chunk_points_at_its_first_row() -> None:
    seen = SeenNumbers()
    assert add(seen, [(55162345678, 2), (13312345678, 3), (55162345678, 4)]) == [
        NOT_SEEN,
        NOT_SEEN,
        2,
    ]


def test_a_number_seen_in_an_earlier_chunk_points_at_that_row() -> None:
    seen = SeenNumbers()
    add(seen, [(55162345678, 2), (13312345678, 3)])
    assert add(seen, [(13300000000, 4), (55162345678, 5)]) == [NOT_SEEN, 2]
    assert add(seen, [(13312345678, 6)]) == [3]


def test_a_number_already_in_the_database_is_reported_as_such() -> None:
    seen = SeenNumbers()
    add(seen, [(55162345678, IN_DATABASE), (5652234567, IN_DATABASE)])
    assert add(seen, [(5652234567, 2), (13312345678, 3)]) == [IN_DATABASE, NOT_SEEN]


def test_it_counts_each_distinct_number_once() -> None:
    seen = SeenNumbers()
    add(seen, [(1, 2), (2, 3), (1, 4)])
    add(seen, [(2, 5), (3, 6)])
    assert len(seen) == 3


def test_row_numbers_beyond_its_capacity_are_refused_not_mixed_up() -> None:
    with pytest.raises(ValueError, match="row numbers above"):
        SeenNumbers().add(np.array([55162345678]), np.array([MAX_ROW + 1]))


def test_a_number_seen_earlier_and_twice_in_this_chunk_always_points_at_the_first_sighting() -> (
    None
):
    seen = SeenNumbers()
    add(seen, [(55162345678, IN_DATABASE)])
    add(seen, [(13312345678, 2)])
    assert add(
        seen, [(13312345678, 10), (13312345678, 11), (55162345678, 12), (55162345678, 13)]
    ) == [
        2,
        2,
        IN_DATABASE,
        IN_DATABASE,
    ]


# --- against a model: a plain dict of number -> first row ------------------------------------


@st.composite
def import_runs(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    """Numbers already stored, then chunks of numbers in file order (few distinct: many repeats)."""
    pool = st.integers(min_value=1, max_value=30).map(lambda k: 13300000000 + k * 7919)
    stored = draw(st.lists(pool, max_size=5, unique=True))
    chunks = draw(st.lists(st.lists(pool, min_size=0, max_size=12), min_size=1, max_size=6))
    return stored, chunks


@settings(max_examples=300, derandomize=True, deadline=None)
@example(run=([], [[13300007919], [13300007919, 13300007919]]))
@given(run=import_runs())
def test_seen_numbers_behave_like_a_dict_of_first_rows(
    run: tuple[list[int], list[list[int]]],
) -> None:
    stored, chunks = run
    seen, model = SeenNumbers(), {}
    if stored:
        seen.add(np.array(stored), np.full(len(stored), IN_DATABASE))
        model.update(dict.fromkeys(stored, IN_DATABASE))
    row = 2
    for chunk in chunks:
        rows = list(range(row, row + len(chunk)))
        row += len(chunk)
        expected = []
        for number, r in zip(chunk, rows, strict=True):
            expected.append(model.get(number, NOT_SEEN))
            model.setdefault(number, r)
        got = seen.add(np.array(chunk, dtype=np.int64), np.array(rows, dtype=np.int64)).tolist()
        assert got == expected
    assert len(seen) == len(model)


@settings(max_examples=200, deadline=None)
@given(run=import_runs())
def test_seen_numbers_flag_exactly_the_repeats_of_a_dict_model(
    run: tuple[list[int], list[list[int]]],
) -> None:
    """Which rows are duplicates (not which earlier row they name) matches the model."""
    stored, chunks = run
    seen, model = SeenNumbers(), set(stored)
    if stored:
        seen.add(np.array(stored), np.full(len(stored), IN_DATABASE))
    row = 2
    for chunk in chunks:
        rows = np.arange(row, row + len(chunk), dtype=np.int64)
        row += len(chunk)
        expected = []
        for number in chunk:
            expected.append(number in model)
            model.add(number)
        got = seen.add(np.array(chunk, dtype=np.int64), rows)
        assert (got != NOT_SEEN).tolist() == expected
