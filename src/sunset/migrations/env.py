"""Alembic environment: runs on the engine sunset hands over (see sunset.db.upgrade)."""

from __future__ import annotations

from alembic import context

import sunset.models  # noqa: F401  (registers every table on Base.metadata)
from sunset.db import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
