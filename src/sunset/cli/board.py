"""`sunset notice publish|list|show`, `sunset comment` and `sunset comments review|decide`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from sunset.board.schemas import NoticeView
from sunset.db import session_scope
from sunset.usecases import board as service
from sunset.usecases import notices

from .common import (
    EXIT_REFUSED,
    acting,
    business_day,
    console,
    explained,
    now_for,
    now_option,
    print_json,
)

comments_app = typer.Typer(help="The review queue of the comment boards.")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date of publication (YYYY-MM-DD); default today.")
]


def notice_publish_command(
    area: Annotated[str, typer.Argument(help="Local network (area code).")],
    network: Annotated[str, typer.Option("--network", help="The network retired.")] = "phs",
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the public notice of every dated phase of a region's plan (once each)."""
    day = business_day(today)
    with explained(as_json=as_json), session_scope(write=True) as session:
        found = notices.publish(
            session, acting(session), area_code=area, network=network, today=day, now=now_for(day)
        )
    _notices(found, as_json=as_json)


def notice_list_command(
    area: Annotated[str | None, typer.Option("--area", help="Only this local network.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the public notices."""
    with explained(), session_scope() as session:
        found = service.list_notices(
            session, acting(session), area_code=area, limit=service.MAX_NOTICES
        )
    _notices(found, as_json=as_json)


def _notices(found: list[NoticeView], *, as_json: bool) -> None:
    if as_json:
        print_json([n.model_dump(mode="json") for n in found])
        return
    table = Table("id", "area", "phase", "effective", "title")
    for n in found:
        table.add_row(str(n.id), n.area_code, n.phase, str(n.effective_on), n.title_zh)
    console.print(table)


def notice_show_command(
    notice: Annotated[int, typer.Argument(help="The notice's id.")],
    related: Annotated[int, typer.Option("--related", help="How many related notices.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Show a notice in both languages, its related notices and its published comments."""
    with explained(as_json=as_json), session_scope() as session:
        found = service.show_notice(session, acting(session), notice_id=notice, related=related)
    if as_json:
        print_json(found)
        return
    console.print(f"[bold]{found.title_zh}[/] / {found.title_en} ({found.effective_on})")
    console.print(found.body_zh, highlight=False)
    console.print(found.body_en, highlight=False)
    for r in found.related:
        console.print(f"  related {r.id}: {r.title_zh} / {r.title_en} ({r.similarity:.2f})")
    for c in found.comments:
        console.print(f"  {c.author} ({c.posted_at:%Y-%m-%d %H:%M}): {c.text}", highlight=False)


def comment_command(
    notice: Annotated[int, typer.Argument(help="The notice's id.")],
    author: Annotated[str, typer.Option("--author", help="Who posts.")],
    text: Annotated[str, typer.Option("--text", help="The comment.")],
    ip: Annotated[str | None, typer.Option("--ip", help="The poster's address.")] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Moment of posting (YYYY-MM-DDTHH:MM); default now.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Post a comment: accepted, refused (exit 3, naming the rule) or held for review."""
    moment = now_option(now)
    with explained(as_json=as_json), session_scope(write=True) as session:
        answer = service.post_comment(
            session, acting(session), notice_id=notice, author=author, ip=ip, text=text, now=moment
        )
    if as_json:
        sys.stdout.write(answer.model_dump_json() + "\n")
    else:
        rule = f" [{answer.rule}]" if answer.rule else ""
        console.print(f"{answer.outcome}{rule}: {answer.message}", highlight=False)
    if answer.outcome == "refused":
        raise typer.Exit(EXIT_REFUSED)


@comments_app.command("review")
def review_command(as_json: JsonOption = False) -> None:
    """List the comments held for review."""
    with explained(), session_scope() as session:
        found = service.review_queue(session, acting(session))
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
        return
    table = Table("id", "notice", "author", "rule", "text")
    for c in found:
        table.add_row(str(c.id), str(c.notice_id), c.author, c.rule or "", c.text)
    console.print(table)


@comments_app.command("decide")
def decide_command(
    comment: Annotated[int, typer.Argument(help="The comment's id.")],
    accept: Annotated[bool, typer.Option("--accept/--refuse", help="Publish or refuse it.")],
    by: Annotated[
        str | None, typer.Option("--by", help="The moderator's name shown (default: yours).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Publish or refuse a comment held for review."""
    with explained(as_json=as_json), session_scope(write=True) as session:
        found = service.decide(
            session,
            acting(session),
            comment_id=comment,
            accept=accept,
            now=now_option(None),
            moderator=by,
        )
    if as_json:
        print_json(found)
    else:
        console.print(f"Comment {found.id}: {found.outcome}. {found.message}", highlight=False)


def register(app: typer.Typer, notice_app: typer.Typer) -> None:
    """Add the board's commands to the application."""
    notice_app.command("publish")(notice_publish_command)
    notice_app.command("list")(notice_list_command)
    notice_app.command("show")(notice_show_command)
    app.command("comment")(comment_command)
    app.add_typer(comments_app, name="comments")
