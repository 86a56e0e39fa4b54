"""`sunset activate|top-up|suspend|resume|terminate`: one line at a time, the plan enforced."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

import typer

from sunset.db import session_scope
from sunset.kit.money import parse_yuan
from sunset.lines.vocabulary import SuspensionReason, Vulnerability
from sunset.usecases import operations
from sunset.usecases.operations import LineOutcome, NewLine

from .common import EXIT_HELD, acting, business_day, console, explained, now_for, print_json

NumberArg = Annotated[str, typer.Argument(help="The line's number, e.g. 0551-62345678.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date of the operation (YYYY-MM-DD); default today.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="Idempotency key: the same key twice is applied once."),
]
# How these commands say the use cases' fields that are not --field.
NAMES = {"number": "NUMBER", "amount": "YUAN", "area_code": "--area", "today": "--today"}


def done(outcome: LineOutcome, *, as_json: bool) -> None:
    """Print what an operation left; exit 5 when it was held for approval."""
    if as_json:
        print_json({"refused": False, **asdict(outcome)})
    else:
        console.print(
            f"{outcome.number}: {outcome.message}. Status {outcome.status}, "
            f"balance {outcome.balance} yuan."
        )
    if outcome.approval is not None:
        raise typer.Exit(EXIT_HELD)


def _yuan(text: str, option: str) -> int:
    try:
        return parse_yuan(text, field=option)
    except Exception as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def top_up_command(
    number: NumberArg,
    yuan: Annotated[str, typer.Argument(help="Amount in yuan, e.g. 50 or 49.90.")],
    key: KeyOption = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Top up a line; refused (exit 3) once its region refuses top-ups or is switched off;
    above your limit, held for approval (exit 5)."""
    amount = _yuan(yuan, "YUAN")
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.top_up(
            session,
            acting(session),
            number=number,
            amount_fen=amount,
            today=day,
            now=now_for(day),
            key=key or f"topup-{uuid.uuid4()}",
        )
    done(outcome, as_json=as_json)


def activate_command(
    number: NumberArg,
    operator: Annotated[str, typer.Option(help="Operator code.")],
    area_code: Annotated[str, typer.Option("--area", help="Area code of the local network.")],
    customer_id: Annotated[str, typer.Option(help="The customer's reference.")],
    network: Annotated[str, typer.Option(help="Network.")] = "phs",
    monthly_fee: Annotated[str, typer.Option(help="Monthly fee in yuan.")] = "0",
    real_name: Annotated[bool, typer.Option(help="Real-name registered.")] = True,
    prepaid: Annotated[bool, typer.Option(help="Prepaid line.")] = True,
    customer_name: Annotated[str | None, typer.Option(help="The customer's name.")] = None,
    vulnerable: Annotated[Vulnerability, typer.Option(help="Vulnerable or critical use.")] = (
        Vulnerability.NONE
    ),
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a new line; refused (exit 3) from the region's no-new-sales phase on."""
    new = NewLine(
        number=number,
        operator=operator,
        network=network,
        area_code=area_code,
        customer_ref=customer_id,
        real_name=real_name,
        monthly_fee_fen=_yuan(monthly_fee, "--monthly-fee"),
        prepaid=prepaid,
        customer_name=customer_name,
        vulnerable=vulnerable.value,
    )
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.activate(
            session, acting(session), new=new, today=day, now=now_for(day)
        )
    done(outcome, as_json=as_json)


def suspend_command(
    number: NumberArg,
    reason: Annotated[SuspensionReason, typer.Option(help="Why the line is suspended.")],
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suspend a line for a reason."""
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.suspend(
            session, acting(session), number=number, reason=reason, today=day, now=now_for(day)
        )
    done(outcome, as_json=as_json)


def resume_command(
    number: NumberArg, today: TodayOption = None, as_json: JsonOption = False
) -> None:
    """Resume a suspended line; refused (exit 3) if the reason holds or the network is off."""
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.resume(
            session, acting(session), number=number, today=day, now=now_for(day)
        )
    done(outcome, as_json=as_json)


def terminate_command(
    number: NumberArg, key: KeyOption = None, today: TodayOption = None, as_json: JsonOption = False
) -> None:
    """Close a line: its balance becomes a refund, its number goes into quarantine; a refund
    above your limit is held for approval (exit 5)."""
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.terminate(
            session,
            acting(session),
            number=number,
            today=day,
            now=now_for(day),
            key=key or f"end-{uuid.uuid4()}",
        )
    done(outcome, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the line operations to the top-level command."""
    app.command("activate")(activate_command)
    app.command("top-up")(top_up_command)
    app.command("suspend")(suspend_command)
    app.command("resume")(resume_command)
    app.command("terminate")(terminate_command)
