"""The shapes of the statistics and the forecast (also their JSON)."""

from __future__ import annotations

from pydantic import BaseModel


class ProgressRow(BaseModel):
    """One group (a local network, an operator, or all) at one month-end.

    ``remaining`` is in the report's unit (lines, or 10,000 subscribers for official series);
    the changes are against the month before and the December before (None when not recorded);
    the shares are of all fixed-line users, where a fixed-line series is loaded.
    """

    group: str
    month: str
    remaining: int | float
    change_month: int | float | None = None
    change_ytd: int | float | None = None
    share_pct: float | None = None
    share_start_of_year_pct: float | None = None
    terminated: int | None = None
    migrated: int | None = None
    ported_out: int | None = None
    refunds: int | None = None
    refunded_yuan: str | None = None
    # Lines closed by the switch-off sweep (``terminated`` is the closures customers asked for)
    # and lines that joined (activations, migrations in): remaining falls by terminated +
    # switched_off + migrated + ported_out - activated.
    switched_off: int | None = None
    activated: int | None = None


class ProgressReport(BaseModel):
    """Remaining lines month by month, the shape of the regulator's monthly report.

    ``network`` is the network whose lines are counted (the one being retired unless another
    was asked for); None when the groups are the networks themselves (``by`` network).
    """

    unit: str
    by: str
    source: str
    rows: list[ProgressRow]
    headlines: list[str]
    network: str | None = None


class OfficialImport(BaseModel):
    """What an import of an official series did."""

    series: str
    points: int
    first_month: str
    last_month: str


class ForecastPoint(BaseModel):
    """The predictive distribution of one future month-end (expected = its median)."""

    month: str
    expected: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


class HorizonError(BaseModel):
    """Backtest error at one horizon: mean absolute percentage error of the forecasts made that
    many months before a published month, and how many were scored."""

    months_ahead: int
    mape: float | None
    forecasts: int


class CandidateScore(BaseModel):
    """A candidate model and its rolling-origin backtest error.

    ``backtest_mape`` is over the horizons the choice was made on (``Forecast.chosen_on``);
    ``errors`` gives it at every horizon, over every origin.
    """

    model: str
    backtest_mape: float | None
    backtest_forecasts: int
    errors: list[HorizonError] = []


class Coverage(BaseModel):
    """How often the intervals held in the backtest, the choice and the calibration replayed at
    each origin on what was known then, pooled over 1..``months_ahead`` months ahead.

    None when no calibrated forecast could be scored: then no coverage is claimed.
    """

    held80: float | None
    held95: float | None
    forecasts: int
    months_ahead: int
    calibrated: bool
    calibration_errors: int
    source: str


class ClearanceDate(BaseModel):
    """The month the base falls below the threshold: median and 80 % range (None: not within
    the 20 years searched)."""

    expected: str | None
    earliest80: str | None
    latest80: str | None


class HardCore(BaseModel):
    """The floor a floor model fitted (the users who will not leave), with its 95 % range."""

    model: str
    value: float
    lo95: float
    hi95: float


class Forecast(BaseModel):
    """Expected remaining lines with intervals, the threshold month, the chance of clearing."""

    unit: str
    points: list[ForecastPoint]
    threshold_month: str | None
    p_clear_by_deadline: float | None
    series: str
    model: str
    backtest_mape: float | None
    candidates: list[CandidateScore]
    threshold: float
    deadline: str | None
    fit_from: str
    last_observed: str
    last_value: float
    observed_months: int
    interpolated_months: list[str]
    notes: list[str]
    interval_scale: float
    history: dict[str, float]
    chosen_on: list[int] = []  # the horizons (months ahead) the model was chosen on
    backtest_errors: list[HorizonError] = []  # the whole procedure, replayed, by months ahead
    coverage: Coverage | None = None
    clearance: ClearanceDate | None = None
    hard_core: HardCore | None = None
    closed: bool = False  # closed to new users: no bound above the last observed value
    shape_from: str | None = None  # the series whose shape was scaled (too few month-ends)


class RegionalForecasts(BaseModel):
    """Every local network's forecast of one network's lines (one operator's, if given), each
    the one `sunset forecast --region` gives; ``skipped``: the regions with none, and why."""

    network: str
    operator: str | None
    horizon: int
    forecasts: dict[str, Forecast]  # by area code
    skipped: dict[str, str] = {}


class SimulatedPlan(BaseModel):
    """One candidate plan's simulated months, departures and money."""

    name: str
    remaining: list[int]
    clearance_month: str | None
    left: dict[str, int]
    refunds_yuan: str
    upkeep_saved_yuan: str
    complaints: int
    subsidies_yuan: str = "0.00"  # handset subsidies of the offers taken
    credits_yuan: str = "0.00"  # free credit of the offers taken


class SimulationReport(BaseModel):
    """Candidate plans side by side, from one base (the live lines of ``network``), one fitted
    behaviour and one seed."""

    start: str
    start_lines: int
    months: list[str]
    natural_churn_per_month: float
    fitted_from: str
    seed: int
    lines_without_service: int
    leave_without_service: float
    plans: list[SimulatedPlan]
    notes: list[str]
    network: str | None = None


class MoveRow(BaseModel):
    """Lines moved on to another network in a month, by how and to which operator/network."""

    month: str
    how: str  # migration | port
    target: str
    lines: int
    number_kept: int = 0  # of ``lines``, those that took their number along
    network: str | None = None  # the network they left


class DestinationRow(BaseModel):
    """Lines that left the network one way, to one place: a network (a migration to our own
    new line, a port to another operator's), or none (terminated, switched off)."""

    how: str  # terminated | switched_off | migrated | ported_out
    to_operator: str | None
    to_network: str | None
    number_kept: bool
    last_month: int  # in the last month-end's month
    lines: int  # in every month recorded up to it


class Destinations(BaseModel):
    """Where the lines that left a network went, up to a month-end."""

    network: str
    last_month: str | None
    operator: str | None
    rows: list[DestinationRow]
