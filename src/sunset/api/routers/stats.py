"""Statistics and forecasts (JSON and PNG): an operator's staff see their operator's lines."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from sunset.api.deps import DB, ActorDep
from sunset.api.errors import REFUSALS
from sunset.desk import stats as desk
from sunset.desk.stats import Forecast, MonthlyReport, ProgressReport

router = APIRouter(tags=["stats"], responses=REFUSALS)

Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2011-09"])]
By = Literal["all", "region", "operator"]
Network = Annotated[str, Query(pattern=r"^[a-z0-9_-]{1,32}$")]
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
    """Remaining lines per month-end, by region, operator or in total, with the month's flows."""
    return desk.progress(session, actor, by=by, first=first, last=last, network=network)


@router.get("/stats/progress.png", response_class=Response, responses=PNG)
def progress_png(
    session: DB,
    actor: ActorDep,
    by: By = "all",
    network: Network = "phs",
    last: Month | None = None,
) -> Response:
    """Chart remaining lines per month-end (up to ``last``); in total, with the forecast."""
    chart = desk.progress_png(session, actor, by=by, network=network, last=last)
    return Response(chart, media_type=PNG_TYPE)


@router.get("/stats/report", response_model=MonthlyReport)
def report(session: DB, actor: ActorDep, month: Month) -> MonthlyReport:
    """The regulator's monthly report: progress by region, moves by target, complaints by kind."""
    return desk.report(session, actor, month=month)


@router.get("/forecasts/{area_code}.png", response_class=Response, responses=PNG)
def forecast_png(
    area_code: AreaCode,
    session: DB,
    actor: ActorDep,
    network: Network = "phs",
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
    network: Network = "phs",
    horizon: Horizon = 24,
) -> Forecast:
    """Forecast a region's remaining lines: expected, 80 % and 95 % intervals with the coverage
    the backtest showed, the clearance month with its 80 % range, P(clear by the deadline)."""
    return desk.forecast(session, actor, area_code=area_code, network=network, horizon=horizon)
