"""The in-memory index answers exactly what `route()` answers, on random entries and moments."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import import_file, line_row, write_csv

from sunset.db import session_scope
from sunset.routing import service
from sunset.routing.index import UNASSIGNED

# Five numbers: two with live lines (activated 2005-03-01 and 2009-03-01), three without.
NUMBERS = ["0551-62000000", "0551-62000001", "0551-62000002", "0311-86000000", "0551-62000003"]
E164 = ["+86" + n.replace("-", "").removeprefix("0") for n in NUMBERS]
TARGETS = [("unicom", "wcdma"), ("telecom", "cdma"), ("mobile", "gsm"), ("unicom", "phs")]
START = datetime(2004, 1, 1)
HOURS = 24 * 365 * 9


@pytest.fixture
def lines_engine(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    rows = [line_row(0), line_row(1, activated_on="2009-03-01")]
    import_file(engine, write_csv(tmp_path / "lines.csv", rows))
    return engine


moments = st.builds(
    lambda h, m: START + timedelta(hours=h, minutes=m),
    st.integers(0, HOURS),
    st.integers(0, 59),
)
entries = st.lists(
    st.tuples(
        st.integers(0, len(NUMBERS) - 1),
        moments,
        st.sampled_from(TARGETS),
        st.sampled_from(["port", "migration", "import"]),
        st.one_of(st.none(), st.integers(1, 24 * 60)),  # forwarding window in hours, if any
    ),
    max_size=12,
    unique_by=lambda e: (e[0], e[1]),
)


def record(session: Session, spec: tuple[int, datetime, tuple[str, str], str, int | None]) -> None:
    which, valid_from, (operator, network), source, window = spec
    service.record_route(
        session,
        number=E164[which],
        operator_code=operator,
        network_code=network,
        valid_from=valid_from,
        source=source,
        forward_to="+8613312345678" if window else None,
        forward_until=valid_from + timedelta(hours=window) if window else None,
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=entries, queries=st.lists(st.tuples(st.integers(0, 4), moments), min_size=1))
def test_the_index_agrees_with_route_on_random_entries_and_moments(
    lines_engine: sa.Engine,
    specs: list[tuple[int, datetime, tuple[str, str], str, int | None]],
    queries: list[tuple[int, datetime]],
) -> None:
    with sessionmaker(bind=lines_engine)() as session:
        for spec in specs:
            record(session, spec)
        index = service.load_index(session)
        for which, at in queries:
            expected = replace(service.route(session, number=E164[which], at=at), note=None)
            assert index.route(E164[which], at) == expected, (NUMBERS[which], at)
            code = index.code_of(E164[which], at)
            assert (code != UNASSIGNED) == expected.assigned
        session.rollback()


def test_batch_lookups_give_the_codes_of_single_lookups(lines_engine: sa.Engine) -> None:
    with session_scope(lines_engine) as session:
        service.record_route(
            session,
            number=E164[0],
            operator_code="unicom",
            network_code="wcdma",
            valid_from=datetime(2011, 6, 2, 10),
            source="port",
        )
        index = service.load_index(session)
    at = datetime(2011, 6, 2, 10)
    numbers = np.array([int(n[3:]) for n in E164] * 3, dtype=np.uint64)

    codes = index.lookup(numbers, at)

    assert codes.tolist() == [index.code_of(n, at) for n in E164] * 3
    assert [index.targets[c].operator_code if c else None for c in codes[:5]] == [
        "unicom",
        "telecom",
        None,
        None,
        None,
    ]
