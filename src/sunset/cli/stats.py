"""`sunset stats [import]` and `sunset forecast`: progress, official series, the clearance date."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sunset.db import session_scope
from sunset.errors import InputInvalidError
from sunset.stats.schemas import Forecast, HorizonError, ProgressReport, ProgressRow
from sunset.usecases import stats as service

from .common import (
    acting,
    console,
    err_console,
    explained,
    month_option,
    print_json,
    today_option,
    working,
)

app = typer.Typer(help="Progress statistics: remaining lines per month-end, official series.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PlotOption = Annotated[Path | None, typer.Option("--plot", help="Also draw a chart (.png/.svg).")]
SeriesOption = Annotated[
    str, typer.Option("--series", help="Official series name (phs:national, fixed:national...).")
]
NetworkOption = Annotated[
    str | None,
    typer.Option(
        "--network",
        help="Count this network's lines (default: the network with retirement plans).",
    ),
]
CSV_COLUMNS = list(ProgressRow.model_fields)
NATIONAL = service.NATIONAL


def _month(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    return f"{month_option(value, option):%Y-%m}"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _title(report: ProgressReport, *, named: bool) -> str:
    if report.source != "snapshots":
        return f"{report.source} ({report.unit})"
    if report.network is None:
        return "Lines of each network at each month-end"
    being = "" if named else ", the network being retired"
    return f"Remaining lines of {report.network}{being}, at each month-end"


def _print_table(report: ProgressReport, *, named: bool = False) -> None:
    own = report.source == "snapshots"
    shares = any(r.share_pct is not None for r in report.rows)
    joined = any(r.activated for r in report.rows)
    columns = {
        "group": report.by != "all",
        "month": True,
        "remaining": True,
        "change": True,
        "since Dec": True,
        "share %": shares,
        "term.": own,
        "sw. off": own,
        "migr.": own,
        "ported": own,
        "joined": own and joined,
        "refunds ¥": own,
    }
    table = Table(*(c for c, shown in columns.items() if shown), title=_title(report, named=named))
    for r in report.rows:
        cells = [r.group, r.month, r.remaining, r.change_month, r.change_ytd, r.share_pct]
        cells += [r.terminated, r.switched_off, r.migrated, r.ported_out, r.activated]
        cells += [r.refunded_yuan]
        shown = [c for c, keep in zip(cells, columns.values(), strict=True) if keep]
        table.add_row(*(_cell(c) for c in shown))
    console.print(table)
    if own and report.network:
        console.print(
            f"Unit: lines of {report.network} (month-end snapshots); a line that left it for"
            " another network is counted there, not here."
        )
    else:
        console.print(f"Unit: {report.unit} ({report.source}).")
    for line in report.headlines:
        console.print(line, highlight=False)


@app.callback(invoke_without_command=True)
def stats_command(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", help="Group by: all, region, operator or network.")
    ] = "all",
    first: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    national: Annotated[
        bool, typer.Option("--national", help="Show the official series instead of own lines.")
    ] = False,
    series: SeriesOption = NATIONAL,
    network: NetworkOption = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    plot: PlotOption = None,
) -> None:
    """Remaining lines of the network being retired (or --network) per month-end: change in
    the month, since December, share of fixed lines, the lines that left and how."""
    if ctx.invoked_subcommand is not None:
        return
    first, last = _month(first, "--from"), _month(last, "--to")
    with explained(as_json=as_json), session_scope() as session:
        actor = acting(session)
        if national:
            report = service.official_progress(
                session, actor, series=series, first=first, last=last
            )
        else:
            report = service.progress(
                session, actor, by=by, first=first, last=last, network=network
            )
    if plot:
        from sunset.stats.charts import progress_chart

        progress_chart(report, [plot])
    if as_json:
        print_json(report)
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.model_dump() for r in report.rows)
    elif not report.rows:
        counted = f" counted a line of {report.network}" if report.network else " recorded"
        console.print(f"No month-end{counted} yet: `sunset run --until D` records each month-end.")
    else:
        _print_table(report, named=network is not None)


@app.command("import")
def import_command(
    path: Annotated[
        Path | None, typer.Argument(help="CSV: month_end, subscribers_10k, quoted, source.")
    ] = None,
    series: SeriesOption = NATIONAL,
    shipped: Annotated[
        bool,
        typer.Option("--shipped", help="Load (again) the national PHS series shipped with sunset."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import an official series (replacing it); a bad row refuses the file (exit 2)."""
    with explained(as_json=as_json), session_scope(write=True) as session:
        if shipped == (path is not None):
            raise InputInvalidError("give either a FILE or --shipped")
        result = service.import_series(
            session, acting(session), path=path, series=series, now=datetime.now()
        )
    if as_json:
        print_json(result)
        return
    console.print(
        f"Imported {result.points} month(s) of {result.series}, {result.first_month} to "
        f"{result.last_month}."
    )


REPORTED_AHEAD = (3, 6, 12, 18)  # the horizons the backtest table shows


def _held(result: Forecast, level: int) -> str:
    """The interval's label with the coverage its backtest showed (none claimed without it)."""
    held = None if result.coverage is None else getattr(result.coverage, f"held{level}")
    return f"{level} %" + ("" if held is None else f" (held {100 * held:.0f} %)")


def _print_forecast(result: Forecast) -> None:
    table = Table(
        "month",
        "expected",
        _held(result, 80),
        _held(result, 95),
        title=f"{result.series} ({result.unit})",
    )
    for p in result.points:
        table.add_row(
            p.month,
            f"{p.expected:,.1f}",
            f"{p.lo80:,.1f} – {p.hi80:,.1f}",
            f"{p.lo95:,.1f} – {p.hi95:,.1f}",
        )
    console.print(table)
    _print_backtest(result)
    console.print(
        f"Model {result.model} (backtest MAPE {_cell(result.backtest_mape)} % at "
        f"{_span(result.chosen_on)} months ahead); the base falls below "
        f"{result.threshold:,.1f} {result.unit} in {_clearance(result)}."
    )
    if result.deadline is not None:
        console.print(
            f"Probability of clearing by {result.deadline}: {_cell(result.p_clear_by_deadline)}"
        )
    if result.hard_core is not None:
        core = result.hard_core
        console.print(
            f"Hard core ({core.model}): {core.value:,.1f} {result.unit}"
            f" (95 %: {core.lo95:,.1f} – {core.hi95:,.1f})."
        )
    for note in result.notes:
        err_console.print(f"note: {note}", highlight=False)


def _span(months: list[int]) -> str:
    return f"{months[0]}–{months[-1]}" if months else "-"


def _clearance(result: Forecast) -> str:
    when = result.clearance
    expected = result.threshold_month or "no month in sight"
    if when is None or when.earliest80 == when.latest80 == when.expected:
        return expected
    late = when.latest80 or "later than 20 years"
    return f"{expected} (80 %: {when.earliest80 or '-'} – {late})"


def _print_backtest(result: Forecast) -> None:
    """Each candidate's backtest MAPE at 3, 6, 12 and 18 months ahead, and the replayed choice."""
    table = Table(
        "backtest MAPE",
        *(f"{h} m" for h in REPORTED_AHEAD),
        title=f"Backtest errors ({result.shape_from or result.series})",
    )
    for candidate in result.candidates:
        by = {e.months_ahead: e for e in candidate.errors}
        table.add_row(candidate.model, *(_error(by.get(h)) for h in REPORTED_AHEAD))
    chosen = {e.months_ahead: e for e in result.backtest_errors}
    table.add_row("chosen, replayed", *(_error(chosen.get(h)) for h in REPORTED_AHEAD))
    console.print(table)


def _error(found: HorizonError | None) -> str:
    if found is None or found.mape is None:
        return "-"
    return f"{found.mape:.1f} % ({found.forecasts})"


def forecast_command(
    region: Annotated[
        str | None, typer.Option("--region", help="Area code of a local network.")
    ] = None,
    national: Annotated[
        bool, typer.Option("--national", help="Forecast the official national series.")
    ] = False,
    series: SeriesOption = NATIONAL,
    network: Annotated[
        str | None,
        typer.Option(
            "--network",
            help="Network: its lines (--region) and its deadline (default: the one being retired).",
        ),
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Months ahead.")] = 24,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Cleared below this (default 1 % of the peak)."),
    ] = None,
    all_regions: Annotated[
        bool,
        typer.Option(
            "--all-regions",
            help="Forecast every local network, each a task (on SUNSET_DASK_SCHEDULER if set).",
        ),
    ] = False,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Forecast remaining lines with 80/95 % intervals, threshold month, P(clear by deadline)."""
    if all_regions:
        _forecast_all(network=network, horizon=horizon, as_json=as_json, rest=(region, national))
        return
    with explained(as_json=as_json), session_scope() as session:
        if (region is None) == (not national):
            raise InputInvalidError("give either --region AREA, --national or --all-regions")
        result = service.forecast_series(
            session,
            acting(session),
            area_code=region,
            series=series,
            network=network,
            horizon=horizon,
            threshold=threshold,
        )
    if plot:
        from sunset.stats.charts import forecast_chart

        forecast_chart(result, [plot])
    if as_json:
        print_json(result)
    else:
        _print_forecast(result)


def _forecast_all(
    *, network: str | None, horizon: int, as_json: bool, rest: tuple[str | None, bool]
) -> None:
    with (
        explained(as_json=as_json),
        working("Forecasting every region"),
        session_scope() as session,
    ):
        if rest != (None, False):
            raise InputInvalidError("--all-regions goes without --region and --national")
        result = service.forecast_regions(
            session, acting(session), network=network, horizon=horizon
        )
    if as_json:
        print_json(result)
        return
    table = Table(
        "region",
        "last",
        "lines",
        "model",
        "cleared (80 %)",
        "P(clear by deadline)",
        title=f"{len(result.forecasts)} regions, {result.network} lines",
    )
    for area, found in result.forecasts.items():
        when = found.clearance
        table.add_row(
            area,
            found.last_observed,
            f"{found.last_value:,.0f}",
            found.model,
            "-"
            if when is None or when.expected is None
            else f"{when.expected} ({when.earliest80 or '?'} to {when.latest80 or '?'})",
            "-" if found.p_clear_by_deadline is None else f"{found.p_clear_by_deadline:.0%}",
        )
    console.print(table)
    for area, why in result.skipped.items():
        err_console.print(f"note: {area}: no forecast: {why}", highlight=False)


def report_command(
    month: Annotated[str, typer.Option("--month", help="The report's month (YYYY-MM).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")],
    network: NetworkOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the month's report on the network being retired (or --network): index.html, CSV
    tables, charts as PNG and SVG."""
    with (
        explained(as_json=as_json),
        working(f"Writing the report of {month}"),
        session_scope() as session,
    ):
        done = service.write_report(
            session, acting(session), month=month, folder=out, network=network
        )
    if as_json:
        print_json({"folder": str(done.folder), "files": done.files, "charts": done.charts})
        return
    console.print(f"Wrote {len(done.files)} file(s) to {done.folder}: open index.html.")
    for note in done.notes:
        err_console.print(f"note: {note}", highlight=False)


def simulate_command(
    plan: Annotated[
        list[Path], typer.Option("--plan", help="A candidate: a plan file (YAML or CSV); repeat.")
    ],
    months: Annotated[int, typer.Option("--months", help="Month-ends to simulate.")] = 24,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same run).")] = 1,
    network: Annotated[
        str | None,
        typer.Option("--network", help="Network being retired (default: the one with plans)."),
    ] = None,
    churn: Annotated[
        str, typer.Option("--churn", help="Fit natural churn on: auto, snapshots or national.")
    ] = "auto",
    leave_without_service: Annotated[
        float,
        typer.Option(
            "--leave-without-service",
            help="Monthly chance that a line without service leaves (else its user complains).",
        ),
    ] = 0.3,
    take_up: Annotated[
        float,
        typer.Option(
            "--take-up",
            help="Monthly take-up of an offer with no migrations recorded to fit it on.",
        ),
    ] = 0.02,
    offer: Annotated[
        list[str] | None,
        typer.Option("--offer", help="Run only this offer (repeat); default: every offer."),
    ] = None,
    no_offers: Annotated[bool, typer.Option("--no-offers", help="Run no offer.")] = False,
    today: Annotated[str | None, typer.Option("--today", help="Start (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate candidate plans month by month from today's base and compare them."""
    from .plans import read_plan_file

    with explained(as_json=as_json), session_scope() as session:
        candidates = [(path.stem, read_plan_file(path)) for path in plan]
        result = service.simulate(
            session,
            acting(session),
            candidates=candidates,
            today=today_option(today),
            months=months,
            seed=seed,
            network=network,
            churn=churn,
            leave_without_service=leave_without_service,
            take_up=take_up,
            offers=[] if no_offers else offer,
        )
    if as_json:
        print_json(result)
        return
    table = Table(
        "",
        *(p.name for p in result.plans),
        title=f"{result.start_lines:,} live {result.network} lines",
    )
    rows = {
        f"remaining {result.months[-1]}": [f"{p.remaining[-1]:,}" for p in result.plans],
        "cleared (< 1 %)": [p.clearance_month or "-" for p in result.plans],
        **{f"left: {k}": [f"{p.left[k]:,}" for p in result.plans] for k in result.plans[0].left},
        "refunds (yuan)": [p.refunds_yuan for p in result.plans],
        "upkeep saved (yuan)": [p.upkeep_saved_yuan for p in result.plans],
        "handset subsidies (yuan)": [p.subsidies_yuan for p in result.plans],
        "free credit (yuan)": [p.credits_yuan for p in result.plans],
        "complaints (line-months)": [f"{p.complaints:,}" for p in result.plans],
    }
    for label, cells in rows.items():
        table.add_row(label, *cells)
    console.print(table)
    console.print(
        f"Natural churn {100 * result.natural_churn_per_month:.2f} % a month, fitted on "
        f"{result.fitted_from}; seed {result.seed}."
    )
    for note in result.notes:
        err_console.print(f"note: {note}", highlight=False)


def register(root: typer.Typer) -> None:
    """Add `stats` (with `stats import`), `forecast`, `report`, `simulate` to the root command."""
    root.add_typer(app, name="stats")
    root.command("forecast")(forecast_command)
    root.command("report")(report_command)
    root.command("simulate")(simulate_command)
