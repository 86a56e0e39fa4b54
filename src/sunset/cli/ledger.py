"""`sunset ledger archive MONTH` and `sunset ledger archives`: closed months out of the ledger."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sunset.db import session_scope
from sunset.kit.money import format_yuan
from sunset.ledger.rules import period_label
from sunset.usecases import batch

from .common import acting, console, explained, month_option, now_option, print_json, working

app = typer.Typer(help="The ledger: closed months taken out of it (PostgreSQL).")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("archive")
def archive_command(
    month: Annotated[str, typer.Argument(help="The closed month to take out (YYYY-MM).")],
    now: Annotated[
        str | None, typer.Option("--now", help="When (YYYY-MM-DDTHH:MM; default now).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Detach a closed month's partition of the ledger into the ledger_archive schema, what it
    moved on each line brought forward; the month can no longer be written. PostgreSQL only."""
    first = month_option(month, "MONTH")
    at = now_option(now)
    with (
        explained(as_json=as_json),
        working(f"Archiving {first:%Y-%m}"),
        session_scope(write=True) as session,
    ):
        done = batch.archive_month(session, acting(session), month=first, now=at)
    payload = {
        "month": period_label(done.period),
        "table": done.table,
        "entries": done.entries,
        "yuan": format_yuan(done.amount_fen),
        "brought_forward": done.brought_forward,
        "archived_at": done.archived_at.isoformat(timespec="minutes"),
        "archived_by": done.archived_by,
        "already": done.already,
    }
    if as_json:
        print_json(payload)
        return
    if done.already:
        console.print(
            f"{payload['month']} was archived on {payload['archived_at']} by {done.archived_by} "
            f"({done.entries:,} entries, {payload['yuan']} yuan, in {done.table}); nothing done."
        )
        return
    console.print(
        f"{payload['month']} archived: {done.entries:,} entries ({payload['yuan']} yuan) moved "
        f"to {done.table}; {done.brought_forward:,} line sums brought forward. The month can no "
        f"longer be written. Dump it with `pg_dump -t {done.table}` before dropping it.",
        soft_wrap=True,
        highlight=False,
    )


@app.command("archives")
def archives_command(as_json: JsonOption = False) -> None:
    """List the months taken out of the ledger."""
    with explained(as_json=as_json), session_scope() as session:
        found = batch.archived_months(session, acting(session))
    rows = [
        {
            "month": period_label(a.period),
            "table": a.archived_table,
            "entries": a.entries,
            "yuan": format_yuan(a.amount_fen),
            "archived_at": a.archived_at.isoformat(timespec="minutes"),
            "archived_by": a.archived_by,
        }
        for a in found
    ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No month has been archived: the whole ledger is in ledger_entries.")
        return
    table = Table("month", "table", "entries", "yuan", "archived", "by")
    for row in rows:
        table.add_row(
            *(str(row[c]) for c in ("month", "table", "entries", "yuan")),
            str(row["archived_at"]),
            str(row["archived_by"]),
        )
    console.print(table)


def register(root: typer.Typer) -> None:
    """Add `ledger` to the top-level command."""
    root.add_typer(app, name="ledger")
