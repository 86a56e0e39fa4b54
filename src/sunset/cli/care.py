"""`sunset complaint open|investigate|resolve|reject|list|report|overdue`: customer care."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.table import Table

from sunset.care.schemas import ComplaintView
from sunset.care.vocabulary import ComplaintKind, ComplaintStatus
from sunset.db import session_scope
from sunset.kit.money import parse_yuan
from sunset.usecases import care as service

from .common import (
    EXIT_HELD,
    acting,
    business_day,
    console,
    explained,
    now_for,
    print_json,
    today_option,
)

app = typer.Typer(help="Complaints: open, investigate, resolve (with a credit), reject, report.")

IdArg = Annotated[int, typer.Argument(help="The complaint's id.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date of the operation (YYYY-MM-DD); default today.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NoteOption = Annotated[str | None, typer.Option("--note", help="What was found or done.")]
KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="Idempotency key: the same key twice moves the complaint once."),
]
NAMES = {"number": "NUMBER", "text": "--text", "credit": "--credit"}


def _show(found: ComplaintView, *, as_json: bool) -> None:
    if as_json:
        print_json(found)
        return
    late = " (overdue)" if found.overdue else ""
    console.print(
        f"Complaint {found.id} on {found.number} ({found.kind}): {found.status}{late}, "
        f"due {found.due_on}. {found.resolution or ''}".rstrip()
    )


def _listed(found: list[ComplaintView], *, as_json: bool) -> None:
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
    else:
        _table(found)


def _table(found: list[ComplaintView]) -> None:
    table = Table("id", "number", "area", "kind", "status", "opened", "due", "credit")
    for c in found:
        status = f"{c.status} (overdue)" if c.overdue else c.status
        table.add_row(
            str(c.id),
            c.number,
            c.area_code,
            c.kind,
            status,
            str(c.opened_on),
            str(c.due_on),
            c.credit,
        )
    console.print(table)


@app.command("open")
def open_command(
    number: Annotated[str, typer.Argument(help="The line's number.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="no_signal, charged_without_service, topup_refused, port_obstructed or other.",
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="The complaint in the user's words.")],
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a complaint; one of being charged without service is checked and credited at once."""
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        found = service.open_complaint(
            session,
            acting(session),
            number=number,
            kind=_kind(kind),
            text=text,
            today=day,
            now=now_for(day),
        )
    _show(found, as_json=as_json)


def _kind(value: str) -> ComplaintKind:
    try:
        return ComplaintKind(value.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in ComplaintKind)
        raise typer.BadParameter(
            f"unknown complaint kind {value!r} (known: {known})", param_hint="--kind"
        ) from None


def _move(
    complaint_id: int,
    status: ComplaintStatus,
    *,
    today: str | None,
    note: str | None,
    credit: str | None,
    key: str | None,
    as_json: bool,
) -> None:
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        credit_fen = 0 if credit is None else parse_yuan(credit, field="credit")
        found = service.move(
            session,
            acting(session),
            complaint_id=complaint_id,
            status=status,
            key=key or f"move-{uuid.uuid4()}",
            today=day,
            now=now_for(day),
            note=note,
            credit_fen=credit_fen,
        )
    _show(found, as_json=as_json)
    if found.approval is not None:
        raise typer.Exit(EXIT_HELD)


@app.command("investigate")
def investigate_command(
    complaint_id: IdArg,
    note: NoteOption = None,
    key: KeyOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a complaint into investigation."""
    _move(
        complaint_id,
        ComplaintStatus.INVESTIGATING,
        today=today,
        note=note,
        credit=None,
        key=key,
        as_json=as_json,
    )


@app.command("resolve")
def resolve_command(
    complaint_id: IdArg,
    note: NoteOption = None,
    credit: Annotated[
        str | None, typer.Option("--credit", help="Yuan credited to the line.")
    ] = None,
    key: KeyOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve a complaint, optionally crediting the line (once, keyed by the complaint); a credit
    above your limit is held for approval (exit 5)."""
    _move(
        complaint_id,
        ComplaintStatus.RESOLVED,
        today=today,
        note=note,
        credit=credit,
        key=key,
        as_json=as_json,
    )


@app.command("reject")
def reject_command(
    complaint_id: IdArg,
    note: NoteOption = None,
    key: KeyOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a complaint, saying why."""
    _move(
        complaint_id,
        ComplaintStatus.REJECTED,
        today=today,
        note=note,
        credit=None,
        key=key,
        as_json=as_json,
    )


@app.command("list")
def list_command(
    area: Annotated[str | None, typer.Option("--area", help="Only this local network.")] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """List complaints."""
    with explained(), session_scope() as session:
        found = service.list_complaints(
            session,
            acting(session),
            today=today_option(today),
            area_code=area,
            limit=service.MAX_PAGE,
        ).items
    _listed(found, as_json=as_json)


@app.command("overdue")
def overdue_command(today: TodayOption = None, as_json: JsonOption = False) -> None:
    """List pending complaints past their deadline (SUNSET_COMPLAINT_SLA_DAYS)."""
    with explained(), session_scope() as session:
        found = service.overdue(session, acting(session), today=today_option(today))
    _listed(found, as_json=as_json)


@app.command("report")
def report_command(as_json: JsonOption = False) -> None:
    """Count complaints by month, region and kind, with the pending ones."""
    with explained(), session_scope() as session:
        found = service.report(session, acting(session))
    if as_json:
        print_json([c.model_dump() for c in found])
        return
    table = Table("month", "area", "kind", "complaints", "pending")
    for c in found:
        table.add_row(c.month, c.area_code, c.kind, f"{c.complaints:,}", f"{c.pending:,}")
    console.print(table)
