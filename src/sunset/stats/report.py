"""The monthly report for the regulator and the programme office: HTML, CSV tables, charts.

Every figure of the base counts the lines of one network, the one being retired unless another
is asked for: a line that migrated to CDMA or ported out has left it.

Writes into one folder: ``index.html`` (the regulator's sentences, the tables, every chart),
``progress.csv`` (remaining lines by region and month), ``departures.csv`` (lines that left by
how, and lines that joined, per month), ``networks.csv`` (every network's lines at the month-end,
the retired one's decline beside the growth of those its lines moved to), ``moves_by_target.csv``
(migrations and completed ports by target network), ``complaints.csv`` (by month, region and
kind), ``national.csv`` and ``national_forecast.csv`` (the official series and its forecast),
and each chart as PNG and SVG. Everything is as of the end of the report's month.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.care import service as care
from sunset.care.schemas import ComplaintCount
from sunset.errors import InputInvalidError, NotFoundError
from sunset.stats import charts, service
from sunset.stats.rules import parse_month
from sunset.stats.schemas import Forecast, MoveRow, ProgressReport

CHART_FORMATS = ("png", "svg")
Draw = Callable[[Any, Sequence[Path]], None]


@dataclass
class ReportFiles:
    """What a report wrote: the folder, every file, and the charts by name."""

    folder: Path
    files: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _write_csv(folder: Path, name: str, rows: Sequence[BaseModel], done: ReportFiles) -> None:
    path = folder / name
    columns = list(type(rows[0]).model_fields) if rows else ["month"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(r.model_dump() for r in rows)
    done.files.append(name)


def _chart(folder: Path, name: str, draw: Draw, subject: Any, done: ReportFiles) -> None:
    paths = [folder / f"{name}.{fmt}" for fmt in CHART_FORMATS]
    draw(subject, paths)
    done.charts.append(name)
    done.files += [p.name for p in paths]


def _national(session: Session, month: str) -> tuple[ProgressReport | None, Forecast | None]:
    try:
        table = service.official_progress(session, last=month)
    except NotFoundError:
        return None, None
    points = [(r.month, float(r.remaining)) for r in table.rows]
    if len(points) < 2:
        return table, None
    return table, service.forecast_points(session, points, series=service.NATIONAL)


def _own_forecast(session: Session, total: ProgressReport, network: str) -> Forecast | None:
    points = [(r.month, float(r.remaining)) for r in total.rows if r.group == "all"]
    if len(points) < 2 or max(v for _, v in points) <= 0:
        return None
    closed = service.closed_to_new_users(session, network_code=network)
    return service.forecast_points(
        session,
        points,
        series=f"all:{network}",
        unit="lines",
        network_code=network,
        closed=closed,
    )


def _terminations_together(total: ProgressReport) -> ProgressReport:
    """The departures chart stacks terminations, migrations and ports: a switch-off is a
    termination (销号) there, as it was before the flows told them apart."""
    rows = [
        r.model_copy(update={"terminated": (r.terminated or 0) + (r.switched_off or 0)})
        for r in total.rows
    ]
    return total.model_copy(update={"rows": rows})


def write_report(
    session: Session, *, month: str, folder: Path, network: str | None = None
) -> ReportFiles:
    """Write the report of ``month`` (YYYY-MM) into ``folder``, counting the lines of
    ``network`` (by default the network being retired)."""
    try:
        parse_month(month)
    except ValueError as exc:
        raise InputInvalidError(f"--month: {exc}") from None
    network = service.network_of(session, network)
    folder.mkdir(parents=True, exist_ok=True)
    done = ReportFiles(folder)
    by_region = service.progress(session, by="region", last=month, network_code=network)
    total = service.progress(session, last=month, network_code=network)
    networks = service.progress(session, by="network", first=month, last=month)
    _write_csv(folder, "progress.csv", by_region.rows, done)
    _write_csv(folder, "departures.csv", total.rows, done)
    if networks.rows:
        _write_csv(folder, "networks.csv", networks.rows, done)
    if by_region.rows:
        _chart(folder, "remaining_by_region", charts.progress_chart, by_region, done)
        _chart(folder, "departures", charts.departures_chart, _terminations_together(total), done)
    moves = service.moves_by_target(session, last=month, network_code=network)
    if moves:
        _write_csv(folder, "moves_by_target.csv", moves, done)
        _chart(folder, "moves_by_target", charts.moves_chart, moves, done)
    own = _own_forecast(session, total, network)
    if own is not None:
        _chart(folder, "own_forecast", charts.forecast_chart, own, done)
        _write_csv(folder, "own_forecast.csv", own.points, done)
    national, national_forecast = _national(session, month)
    if national is not None:
        _write_csv(folder, "national.csv", national.rows, done)
    if national_forecast is not None:
        _chart(folder, "national_forecast", charts.forecast_chart, national_forecast, done)
        _write_csv(folder, "national_forecast.csv", national_forecast.points, done)
    if not by_region.rows:
        done.notes.append(f"no month-end of the cycle recorded up to {month}")
    complaints = [c for c in care.report(session) if c.month <= month]
    if complaints:
        _write_csv(folder, "complaints.csv", complaints, done)
        _chart(folder, "complaints", charts.complaints_chart, complaints, done)
    else:
        done.notes.append(f"no complaint recorded up to {month}")
    tables = Tables(by_region, total, networks, moves, complaints)
    page = _page(month, tables, own, national, national_forecast, done)
    (folder / "index.html").write_text(page, encoding="utf-8")
    done.files.insert(0, "index.html")
    return done


def _table(rows: Sequence[BaseModel], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(getattr(r, c))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return html.escape(f"{value:,}" if isinstance(value, int) else str(value))


def _figure(name: str, caption: str, done: ReportFiles) -> str:
    if name not in done.charts:
        return ""
    return (
        f'<figure><img src="{name}.png" alt="{html.escape(caption)}">'
        f'<figcaption>{html.escape(caption)} (<a href="{name}.svg">SVG</a>)</figcaption></figure>'
    )


REPORTED_AHEAD = (3, 6, 12, 18)  # the horizons of the backtest table


def _forecast_text(forecast: Forecast | None) -> str:
    if forecast is None:
        return "<p>No forecast: fewer than two month-ends.</p>"
    p = forecast.p_clear_by_deadline
    when = forecast.clearance
    span = ""
    if when is not None and not when.earliest80 == when.latest80 == when.expected:
        span = (
            f" (80 % range {when.earliest80 or '–'} to "
            f"{when.latest80 or 'beyond the 20 years searched'})"
        )
    return (
        f"<p>Model {forecast.model}, chosen for the months ahead asked (backtest MAPE "
        f"{_cell(forecast.backtest_mape)} %); below {forecast.threshold:,.1f} "
        f"{html.escape(forecast.unit)} in {forecast.threshold_month or 'no month in sight'}"
        f"{span}; probability of clearing by {forecast.deadline or '–'}: {_cell(p)}. "
        f"{_coverage_text(forecast)}</p>" + _backtest_table(forecast)
    )


def _coverage_text(forecast: Forecast) -> str:
    cover = forecast.coverage
    if cover is None or cover.held80 is None or cover.held95 is None:
        return "No backtest has shown how often the intervals hold: none is claimed."
    return html.escape(
        f"In the backtest ({cover.source}, replayed on what was known at each origin), the 80 %"
        f" interval held {100 * cover.held80:.0f} % and the 95 % interval"
        f" {100 * cover.held95:.0f} % of {cover.forecasts} forecasts."
    )


def _backtest_table(forecast: Forecast) -> str:
    """MAPE of each candidate and of the choice replayed, at 3, 6, 12 and 18 months ahead."""
    head = "<th>model</th>" + "".join(f"<th>{h} months</th>" for h in REPORTED_AHEAD)
    rows = [(c.model, c.errors) for c in forecast.candidates]
    rows.append(("chosen (replayed)", forecast.backtest_errors))
    body = ""
    for name, errors in rows:
        by = {e.months_ahead: e.mape for e in errors}
        cells = "".join(
            f"<td>{'–' if by.get(h) is None else f'{by[h]:.1f} %'}</td>" for h in REPORTED_AHEAD
        )
        body += f"<tr><td>{html.escape(name)}</td>{cells}</tr>"
    return f"<table><tr>{head}</tr>{body}</table>"


@dataclass(frozen=True)
class Tables:
    """The report's tables of the base: by region, in total, by network, moves, complaints."""

    by_region: ProgressReport
    total: ProgressReport
    networks: ProgressReport
    moves: Sequence[MoveRow] = ()
    complaints: Sequence[ComplaintCount] = ()


FLOWS = ["terminated", "switched_off", "migrated", "ported_out", "activated"]


def _page(
    month: str,
    tables: Tables,
    own: Forecast | None,
    national: ProgressReport | None,
    national_forecast: Forecast | None,
    done: ReportFiles,
) -> str:
    network = html.escape(tables.total.network or "")
    region_columns = ["group", "month", "remaining", "change_month", "change_ytd", "share_pct"]
    latest = [r for r in tables.by_region.rows if r.month == month]
    sections = [
        f"<h1>Retirement of {network} 退网: {html.escape(month)}</h1>",
        f"<p>Every figure below counts the lines of {network} (网络: {network}): a line that"
        " migrated to another network or ported out has left it.</p>",
        "<ul>" + "".join(f"<li>{html.escape(h)}</li>" for h in tables.total.headlines) + "</ul>",
        f"<h2>Remaining {network} lines by region 各地剩余用户</h2>",
        _figure("remaining_by_region", "Remaining lines by region", done),
        _table(latest, region_columns),
        "<h2>Departures 离网 (terminated, switched off, migrated, ported out) and arrivals</h2>",
        _figure("departures", "Lines that left, by how", done),
        _table(tables.total.rows, ["month", "remaining", *FLOWS, "refunds", "refunded_yuan"]),
        "<h2>Networks side by side 各网络 (lines at the month-end)</h2>",
        _table(tables.networks.rows, ["group", "remaining", "change_month", *FLOWS]),
        "<h2>Where they went 去向 (migrations and ports, by target)</h2>",
        _figure("moves_by_target", "Migrations and ports by target", done),
        _table(tables.moves, ["month", "how", "target", "lines", "number_kept"]),
        "<h2>Forecast of the base 剩余用户预测</h2>",
        _figure("own_forecast", "Remaining lines with the forecast fan", done),
        _forecast_text(own),
    ]
    if national is not None:
        sections += [
            "<h2>National (official, 10,000 subscribers) 全国</h2>",
            "<ul>" + "".join(f"<li>{html.escape(h)}</li>" for h in national.headlines) + "</ul>",
            _figure("national_forecast", "National series with the forecast fan", done),
            _forecast_text(national_forecast),
        ]
    sections.append(_complaints_section(tables.complaints, done))
    sections.append("".join(f"<p><em>{html.escape(n)}</em></p>" for n in done.notes))
    style = "body{font-family:sans-serif;max-width:60em}td,th{padding:0 .6em;text-align:right}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sunset {month}'
        f"</title><style>{style}</style></head><body>{''.join(sections)}</body></html>\n"
    )


def _complaints_section(rows: Sequence[ComplaintCount], done: ReportFiles) -> str:
    if not rows:
        return ""
    return (
        "<h2>Complaints 投诉 (by month, region and kind)</h2>"
        + _figure("complaints", "Complaints by kind", done)
        + _table(rows, ["month", "area_code", "kind", "complaints", "pending"])
    )
