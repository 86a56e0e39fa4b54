"""A series too short to be calibrated on its own follows a reference series' shape, scaled.

Pure: values in, a ``Forecast`` out.

A local network with a few month-ends has no backtest of its own worth the name. Its forecast
then follows the reference (the national series): from the region's last month on, the region
changes month by month as the reference did (observed, then forecast by the reference's chosen
model), scaled to the region's last count. The intervals, the backtest errors and their coverage
are the reference's (a region may stray further than the nation: the notes say so).
Example: the nation falls 3 % a month after the region's last month-end of 20,000 lines; the
region's expected path is 19,400, 18,818, ...
"""

from __future__ import annotations

import numpy as np

from sunset.stats import forecast as fc
from sunset.stats.outlook import SEARCH_MONTHS, Model, Request, Series, assemble, model_of
from sunset.stats.rules import add_months, months_between
from sunset.stats.schemas import Forecast


def scaled(request: Request, grid: fc.Grid, own: Model, reference: Series) -> Forecast:
    """Forecast ``grid`` along the reference's shape from the region's last month on."""
    if len(reference.months) < 2:
        raise ValueError(f"{reference.name}: at least two months are needed to follow its shape")
    shape = fc.to_grid(reference.months, reference.values)
    months = max(request.horizon, SEARCH_MONTHS)
    at = months_between(shape.start, grid.last)  # the region's last month on the reference
    start = max(at, 0)
    chosen = model_of(
        shape,
        horizon=request.horizon,
        months=max(months, start + months - (len(shape.logs) - 1)),
        refit=request.refit,
        max_origins=request.max_origins,
    )
    path = np.concatenate([shape.logs, chosen.mean])
    mean = grid.logs[-1] + path[start + 1 : start + 1 + months] - path[start]
    said = [
        f"only {int(grid.observed.sum())} month-end(s) here: its own backtest scored"
        f" {len(own.calibration.scores)} forecast(s), too few to calibrate; the forecast follows"
        f" the shape of {reference.name} from {_month_on(shape, start)} on, scaled to the last"
        f" count; the model, intervals, backtest and coverage are {reference.name}'s"
        " (a local network may stray further than the nation)"
    ]
    if at != start:
        said.append(f"{reference.name} starts after {grid.last}: its shape is taken from its start")
    return assemble(request, grid, chosen, mean, shape_from=reference.name, extra_notes=said)


def _month_on(shape: fc.Grid, index: int) -> str:
    return add_months(shape.start, index)
