"""Statistics and forecasts for staff: an operator's staff see their operator's lines only.

Month-end snapshots and flows carry the operator, so they are filtered by it; complaints carry
none, so only an account of every operator (the regulator, a national admin) sees their counts.
Charts are PNG bytes drawn by matplotlib (imported lazily, on the first chart).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from sunset.access import service as access
from sunset.access.rules import Actor
from sunset.access.vocabulary import Permission
from sunset.care import service as care
from sunset.care.schemas import ComplaintCount
from sunset.errors import InputInvalidError, PermissionDeniedError
from sunset.stats import charts, regions
from sunset.stats import service as stats
from sunset.stats.report import ReportFiles
from sunset.stats.report import write_report as write_files
from sunset.stats.rules import parse_month
from sunset.stats.schemas import (
    Destinations,
    Forecast,
    MoveRow,
    OfficialImport,
    ProgressReport,
    RegionalForecasts,
    SimulationReport,
)
from sunset.stats.strategy import simulate_plans

from .common import audit

__all__ = ["Destinations", "Forecast", "ProgressReport"]

BY_CHOICES = stats.BY_CHOICES
NATIONAL = stats.NATIONAL  # the official series a forecast or a table reads by default
MAX_HORIZON = 120


class MonthlyReport(BaseModel):
    """The regulator's monthly report on the network being retired (``network``): progress by
    region and in total, moves, complaints."""

    month: str
    operator: str | None
    network: str
    by_region: ProgressReport
    total: ProgressReport
    moves: list[MoveRow]
    complaints: list[ComplaintCount] | None
    notes: list[str]


def _month(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        parse_month(value)
    except ValueError:
        raise InputInvalidError(f"{name}: {value!r} is not a month (YYYY-MM)") from None
    return value


def progress(
    session: Session,
    actor: Actor,
    *,
    by: str = "all",
    first: str | None = None,
    last: str | None = None,
    network: str | None = None,
) -> ProgressReport:
    """Return remaining lines per month-end (grouped ``by``), of the actor's operator."""
    access.require(actor, Permission.READ_STATS)
    return stats.progress(
        session,
        by=by,
        first=_month(first, "first"),
        last=_month(last, "last"),
        network_code=network,
        operator_code=actor.operator,
    )


def forecast(
    session: Session,
    actor: Actor,
    *,
    area_code: str,
    network: str | None = None,
    horizon: int = 24,
) -> Forecast:
    """Forecast a region's remaining lines of ``network`` (by default the one being retired;
    the actor's operator's) against the deadline."""
    access.require(actor, Permission.READ_STATS)
    _horizon(horizon)
    try:
        return stats.forecast_region(
            session,
            area_code=area_code,
            network_code=network,
            horizon=horizon,
            operator_code=actor.operator,
        )
    except ArithmeticError as exc:  # a series no model can extrapolate (e.g. a cliff to zero)
        raise InputInvalidError(f"{area_code}: no forecast of this series: {exc}") from None


def forecast_regions(
    session: Session,
    actor: Actor,
    *,
    network: str | None = None,
    horizon: int = 24,
) -> RegionalForecasts:
    """Forecast every region's remaining lines of ``network`` (by default the one being
    retired; the actor's operator's), each region a task: on the Dask cluster
    ``SUNSET_DASK_SCHEDULER`` names, else in this process."""
    access.require(actor, Permission.READ_STATS)
    _horizon(horizon)
    return regions.forecast_regions(
        session, network_code=network, horizon=horizon, operator_code=actor.operator
    )


def _horizon(horizon: int) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        raise InputInvalidError(f"horizon must be 1 to {MAX_HORIZON} months")


def report(
    session: Session, actor: Actor, *, month: str, network: str | None = None
) -> MonthlyReport:
    """Return the monthly report as of the end of ``month`` (YYYY-MM), counting the lines of
    ``network`` (by default the network being retired)."""
    access.require(actor, Permission.READ_STATS)
    _month(month, "month")
    network = stats.network_of(session, network)
    scope = {"last": month, "operator_code": actor.operator, "network_code": network}
    notes = []
    complaints: list[ComplaintCount] | None = None
    if actor.operator is None:
        complaints = [c for c in care.report(session) if c.month <= month]
    else:
        notes.append("complaints are not recorded by operator: the regulator's report has them")
    by_region = stats.progress(session, by="region", **scope)
    if not by_region.rows:
        notes.append(f"no month-end recorded up to {month}")
    return MonthlyReport(
        month=month,
        operator=actor.operator,
        network=network,
        by_region=by_region,
        total=stats.progress(session, **scope),
        moves=stats.moves_by_target(
            session, last=month, network_code=network, operator_code=actor.operator
        ),
        complaints=complaints,
        notes=notes,
    )


def _png(draw: Callable[[Any, list[Path]], None], subject: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="sunset-chart-") as folder:
        path = Path(folder) / "chart.png"
        draw(subject, [path])
        return path.read_bytes()


def _message_chart(title: str, message: str) -> bytes:
    def draw(_: object, paths: list[Path]) -> None:
        with charts.figure(paths, size=(9.0, 4.0)) as axes:
            axes.set_axis_off()
            axes.set_title(title)
            axes.text(0.5, 0.5, message, ha="center", va="center", wrap=True)

    return _png(draw, None)


def forecast_png(
    session: Session,
    actor: Actor,
    *,
    area_code: str,
    network: str | None = None,
    horizon: int = 24,
) -> bytes:
    """Draw a region's remaining lines with the forecast fan and the deadline, as PNG."""
    _horizon(horizon)
    try:
        found = forecast(session, actor, area_code=area_code, network=network, horizon=horizon)
    except InputInvalidError as exc:  # too few month-ends, or none with a live line
        return _message_chart(f"{area_code} {network or ''}: no forecast 暂无预测", exc.message)
    return _png(charts.forecast_chart, found)


def progress_png(
    session: Session,
    actor: Actor,
    *,
    by: str = "all",
    network: str | None = None,
    last: str | None = None,
) -> bytes:
    """Draw remaining lines of ``network`` (by default the one being retired) per month-end
    (up to ``last``) as PNG; in total, with the forecast."""
    table = progress(session, actor, by=by, network=network, last=last)
    if not table.rows:
        return _message_chart("Remaining users 剩余用户", "no month-end recorded yet 尚无月末数据")
    points = [(r.month, float(r.remaining)) for r in table.rows if r.group == "all"]
    network = table.network
    if by == "all" and network and len(points) >= 2 and max(v for _, v in points) > 0:
        series = f"{actor.operator or 'all'}:{network}"
        try:
            found = stats.forecast_points(
                session,
                points,
                series=series,
                unit="lines",
                network_code=network,
                closed=stats.closed_to_new_users(session, network_code=network),
            )
            return _png(charts.forecast_chart, found)
        except ArithmeticError:  # no model extrapolates it: the observed months alone
            pass
    return _png(charts.progress_chart, table)


def destinations(
    session: Session, actor: Actor, *, network: str | None = None, last: str | None = None
) -> Destinations:
    """Return where the lines that left ``network`` (by default the one being retired; the
    actor's operator's) went, up to the month-end ``last`` (default: the last recorded)."""
    access.require(actor, Permission.READ_STATS)
    return stats.destinations(
        session,
        last=_month(last, "last"),
        network_code=network,
        operator_code=actor.operator,
    )


def last_month(session: Session, actor: Actor) -> str | None:
    """Return the latest month-end recorded (YYYY-MM), the report's default month."""
    access.require(actor, Permission.READ_STATS)
    return stats.last_recorded_month(session)


def official_progress(
    session: Session,
    actor: Actor,
    *,
    series: str = stats.NATIONAL,
    first: str | None = None,
    last: str | None = None,
) -> ProgressReport:
    """Return an official series (in its unit) as a progress table."""
    access.require(actor, Permission.READ_STATS)
    return stats.official_progress(
        session, series=series, first=_month(first, "from"), last=_month(last, "to")
    )


def forecast_series(
    session: Session,
    actor: Actor,
    *,
    area_code: str | None,
    series: str = stats.NATIONAL,
    network: str | None = None,
    horizon: int = 24,
    threshold: float | None = None,
) -> Forecast:
    """Forecast a local network's lines (``area_code``; the actor's operator's) or an official
    series, with the threshold asked."""
    access.require(actor, Permission.READ_STATS)
    if area_code is not None:
        return stats.forecast_region(
            session,
            area_code=area_code,
            network_code=network,
            horizon=horizon,
            threshold=threshold,
            operator_code=actor.operator,
        )
    return stats.forecast_official(
        session, series=series, network_code=network, horizon=horizon, threshold=threshold
    )


def import_series(
    session: Session,
    actor: Actor,
    *,
    path: Path | None,
    series: str = stats.NATIONAL,
    now: datetime,
) -> OfficialImport:
    """Load an official series from a file (``path``), or the shipped national PHS series
    again (``path`` None), replacing the series of that name."""
    access.require(actor, Permission.RUN_JOBS)
    done = (
        stats.import_shipped(session)
        if path is None
        else stats.import_official(session, path=path, series=series)
    )
    audit(
        session,
        actor,
        action="stats.import",
        target=done.series,
        before=None,
        after=done.model_dump(mode="json"),
        now=now,
    )
    return done


def write_report(
    session: Session, actor: Actor, *, month: str, folder: Path, network: str | None = None
) -> ReportFiles:
    """Write the regulator's report of ``month`` into ``folder`` (every operator's figures: for
    the regulator and national admins)."""
    access.require(actor, Permission.READ_STATS)
    if actor.operator is not None:
        raise PermissionDeniedError(
            "the regulator's report covers every operator: an account of "
            f"{actor.operator} reads its own figures with `sunset stats`"
        )
    return write_files(session, month=month, folder=folder, network=network)


def simulate(
    session: Session,
    actor: Actor,
    *,
    candidates: Sequence[tuple[str, Sequence[Mapping[str, object]]]],
    today: date,
    months: int,
    seed: int,
    network: str | None = None,
    churn: str = "auto",
    leave_without_service: float = 0.3,
    take_up: float = 0.02,
    offers: Sequence[str] | None = None,
) -> SimulationReport:
    """Simulate candidate plans side by side from today's base (see ``stats.strategy``)."""
    access.require(actor, Permission.READ_PLANS)
    return simulate_plans(
        session,
        candidates=candidates,
        today=today,
        months=months,
        seed=seed,
        network=network,
        churn=churn,
        leave_without_service=leave_without_service,
        take_up=take_up,
        offers=offers,
    )
