"""`sunset port ...`: number portability (携号转网), from the eligibility check to completion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from rich.table import Table

from sunset.config import get_settings
from sunset.db import session_scope
from sunset.porting.schemas import PortOutcome, PortRequestView
from sunset.porting.vocabulary import CATALOGUE, BalanceHandling
from sunset.usecases import batch
from sunset.usecases import porting as service

from .common import (
    EXIT_REFUSED,
    acting,
    console,
    err_console,
    explained,
    now_option,
    print_json,
)
from .operations import NAMES, JsonOption, NumberArg

app = typer.Typer(help="Number portability (携号转网): check, request, authorise, validate, ...")

ToOption = Annotated[
    str, typer.Option("--to", help="Recipient operator, or operator/network (e.g. unicom/wcdma).")
]
AreaOption = Annotated[
    str | None, typer.Option("--area", help="Recipient's local network (default: the number's).")
]
NowOption = Annotated[
    str | None, typer.Option("--now", help="Moment of the step (YYYY-MM-DDTHH:MM); default now.")
]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Moment of the check (a date or date and time).")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="For whom the step is taken (logged with your name).")
]
NameOption = Annotated[
    str | None, typer.Option("--name", help="The customer's name as they give it (checked).")
]
IdOption = Annotated[
    str | None, typer.Option("--id-number", help="The customer's ID number (checked, not stored).")
]


def _show(outcome: PortOutcome, *, as_json: bool) -> None:
    if as_json:
        print_json(outcome)
    else:
        req = outcome.request
        console.print(
            f"{req.number}: {outcome.message} (request {req.id}, {req.state}, "
            f"{req.donor} -> {req.recipient}, rules {req.rule_set}).",
            highlight=False,
        )
        if outcome.auth_code:
            console.print(f"Authorisation code: [bold]{outcome.auth_code}[/] (valid 60 minutes)")
        for r in outcome.reasons:
            err_console.print(f"[bold red]{r.code}[/]: {r.message}", highlight=False)
    if outcome.refused is not None:
        raise typer.Exit(EXIT_REFUSED)


@app.command("check")
def check_command(
    number: NumberArg,
    to: ToOption,
    area: AreaOption = None,
    name: NameOption = None,
    id_number: IdOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Say whether a number may port now, with every reason it may not (exit 3 when refused)."""
    with explained(as_json=as_json, names=NAMES), session_scope() as session:
        answer = service.check(
            session,
            acting(session),
            number=number,
            to=to,
            area=area,
            name=name,
            id_number=id_number,
            now=now_option(today, "--today"),
        )
    if as_json:
        print_json({"allowed": answer.allowed, "reasons": [r.model_dump() for r in answer.reasons]})
    elif answer.allowed:
        console.print(f"Allowed under the rules {answer.rule_set}.")
    for r in [] if as_json else answer.reasons:
        err_console.print(f"[bold red]{r.code}[/]: {r.message}", highlight=False)
    if not answer.allowed:
        raise typer.Exit(EXIT_REFUSED)


@app.command("request")
def request_command(
    number: NumberArg,
    to: ToOption,
    area: AreaOption = None,
    balance: Annotated[
        BalanceHandling, typer.Option(help="Refund the balance or carry it over.")
    ] = BalanceHandling.REFUND,
    name: NameOption = None,
    id_number: IdOption = None,
    actor: ActorOption = "customer",
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask to port: prints a 6-digit authorisation code valid 60 minutes, or every refusal."""
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = service.request(
            session,
            acting(session),
            number=number,
            to=to,
            area=area,
            name=name,
            id_number=id_number,
            now=now_option(now),
            role=actor,
            balance=balance,
        )
    _show(outcome, as_json=as_json)


@app.command("authorise")
def authorise_command(
    number: NumberArg,
    code: Annotated[str, typer.Option("--code", help="The 6-digit authorisation code.")],
    actor: ActorOption = "recipient",
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Present the customer's authorisation code (the recipient's step)."""
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = service.authorise(
            session, acting(session), number=number, code=code, now=now_option(now), role=actor
        )
    _show(outcome, as_json=as_json)


@app.command("validate")
def validate_command(
    number: NumberArg,
    reject: Annotated[
        str | None, typer.Option("--reject", help="Reject on this ground (a catalogue code).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, in words.")] = None,
    actor: ActorOption = "donor",
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """The donor's validation: from the rules, or a rejection on a ground of the catalogue."""
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = service.validate(
            session,
            acting(session),
            number=number,
            now=now_option(now),
            role=actor,
            reject=reject,
            note=note,
        )
    _show(outcome, as_json=as_json)


@app.command("cancel")
def cancel_command(
    number: NumberArg,
    note: Annotated[str | None, typer.Option("--note", help="Why, in words.")] = None,
    actor: ActorOption = "customer",
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel an open port request before it completes."""
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = service.cancel(
            session, acting(session), number=number, now=now_option(now), role=actor, note=note
        )
    _show(outcome, as_json=as_json)


@app.command("run")
def run_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """Validate authorised requests from the rules and complete every port due by now."""
    with explained(as_json=as_json), session_scope(write=True) as session:
        done = batch.run_ports(session, acting(session), now=now_option(now))
    if as_json:
        print_json(done)
    else:
        console.print(", ".join(f"{n} {what}" for what, n in done.items()))


def _requests_table(views: Sequence[PortRequestView]) -> Table:
    table = Table("id", "number", "donor", "recipient", "state", "requested", "scheduled", "reason")
    for v in views:
        table.add_row(
            str(v.id),
            v.number,
            v.donor,
            v.recipient,
            v.state,
            f"{v.requested_at:%Y-%m-%d %H:%M}",
            f"{v.scheduled_for:%Y-%m-%d %H:%M}" if v.scheduled_for else "",
            v.reason_code or "",
        )
    return table


@app.command("log")
def log_command(number: NumberArg, as_json: JsonOption = False) -> None:
    """Show every port request of a number and each transition: when, who, why."""
    with explained(as_json=as_json, names=NAMES), session_scope() as session:
        views = service.log(session, acting(session), number=number)
    if as_json:
        print_json([v.model_dump(mode="json") for v in views])
        return
    for v in views:
        console.print(_requests_table([v]))
        for e in v.events:
            console.print(
                f"  {e.at:%Y-%m-%d %H:%M} {e.from_state or '-'} -> {e.to_state} by {e.actor}"
                f"{' [' + e.reason_code + ']' if e.reason_code else ''}"
                f"{': ' + e.note if e.note else ''}",
                highlight=False,
            )


@app.command("overdue")
def overdue_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """List authorised requests the donor has not validated in time (for the regulator)."""
    hours = get_settings().port_validation_hours
    with explained(), session_scope() as session:
        views = service.overdue(session, acting(session), now=now_option(now))
    if as_json:
        print_json([v.model_dump(mode="json") for v in views])
    else:
        console.print(_requests_table(views))
        console.print(f"{len(views)} request(s) not validated within {hours} hours.")


@app.command("stats")
def stats_command(as_json: JsonOption = False) -> None:
    """Ports by month and operator pair: requested, completed, rejected by reason; median time."""
    with explained(), session_scope() as session:
        rows = service.stats(session, acting(session))
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    table = Table(
        "month",
        "donor",
        "recipient",
        "requested",
        "completed",
        "rejected",
        "cancelled",
        "median hours",
        "rejections by reason",
    )
    for r in rows:
        table.add_row(
            r.month,
            r.donor,
            r.recipient,
            str(r.requested),
            str(r.completed),
            str(r.rejected),
            str(r.cancelled),
            "" if r.median_hours_to_complete is None else f"{r.median_hours_to_complete:.1f}",
            ", ".join(f"{k} {n}" for k, n in r.rejected_by_reason.items()),
        )
    console.print(table)


@app.command("reasons")
def reasons_command(as_json: JsonOption = False) -> None:
    """Print the catalogue of reason codes."""
    if as_json:
        print_json(CATALOGUE)
        return
    for code, meaning in CATALOGUE.items():
        console.print(f"[bold]{code}[/]: {meaning}", highlight=False)
