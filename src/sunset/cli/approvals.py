"""`sunset approvals list|approve|reject` and `sunset audit`: four eyes on money, who did what."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sunset.db import session_scope
from sunset.usecases import accounts, approvals
from sunset.usecases.approvals import ApprovalView

from .common import acting, console, date_option, explained, now_option, print_json

app = typer.Typer(help="Money held above its maker's limit, waiting for a second person.")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[int, typer.Argument(help="The approval's id.")]


@app.command("list")
def list_command(
    state: Annotated[
        str, typer.Option("--state", help="pending (default), approved, rejected or all.")
    ] = "pending",
    as_json: JsonOption = False,
) -> None:
    """List the approvals (of your operator): what was asked, by whom, why it was held."""
    with explained(as_json=as_json), session_scope() as session:
        found = approvals.list_approvals(
            session, acting(session), state=None if state == "all" else state
        )
    if as_json:
        print_json([a.model_dump(mode="json") for a in found])
        return
    table = Table("id", "state", "asked", "by", "what", "yuan", "why held")
    for a in found:
        table.add_row(
            str(a.id),
            a.state,
            f"{a.business_day}",
            f"{a.maker} ({a.maker_role})",
            f"{a.action} {a.target}",
            a.amount_yuan,
            a.reason,
        )
    console.print(table)


def _said(found: ApprovalView, *, as_json: bool) -> None:
    if as_json:
        print_json(found)
    else:
        console.print(
            f"Approval {found.id} ({found.action} {found.target}, {found.amount_yuan} yuan): "
            f"{found.state} by {found.decided_by}.",
            highlight=False,
        )


@app.command("approve")
def approve_command(
    approval: IdArg,
    note: Annotated[str | None, typer.Option("--note", help="Why, in words.")] = None,
    now: Annotated[str | None, typer.Option("--now", help="Moment of the decision.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Apply a held operation as it was asked (you must rank above its maker; never your own)."""
    with explained(as_json=as_json), session_scope(write=True) as session:
        found = approvals.approve(
            session, acting(session), approval_id=approval, now=now_option(now), note=note
        )
    _said(found, as_json=as_json)


@app.command("reject")
def reject_command(
    approval: IdArg,
    note: Annotated[str, typer.Option("--note", help="Why it is refused.")],
    now: Annotated[str | None, typer.Option("--now", help="Moment of the decision.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Refuse a held operation, saying why: nothing of it is applied."""
    with explained(as_json=as_json), session_scope(write=True) as session:
        found = approvals.reject(
            session, acting(session), approval_id=approval, now=now_option(now), note=note
        )
    _said(found, as_json=as_json)


def audit_command(
    since: Annotated[
        str | None, typer.Option("--since", help="From this business day on (YYYY-MM-DD).")
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this person's writes.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List the audit log, newest first: who wrote what, when, before and after, money moved."""
    with explained(as_json=as_json), session_scope() as session:
        found = accounts.list_audit(
            session,
            acting(session),
            since=date_option(since, "--since") if since else None,
            by=actor,
            limit=limit,
        )
    if as_json:
        print_json([e.model_dump(mode="json") for e in found])
        return
    table = Table("id", "at (UTC)", "day", "who", "action", "target", "yuan")
    for e in found:
        table.add_row(
            str(e.id),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            str(e.business_day),
            e.user,
            e.action,
            e.target,
            "" if e.amount_fen is None else f"{e.amount_fen / 100:.2f}",
        )
    console.print(table)


def register(root: typer.Typer) -> None:
    """Add `approvals` and `audit` to the top-level command."""
    root.add_typer(app, name="approvals")
    root.command("audit")(audit_command)
