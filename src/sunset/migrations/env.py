"""Alembic environment: runs on the engine sunset hands over (see sunset.db.upgrade), then
loads the shipped reference data when the schema reaches head."""

from __future__ import annotations

from alembic import context
from sqlalchemy.orm import Session

import sunset.models  # registers every table on Base.metadata
from sunset.db import Base
from sunset.reference.service import sync_reference

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # The schema's own tables, also on a cluster's coordinator, whose sessions search its
        # parents over every server first (sunset.cluster.layout).
        connection.exec_driver_sql("SET LOCAL search_path = public")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=sunset.models.in_schema_comparison,
    )
    with context.begin_transaction():
        context.run_migrations()
        # The catalogue rows a schema at head expects (operators, networks, local networks),
        # in the migration's transaction: a database is never at head without them.
        if config.attributes.get("sync_reference"):
            with Session(bind=connection) as session:
                sync_reference(session)
