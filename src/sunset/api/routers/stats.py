"""Statistics and forecasts (JSON and PNG): an operator's staff see their operator's lines."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from sunset.http.deps import DB, ActorDep
from sunset.http.errors import REFUSALS
from sunset.usecases import stats as desk
from sunset.usecases.stats import Destinations, Forecast, MonthlyReport, ProgressReport

router = APIRouter(tags=["stats"], responses=REFUSALS)

Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2011-09"])]
By = Literal["all", "region", "operator", "network"]
Network = Annotated[
    str,
    Query(
        pattern=r"^[a-z0-9_-]{1,32}$",
        description="Count this network's lines (default: the network being retired)",
    ),
]
Horizon = Annotated[int, Query(ge=1, le=desk.MAX_HORIZON, description="Months ahead")]
AreaCode = Annotated[str, Path(pattern=r"^0\d{2,3}$", examples=["023"])]


PNG_TYPE = "image/png"
# Documented by hand: the chart is image/png, the refusals stay JSON (REFUSALS on the router).
PNG: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {PNG_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        "description": "A PNG chart",
    }
}


@router.get("/stats/progress", response_model=ProgressReport)
def progress(
    session: DB,
    actor: ActorDep,
    by: By = "all",
    first: Month | None = None,
    last: Month | None = None,
    network: Network | None = None,
) -> ProgressReport:
    """Remaining lines of the network being retired (or ``network``) per month-end, by region,
    operator or in total, with the month's flows; ``by=network``: every network side by side."""
    return desk.progress(session, actor, by=by, first=first, last=last, network=network)


@router.get("/stats/progress.png", response_class=Response, responses=PNG)
def progress_png(
    session: DB,
    actor: ActorDep,
    by: By = "all",
    network: Network | None = None,
    last: Month | None = None,
) -> Response:
    """Chart remaining lines per month-end (up to ``last``); in total, with the forecast."""
    chart = desk.progress_png(session, actor, by=by, network=network, last=last)
    return Response(chart, media_type=PNG_TYPE)


@router.get("/stats/report", response_model=MonthlyReport)
def report(
    session: DB, actor: ActorDep, month: Month, network: Network | None = None
) -> MonthlyReport:
    """The regulator's monthly report on the network being retired (or ``network``): progress
    by region, moves by target, complaints by kind."""
    return desk.report(session, actor, month=month, network=network)


@router.get("/stats/departures", response_model=Destinations)
def departures(
    session: DB, actor: ActorDep, network: Network | None = None, last: Month | None = None
) -> Destinations:
    """Where the lines that left the network being retired (or ``network``) went, up to the
    month-end ``last`` (default: the last recorded): how, to which network, number kept."""
    return desk.destinations(session, actor, network=network, last=last)


@router.get("/forecasts/{area_code}.png", response_class=Response, responses=PNG)
def forecast_png(
    area_code: AreaCode,
    session: DB,
    actor: ActorDep,
    network: Network | None = None,
    horizon: Horizon = 24,
) -> Response:
    """Chart a region's remaining lines with the forecast (a note until two month-ends exist)."""
    chart = desk.forecast_png(session, actor, area_code=area_code, network=network, horizon=horizon)
    return Response(chart, media_type=PNG_TYPE)


@router.get("/forecasts/{area_code}", response_model=Forecast)
def forecast(
    area_code: AreaCode,
    session: DB,
    actor: ActorDep,
    network: Network | None = None,
    horizon: Horizon = 24,
) -> Forecast:
    """Forecast a region's remaining lines: expected, 80 % and 95 % intervals with the coverage
    the backtest showed, the clearance month with its 80 % range, P(clear by the deadline)."""
    return desk.forecast(session, actor, area_code=area_code, network=network, horizon=horizon)
