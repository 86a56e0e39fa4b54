"""`sunset run`, `sunset notice`, `sunset exempt`, `sunset confirm-replacement`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from sunset.cycle.report import CycleReport
from sunset.db import default_engine, session_scope
from sunset.kit.money import format_yuan
from sunset.notices.vocabulary import Channel
from sunset.usecases import batch, operations
from sunset.usecases import notices as notices_uc

from .common import (
    WorkersOption,
    acting,
    business_day,
    console,
    date_option,
    explained,
    now_for,
    print_json,
    working,
)
from .operations import NAMES, JsonOption, NumberArg, TodayOption, done

notice_app = typer.Typer(help="Notices of retirement phases sent to lines.")


def report_rows(report: CycleReport) -> list[dict[str, object]]:
    """Flatten a cycle report into one row per month and area."""
    return [
        {"month": month, "area_code": area, **asdict(stats)}
        for month, areas in sorted(report.months.items())
        for area, stats in sorted(areas.items())
    ]


def print_report(report: CycleReport) -> None:
    """Print what a cycle run did, month by month."""
    table = Table(
        "month",
        "area",
        "live at end",
        "charges",
        "suspended",
        "switched off",
        "refunds",
        "refunded",
    )
    for row in report_rows(report):
        live = row["live_at_end"]
        table.add_row(
            str(row["month"]),
            str(row["area_code"]),
            "-" if live is None else f"{live:,}",
            f"{row['charges']:,}",
            f"{row['suspended']:,}",
            f"{row['switched_off']:,}",
            f"{row['refunds']:,}",
            format_yuan(int(str(row["refunded_fen"]))),
        )
    console.print(table)


def run_command(
    until: Annotated[str, typer.Option("--until", help="Run up to and including this date.")],
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First day for networks never run (default: the day after the last import).",
        ),
    ] = None,
    workers: WorkersOption = None,
    as_json: JsonOption = False,
) -> None:
    """Advance the daily cycle (charges, suspensions, switch-offs, refunds) up to a date."""
    engine = default_engine()
    last = date_option(until, "--until")
    with explained(as_json=as_json), session_scope(engine) as session:
        actor = acting(session)
    with explained(as_json=as_json), working(f"Running the cycle to {last}") as shown:
        report = batch.run_cycle(
            engine,
            actor,
            until=last,
            start=date_option(start, "--from") if start else None,
            workers=workers,
            now=now_for(date.today()),
            progress=lambda area, _: shown(f"local network {area} done"),
        )
    if as_json:
        print_json({"days_committed": report.days_committed, "months": report_rows(report)})
    else:
        print_report(report)


@notice_app.command("send")
def notice_send_command(
    area_code: Annotated[str, typer.Argument(help="Area code of the local network.")],
    phase: Annotated[str, typer.Option(help="The phase the notice announces, e.g. switched_off.")],
    channel: Annotated[Channel, typer.Option(help="How it went out.")],
    network: Annotated[str, typer.Option(help="Network.")] = "phs",
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a notice sent to every live line of a network in a local network."""
    day = business_day(today)
    with explained(as_json=as_json), session_scope(write=True) as session:
        count = notices_uc.send(
            session,
            acting(session),
            area_code=area_code,
            network=network,
            phase=phase,
            channel=channel,
            today=day,
            now=now_for(day),
        )
    if as_json:
        print_json({"notices": count})
    else:
        console.print(f"Recorded {count:,} notice(s) of {phase} by {channel.value}.")


@notice_app.command("report")
def notice_report_command(
    area_code: Annotated[str, typer.Argument(help="Area code of the local network.")],
    network: Annotated[str, typer.Option(help="Network.")] = "phs",
    as_json: JsonOption = False,
) -> None:
    """List live lines not told in time: their switch-off waits for their own notice period."""
    with explained(as_json=as_json), session_scope() as session:
        report = notices_uc.late_report(
            session, acting(session), area_code=area_code, network=network
        )
    if as_json:
        print_json(asdict(report))
        return
    console.print(
        f"{report.count:,} live line(s) were not told {report.minimum_notice_days} days before "
        f"the switch-off on {report.switched_off}:"
    )
    table = Table("number", "first notice", "earliest switch-off")
    for late in report.lines:
        table.add_row(
            late.number,
            str(late.first_notice or "none"),
            str(late.earliest_switch_off or "after a notice"),
        )
    console.print(table)


def exempt_command(
    number: NumberArg,
    until: Annotated[str, typer.Option("--until", help="Last day of the exemption.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    by: Annotated[str | None, typer.Option("--by", help="Who grants it.")] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep a line out of the switch-off until a date (who, why and until when are recorded)."""
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.exempt(
            session,
            acting(session),
            number=number,
            until=date_option(until, "--until"),
            granted_by=by,
            reason=reason,
            today=day,
            now=now_for(day),
        )
    done(outcome, as_json=as_json)


def confirm_replacement_command(
    number: NumberArg, today: TodayOption = None, as_json: JsonOption = False
) -> None:
    """Confirm a vulnerable or critical line's replacement works (until then it is kept on)."""
    day = business_day(today)
    with explained(as_json=as_json, names=NAMES), session_scope(write=True) as session:
        outcome = operations.confirm_replacement(
            session, acting(session), number=number, today=day, now=now_for(day)
        )
    done(outcome, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the cycle commands to the top-level command."""
    app.command("run")(run_command)
    app.add_typer(notice_app, name="notice")
    app.command("exempt")(exempt_command)
    app.command("confirm-replacement")(confirm_replacement_command)
