"""Portable SQL for dates: the same expression compiles for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, String, Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[int]):
    """Whole days from the first date to the second (negative when the second is earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(days_between)
def _days_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"


class yuan_text(FunctionElement[str]):
    """Integer fen as yuan text with two decimals, exactly (-1250 -> '-12.50')."""

    type = String()
    inherit_cache = True


@compiles(yuan_text, "sqlite")
def _yuan_sqlite(element: yuan_text, compiler: SQLCompiler, **kw: Any) -> str:
    (fen,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"printf('%s%d.%02d', CASE WHEN {fen} < 0 THEN '-' ELSE '' END, abs({fen}) / 100, "
        f"abs({fen}) % 100)"
    )


@compiles(yuan_text)
def _yuan_default(element: yuan_text, compiler: SQLCompiler, **kw: Any) -> str:
    (fen,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"(CASE WHEN {fen} < 0 THEN '-' ELSE '' END || CAST(abs({fen}) / 100 AS VARCHAR(20))"
        f" || '.' || lpad(CAST(mod(abs({fen}), 100) AS VARCHAR(2)), 2, '0'))"
    )


class greatest(FunctionElement[Any]):
    """The largest of its arguments, row by row (SQLite's scalar max(), PostgreSQL's GREATEST).

    Give it no NULL: the two engines disagree on one (SQLite answers NULL, PostgreSQL skips it).
    """

    inherit_cache = True


class least(FunctionElement[Any]):
    """The smallest of its arguments, row by row (SQLite's scalar min(), PostgreSQL's LEAST).

    Give it no NULL: the two engines disagree on one (SQLite answers NULL, PostgreSQL skips it).
    """

    inherit_cache = True


def _compile_as(name: str) -> Any:
    def compile_call(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
        return f"{name}({', '.join(compiler.process(arg, **kw) for arg in element.clauses)})"

    return compile_call


for _function, _in_sqlite, _elsewhere in ((greatest, "max", "GREATEST"), (least, "min", "LEAST")):
    compiles(_function, "sqlite")(_compile_as(_in_sqlite))
    compiles(_function)(_compile_as(_elsewhere))


class not_indexed(FunctionElement[Any]):
    """Its argument, unchanged, in a condition SQLite must not answer through an index.

    SQLite has no statistics here, so it takes an equality on an indexed column (a local
    network's area code) as selective and reads every row it matches through that index, where
    another condition (a range of row ids) would read far fewer. A unary ``+`` keeps the value and
    takes the term out of index choice (SQLite's documented way); PostgreSQL plans by its
    statistics and gets the bare column.
    """

    inherit_cache = True

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.type = value.type


@compiles(not_indexed, "sqlite")
def _not_indexed_sqlite(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"+{value}"


@compiles(not_indexed)
def _not_indexed_default(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return str(value)


def through_index(statement: Select[Any], table: Table, index: str) -> Select[Any]:
    """``statement`` reading ``table`` through ``index`` on SQLite (``INDEXED BY``); unchanged
    elsewhere.

    For a statement whose time matters and whose plan another index could change: SQLite has
    no statistics here and breaks a tie between two indexes by their order in the schema, so
    an index added later, or the order an import rebuilds them in, could send it elsewhere (a
    20M-line month-end's charges through the index by home site: 54 -> 98 s). SQLite's
    documented use of ``INDEXED BY``: a schema change that takes the index away is an error,
    not a slow plan. PostgreSQL plans by its statistics.
    """
    return statement.with_hint(table, f"INDEXED BY {index}", dialect_name="sqlite")


@compiles(Table, "sqlite")
def _table_sqlite(element: Table, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy's SQLite compiler drops FROM hints; SQLite reads them after the table's name.
    hints = kw.pop("fromhints", None) or {}
    rendered = compiler.visit_table(element, **kw)
    if kw.get("asfrom") and element in hints:
        rendered += " " + hints[element]
    return rendered
