"""Every local network's forecast at once, each region a task (here, or on a Dask cluster).

The database is read here, in the caller's process: every region's month-ends in one query, the
network's deadline, its plans and the national shape. Each region's request is plain data
(``outlook.Request``), forecast by the pure ``outlook`` in this process or as a task on the
scheduler ``SUNSET_DASK_SCHEDULER`` names (``kit.tasks``); the plans' notes are added here after.
Each region's forecast is the one `sunset forecast --region AREA` gives; a region with fewer
than two month-ends, none with a live line, or a series no model can extrapolate is skipped,
with the reason.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from sunset.errors import InputInvalidError
from sunset.kit import tasks
from sunset.plans import repository as plans_repository
from sunset.stats import repository, service
from sunset.stats.outlook import Request, outlook
from sunset.stats.schemas import Forecast, RegionalForecasts


def forecast_regions(
    session: Session,
    *,
    network_code: str | None = None,
    horizon: int = 24,
    operator_code: str | None = None,
) -> RegionalForecasts:
    """Forecast every local network's live lines of ``network_code`` (by default the one being
    retired; of one operator, if given), each region a task."""
    if not 1 <= horizon <= 240:
        raise InputInvalidError(f"--horizon must be 1 to 240 months, not {horizon}")
    network = service.network_of(session, network_code)
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for area, month, live in sorted(
        repository.live_by_month(
            session, by="region", network_code=network, operator_code=operator_code
        )
    ):
        series[area].append((month, float(live)))
    requests, skipped = _requests(session, series, network=network, horizon=horizon)
    found = tasks.each_region(forecast_or_reason, requests, what="forecast")
    plans = {p.area_code: p for p in plans_repository.list_all(session, network_code=network)}
    forecasts = {}
    for area, result in found.items():
        if isinstance(result, str):
            skipped[area] = result
            continue
        notes = [*result.notes, *service.plan_notes(plans.get(area))]
        forecasts[area] = result.model_copy(update={"notes": notes})
    return RegionalForecasts(
        network=network,
        operator=operator_code,
        horizon=horizon,
        forecasts=forecasts,
        skipped=dict(sorted(skipped.items())),
    )


def _requests(
    session: Session,
    series: dict[str, list[tuple[str, float]]],
    *,
    network: str,
    horizon: int,
) -> tuple[dict[str, Request], dict[str, str]]:
    """Each region's request, as `forecast_region` makes it; the regions with nothing to
    forecast, with the reason."""
    deadline = service.deadline_month(session, network)
    planned = {p.area_code for p in plans_repository.list_all(session, network_code=network)}
    reference = service.national_shape(session)
    requests, skipped = {}, {}
    for area, points in series.items():
        if len(points) < 2:
            skipped[area] = f"{len(points)} month-end snapshot(s); a forecast needs two"
        elif max(v for _, v in points) <= 0:
            skipped[area] = f"no live {network} line at any month-end"
        else:
            requests[area] = Request(
                series=f"{area}:{network}",
                unit="lines",
                months=[m for m, _ in points],
                values=[v for _, v in points],
                horizon=horizon,
                deadline=deadline,
                closed=deadline is not None or area in planned,
                reference=reference,
            )
    return requests, skipped


def forecast_or_reason(request: Request) -> Forecast | str:
    """One region's forecast, or why there is none (a region's task)."""
    try:
        return outlook(request)
    except ArithmeticError as exc:  # a series no model can extrapolate (e.g. a cliff to zero)
        return f"no forecast of this series: {exc}"
