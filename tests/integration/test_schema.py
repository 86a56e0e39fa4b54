"""The schema the migrations build is the one the code declares, on both engines: a column or
index added to a model without its migration would exist in tests' databases and nowhere else."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import sunset.models  # noqa: F401  (every mapped class on the metadata)
from sunset.db import Base


def test_the_migrated_schema_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []
