"""The schema the migrations build is the one the code declares, on both engines: a column or
index added to a model without its migration would exist in tests' databases and nowhere else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import sunset.models  # noqa: F401  (every mapped class on the metadata)
from sunset.db import Base


def test_the_migrated_schema_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_lines_leave_room_on_postgresql_pages_for_the_month_ends_new_balances(
    engine: sa.Engine,
) -> None:
    # Without it every month-end's balance update writes a new entry in every index of lines.
    with engine.connect() as connection:
        options = connection.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'lines'"
        ).scalar_one()

    assert options == ["fillfactor=50"]
