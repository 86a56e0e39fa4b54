"""`sunset serve` and `sunset user add|list`: the web server and its accounts."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from sunset.access.vocabulary import Role
from sunset.config import get_settings, trusted_proxies
from sunset.db import session_scope
from sunset.usecases import accounts

from .common import EXIT_INVALID, acting, console, date_option, err_console, explained

user_app = typer.Typer(help="Accounts of the web and the API.")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, '.', '-', '_').")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    operator: Annotated[
        str | None,
        typer.Option(help="The operator a planner, agent or engineer belongs to."),
    ] = None,
) -> None:
    """Add an account; the password is read from standard input (first line)."""
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with explained(), session_scope(write=True) as session:
        user = accounts.add_user(
            session,
            acting(session),
            name=name,
            role=role,
            operator=operator,
            password=password,
            now=datetime.now().replace(microsecond=0),
        )
    where = f" of {user.operator}" if user.operator else ""
    console.print(f"Added {user.name}, {user.role}{where}.")


@user_app.command("list")
def user_list() -> None:
    """List the accounts."""
    with explained(), session_scope() as session:
        for user in accounts.list_users(session, acting(session)):
            active = "" if user.active else " (disabled)"
            console.print(f"{user.name}\t{user.role}\t{user.operator or '-'}{active}")


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    today: Annotated[
        str | None,
        typer.Option(
            "--today", help="Pin the business day (a demo or training system); default: the date."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Server processes.", min=1)] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Proxies whose X-Forwarded-For gives the client's address (comma-separated "
            "addresses or networks, '*' any); default SUNSET_FORWARDED_ALLOW_IPS, else none.",
        ),
    ] = None,
) -> None:
    """Serve the REST API (/docs) and the dashboard (/app/) with uvicorn."""
    import os

    from sunset.server import processes as server

    if today is not None:
        os.environ["SUNSET_WEB_TODAY"] = date_option(today, "--today").isoformat()
    try:
        proxies = trusted_proxies(
            get_settings().forwarded_allow_ips
            if forwarded_allow_ips is None
            else forwarded_allow_ips
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--forwarded-allow-ips") from None

    def listening() -> None:
        console.print(f"sunset is serving on http://{host}:{port}/ (API docs at /docs)")

    try:
        server.serve(host, port, workers, listening=listening, proxies=proxies)
    except OSError as exc:
        err_console.print(f"[bold red]cannot listen on {host}:{port}[/]: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INVALID) from None


def register(app: typer.Typer) -> None:
    """Add `serve` and `user` to the top-level command."""
    app.command("serve")(serve_command)
    app.add_typer(user_app, name="user")
