"""Alembic environment: runs on the engine sunset hands over (see sunset.db.upgrade), or in the
transaction of the connection it hands over, then loads the shipped reference data when the
schema reaches head.

A cluster's coordinator is migrated only by ``sunset cluster upgrade`` (which hands over its
connection, the parents taken away): its own tables are partitions of the parents there, and a
partition cannot gain a column alone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.orm import Session

import sunset.models  # registers every table on Base.metadata
from sunset.cluster.layout import is_coordinator
from sunset.db import Base
from sunset.errors import OperationRefusedError
from sunset.reference.service import sync_reference

config = context.config
engine = config.attributes["engine"]
given: Connection | None = config.attributes.get("connection")


def _migrate(connection: Connection) -> None:
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
    heads = context.get_head_revisions()
    wanted = {heads} if isinstance(heads, str) else set(heads or ())
    behind = set(context.get_context().get_current_heads()) != wanted
    if behind and given is None and is_coordinator(connection):
        raise OperationRefusedError(
            "this database coordinates a cluster and its schema is behind this version of "
            "sunset: run `sunset cluster upgrade` (it migrates every data server, then this "
            "database, its parents taken away and made again)",
            code="CLUSTER_NEEDS_UPGRADE",
        )
    with context.begin_transaction():
        context.run_migrations()
        # The catalogue rows a schema at head expects (operators, networks, local networks),
        # in the migration's transaction: a database is never at head without them.
        if config.attributes.get("sync_reference"):
            with Session(bind=connection) as session:
                sync_reference(session)


if given is not None:
    _migrate(given)
else:
    with engine.begin() as connection:
        _migrate(connection)
