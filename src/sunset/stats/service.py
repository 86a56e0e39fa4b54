"""Use cases of the statistics: the monthly progress table, official series, forecasts."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from sunset.errors import ImportRejectedError, InputInvalidError, NotFoundError
from sunset.kit.money import format_yuan
from sunset.kit.rows import RowError
from sunset.plans import repository as plans_repository
from sunset.plans.models import RetirementPlan
from sunset.reference import repository as reference
from sunset.stats import flows, repository, rules
from sunset.stats.flows import Flow
from sunset.stats.outlook import Request, Series, outlook
from sunset.stats.rules import parse_month
from sunset.stats.schemas import (
    DestinationRow,
    Destinations,
    Forecast,
    MoveRow,
    OfficialImport,
    ProgressReport,
    ProgressRow,
)

NATIONAL = "phs:national"
SHIPPED = Path(__file__).parent / "data" / "phs_china_national.csv"
BY_CHOICES = ("all", "region", "operator", "network")
OFFICIAL_UNIT = "10k subscribers"


def _by(by: str | None) -> str | None:
    if by in (None, "all"):
        return None
    if by not in BY_CHOICES:
        raise InputInvalidError(f"--by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    return by


def _totals(session: Session, groups: list[str], *, scale: float) -> dict[str, dict[str, float]]:
    """Fixed-line users per group (series ``fixed:<group>``), in the report's unit."""
    found: dict[str, dict[str, float]] = {}
    for group in groups:
        points = repository.series_points(session, f"fixed:{group}")
        if points:
            found[group] = {m: v * scale for m, v in points}
    return found


def retiring_networks(session: Session) -> list[str]:
    """Return the networks being retired: those with a retirement plan; before any plan is
    set, those with a regulator's deadline."""
    planned = repository.planned_networks(session)
    if planned:
        return rules.retiring_networks(planned, [])
    known = reference.networks(session).values()
    return rules.retiring_networks([], [n.code for n in known if n.retirement_deadline])


def network_of(session: Session, network_code: str | None = None) -> str:
    """Return the network whose lines the progress figures count: ``network_code`` (a known
    network), by default the one network being retired; refuse when several are (or none)."""
    if network_code is not None:
        known = reference.networks(session)
        if network_code not in known:
            raise NotFoundError(f"no network {network_code!r} (known: {', '.join(sorted(known))})")
        return network_code
    try:
        return rules.only_network(retiring_networks(session))
    except ValueError as exc:
        raise InputInvalidError(str(exc)) from None


def progress(
    session: Session,
    *,
    by: str | None = None,
    first: str | None = None,
    last: str | None = None,
    network_code: str | None = None,
    operator_code: str | None = None,
) -> ProgressReport:
    """Remaining (live) lines of one network per month-end with the changes, shares and flows
    of each month: ``network_code``'s lines, by default the network being retired's (a line
    that left it for another network has left); ``by`` network, every network side by side.

    ``operator_code`` narrows it to one operator's lines.
    """
    grouping = _by(by)
    network = None
    if grouping != "network" or network_code is not None:
        network = network_of(session, network_code)
    scope = {"network_code": network, "operator_code": operator_code}
    values: dict[str, dict[str, float]] = defaultdict(dict)
    for group, month, live in repository.live_by_month(session, by=grouping, **scope):
        values[group][month] = live
    _zero_before_first_line(values, repository.recorded_months(session))
    totals = _totals(session, list(values), scale=10_000)
    rows = rules.progress_rows(values, totals=totals, first=first, last=last)
    found = repository.flows_by_month(session, by=grouping, **scope)
    rows = [_with_flows(r, found.get((r.group, r.month), Flow())) for r in rows]
    for row in rows:
        row.remaining = int(row.remaining)
    return _report(rows, unit="lines", by=by or "all", source="snapshots", network=network)


def _zero_before_first_line(values: dict[str, dict[str, float]], recorded: list[str]) -> None:
    """A month-end recorded before a group had its first line counted none of its lines: a
    network that migrated lines join rises from 0, not from an unknown figure."""
    for series in values.values():
        first = min(series)
        series.update({month: 0 for month in recorded if month < first})


def last_recorded_month(session: Session) -> str | None:
    """Return the latest month-end recorded (YYYY-MM), or None before the first."""
    return repository.last_month(session)


def _with_flows(row: ProgressRow, flow: Flow) -> ProgressRow:
    counts = flow._asdict()
    fen = counts.pop("refunded_fen")
    return row.model_copy(
        update={
            "change_month": None if row.change_month is None else int(row.change_month),
            "change_ytd": None if row.change_ytd is None else int(row.change_ytd),
            **counts,
            "refunded_yuan": format_yuan(fen),
        }
    )


def _report(
    rows: list[ProgressRow], *, unit: str, by: str, source: str, network: str | None
) -> ProgressReport:
    last: dict[str, ProgressRow] = {row.group: row for row in rows}
    said = rules.lines_unit(network) if unit == "lines" else unit
    headlines = [rules.headline(row, unit=said) for row in last.values()]
    return ProgressReport(
        unit=unit, by=by, source=source, rows=rows, headlines=headlines, network=network
    )


def official_progress(
    session: Session, *, series: str = NATIONAL, first: str | None = None, last: str | None = None
) -> ProgressReport:
    """The same table for an official series (share from ``fixed:<place>`` when loaded)."""
    points = repository.series_points(session, series)
    if not points:
        raise NotFoundError(f"no official series {series!r}; load one with `sunset stats import`")
    place = series.split(":", 1)[-1]
    fixed = {m: v for m, v in repository.series_points(session, f"fixed:{place}")}
    rows = rules.progress_rows({place: dict(points)}, totals={place: fixed}, first=first, last=last)
    rows = [r.model_copy(update=_rounded(r)) for r in rows]
    what = series.split(":", 1)[0] if ":" in series else None  # phs:national counts phs
    return _report(rows, unit=OFFICIAL_UNIT, by="national", source=series, network=what)


def _rounded(row: ProgressRow) -> dict[str, float | None]:
    return {
        k: None if v is None else round(float(v), 1)
        for k, v in (("change_month", row.change_month), ("change_ytd", row.change_ytd))
    }


# --- official series -----------------------------------------------------------------------------


def read_official(path: Path) -> list[rules.OfficialRow]:
    """Read and check an official series file; refuse it whole, naming each bad row and field."""
    if not path.exists():
        raise InputInvalidError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputInvalidError(f"{path.name}: not UTF-8 text ({exc.reason})") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    missing = rules.header_problems(header)
    if missing:
        raise InputInvalidError(f"{path.name}: missing column(s) {', '.join(missing)}")
    good: list[tuple[int, rules.OfficialRow]] = []
    errors: list[RowError] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row, problems = rules.check_official_row(
            dict(zip(header, cells, strict=False)), line=reader.line_num
        )
        errors += problems
        if row is not None:
            good.append((reader.line_num, row))
    errors += rules.duplicate_months(good)
    if errors:
        raise ImportRejectedError(
            f"{path.name}: {len({e.row for e in errors})} bad row(s); nothing was imported: "
            + "; ".join(f"row {e.row}, {e.column} {e.value!r}: {e.reason}" for e in errors[:20]),
            errors=errors,
            error_count=len(errors),
        )
    if not good:
        raise InputInvalidError(f"{path.name}: the file has a header but no rows")
    return sorted((row for _, row in good), key=lambda r: r.month)


def import_official(session: Session, *, path: Path, series: str = NATIONAL) -> OfficialImport:
    """Replace an official series with a file's months (all or nothing)."""
    if not series or len(series) > 40:
        raise InputInvalidError("a series name has 1 to 40 characters, e.g. phs:national")
    rows = read_official(path)
    points = [
        {"month": r.month, "value_10k": r.value_10k, "quoted": r.quoted, "source": r.source}
        for r in rows
    ]
    repository.replace_series(session, series=series, points=points)
    session.flush()
    return OfficialImport(
        series=series, points=len(rows), first_month=rows[0].month, last_month=rows[-1].month
    )


def import_shipped(session: Session) -> OfficialImport:
    """Load (again) the national PHS series shipped with sunset."""
    return import_official(session, path=SHIPPED, series=NATIONAL)


# --- forecasts -----------------------------------------------------------------------------------


def deadline_month(session: Session, network_code: str) -> str | None:
    """Return the month (YYYY-MM) of ``network_code``'s regulator's deadline, or None."""
    network = reference.networks(session).get(network_code)
    if network is None:
        raise NotFoundError(f"no network {network_code!r}")
    day = network.retirement_deadline
    return f"{day:%Y-%m}" if day else None


def forecast_region(
    session: Session,
    *,
    area_code: str,
    network_code: str | None = None,
    horizon: int = 24,
    threshold: float | None = None,
    operator_code: str | None = None,
) -> Forecast:
    """Forecast a local network's live lines of one network (by default the one being
    retired), of one operator, from its month-end snapshots."""
    if area_code not in reference.local_networks(session):
        raise NotFoundError(f"no local network with area code {area_code}")
    network_code = network_of(session, network_code)
    series = sorted(
        (m, n)
        for _, m, n in repository.live_by_month(
            session, area_code=area_code, network_code=network_code, operator_code=operator_code
        )
    )
    if len(series) < 2:
        raise InputInvalidError(
            f"{area_code}: {len(series)} month-end snapshot(s) of {network_code}; a forecast needs"
            " at least two (run the cycle through more month-ends: `sunset run --until D`)"
        )
    if max(n for _, n in series) <= 0:
        raise InputInvalidError(
            f"{area_code}: no live {network_code} line at any month-end: nothing to forecast"
        )
    result = forecast_points(
        session,
        series,
        series=f"{area_code}:{network_code}",
        unit="lines",
        network_code=network_code,
        horizon=horizon,
        threshold=threshold,
        closed=closed_to_new_users(session, network_code=network_code, area_code=area_code),
        reference=national_shape(session),
    )
    return result.model_copy(
        update={"notes": [*result.notes, *_plan_notes(session, area_code, network_code)]}
    )


def closed_to_new_users(
    session: Session, *, network_code: str, area_code: str | None = None
) -> bool:
    """Tell whether no one can join ``network_code`` (in ``area_code``, or anywhere it has
    month-ends), so its base only shrinks: the whole network is retiring (it has a regulator's
    deadline, as PHS has), or every local network in scope has a retirement plan for it."""
    if deadline_month(session, network_code) is not None:
        return True
    planned = {p.area_code for p in plans_repository.list_all(session, network_code=network_code)}
    if area_code is not None:
        return area_code in planned
    found = repository.live_by_month(session, by="region", network_code=network_code)
    areas = {area for area, _, _ in found}
    return bool(areas) and areas <= planned


def national_shape(session: Session) -> Series:
    """The national series whose shape a local network with too few month-ends follows (the
    one loaded, else the one shipped)."""
    points = repository.series_points(session, NATIONAL)
    if len(points) < 2:
        points = [(r.month, r.value_10k) for r in read_official(SHIPPED)]
    return Series(NATIONAL, [m for m, _ in points], [float(v) for _, v in points])


def _plan_notes(session: Session, area_code: str, network_code: str) -> list[str]:
    """Say what the plan does that a forecast of the counts alone cannot know."""
    return plan_notes(plans_repository.get(session, area_code=area_code, network_code=network_code))


def plan_notes(plan: RetirementPlan | None) -> list[str]:
    """Say what a region's plan does that a forecast of the counts alone cannot know."""
    dates = [(p, getattr(plan, p)) for p in ("topups_refused", "switched_off")] if plan else []
    return [
        f"the plan sets {phase.replace('_', ' ')} on {day}: the forecast extrapolates the counts"
        " and does not know it (compare plans with `sunset simulate`)"
        for phase, day in dates
        if day is not None
    ]


def forecast_official(
    session: Session,
    *,
    series: str = NATIONAL,
    network_code: str | None = None,
    horizon: int = 24,
    threshold: float | None = None,
) -> Forecast:
    """Forecast an official series (default: the national PHS series) in its unit, against
    the deadline of ``network_code`` (by default the network being retired); a series of a
    retiring network (``phs:...``) is closed to new users."""
    network_code = network_of(session, network_code)
    points = repository.series_points(session, series)
    if len(points) < 2:
        raise NotFoundError(
            f"official series {series!r} has {len(points)} month(s); load it with"
            " `sunset stats import FILE` (or --shipped)"
        )
    return forecast_points(
        session,
        points,
        series=series,
        network_code=network_code,
        horizon=horizon,
        threshold=threshold,
        closed=series.startswith(f"{network_code}:")
        and closed_to_new_users(session, network_code=network_code),
    )


def forecast_points(
    session: Session,
    points: Sequence[tuple[str, float]],
    *,
    series: str,
    unit: str = OFFICIAL_UNIT,
    network_code: str = "phs",
    horizon: int = 24,
    threshold: float | None = None,
    closed: bool = False,
    reference: Series | None = None,
) -> Forecast:
    """Forecast (month, count) points against the deadline of ``network_code``; ``closed``:
    no one can join (no bound above the last count); ``reference``: the shape to follow when
    the points are too few to calibrate a forecast of their own."""
    if not 1 <= horizon <= 240:
        raise InputInvalidError(f"--horizon must be 1 to 240 months, not {horizon}")
    if threshold is not None and threshold <= 0:
        raise InputInvalidError(f"--threshold must be above zero, not {threshold}")
    request = Request(
        series=series,
        unit=unit,
        months=[m for m, _ in points],
        values=[float(v) for _, v in points],
        horizon=horizon,
        threshold=threshold,
        deadline=deadline_month(session, network_code),
        closed=closed,
        reference=reference,
    )
    return outlook(request)


def moves_by_target(
    session: Session,
    *,
    last: str,
    network_code: str | None = None,
    operator_code: str | None = None,
) -> list[MoveRow]:
    """Return the lines that moved from ``network_code`` (by default the network being
    retired) to another network, month by month up to month ``last`` (YYYY-MM), by how
    (migration or port) and target (only those ``operator_code`` lost, if given)."""
    try:
        parse_month(last)
    except ValueError as exc:
        raise InputInvalidError(str(exc)) from None
    network = network_of(session, network_code)
    rows = flows.moves(session, network_code=network, last=last, operator_code=operator_code)
    return [
        MoveRow(month=m, how=h, target=t, lines=n, number_kept=k, network=network)
        for m, h, t, n, k in rows
    ]


def destinations(
    session: Session,
    *,
    last: str | None = None,
    network_code: str | None = None,
    operator_code: str | None = None,
) -> Destinations:
    """Return where the lines that left ``network_code`` (by default the network being retired)
    went, up to month ``last`` (default: the last month-end recorded): how they left, to which
    operator and network, with their number or not, in that month and in all."""
    network = network_of(session, network_code)
    last = last or repository.last_month(session)
    rows = []
    if last is not None:
        rows = [
            DestinationRow(
                how=how,
                to_operator=operator or None,
                to_network=target or None,
                number_kept=kept,
                last_month=in_month,
                lines=lines,
            )
            for how, operator, target, kept, in_month, lines in flows.destinations(
                session, network_code=network, last=last, operator_code=operator_code
            )
        ]
    return Destinations(network=network, last_month=last, operator=operator_code, rows=rows)
