"""CHECK constraints say "one of" with comparisons, not IN lists, on SQLite

SQLite 3.40 builds an IN list's lookup table again for every row a CHECK constraint tests. The
ledger's sign check (two IN lists) cost 0.9 s of a 2.5 s insert of 1M charges; written as
``(kind = 'charge' OR ...)`` it costs nothing measurable. The constraints mean the same, so
every existing row satisfies the new text: only the schema's text changes (the documented
``writable_schema`` procedure for changes that leave the stored content as it is), no table is
rebuilt, and it takes no time on a 20M-line database.

On PostgreSQL an IN list is a cheap array search; its constraints are left as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 11:10:00
"""

from __future__ import annotations

import re
from collections.abc import Callable

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# `status IN ('active', 'suspended')`, as the earlier migrations wrote it.
IN_LIST = re.compile(r"(\w+) IN \(('[^']*'(?:, '[^']*')*)\)")
# `(status = 'active' OR status = 'suspended')`, as sunset.lines.vocabulary.sql_one_of writes it.
ONE_OF = re.compile(r"\((\w+) = ('[^']*')((?: OR \1 = '[^']*')+)\)")


def _as_comparisons(match: re.Match[str]) -> str:
    column, values = match.group(1), re.findall(r"'[^']*'", match.group(2))
    return "(" + " OR ".join(f"{column} = {value}" for value in values) + ")"


def _as_in_list(match: re.Match[str]) -> str:
    values = [match.group(2), *re.findall(r"'[^']*'", match.group(3))]
    return f"{match.group(1)} IN ({', '.join(values)})"


def _rewrite_checks(rewrite: Callable[[str], str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%CHECK%'"
    ).all()
    changed = [(rewrite(sql), name) for name, sql in tables if rewrite(sql) != sql]
    if not changed:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for sql, name in changed:
            bind.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, name)
            )
        # Other connections (and this one) read the schema again when its version moves.
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _rewrite_checks(lambda sql: IN_LIST.sub(_as_comparisons, sql))


def downgrade() -> None:
    _rewrite_checks(lambda sql: ONE_OF.sub(_as_in_list, sql))
