"""Pure rules of the number database: which entry routes a number at a moment.

Moments are naive timestamps in China Standard Time (UTC+8). The in-memory index counts them in
whole minutes since 1970-01-01 00:00 (``to_minutes``): ports take effect on the hour, so nothing
finer is ever needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from sunset.kit.checks import Check, check_header
from sunset.routing.vocabulary import LINE_SOURCE, PORTED_SOURCES

EPOCH = datetime(1970, 1, 1)
MINUTE_BITS = 27  # 2**27 minutes: moments up to 2225, beside a 37-bit national number in 64 bits
MAX_MINUTE = (1 << MINUTE_BITS) - 1

RoutingNumbers = Mapping[tuple[str, str], str]


def to_minutes(moment: datetime) -> int:
    """Return whole minutes since 1970-01-01 00:00, clamped to what the index can hold."""
    minutes = (moment - EPOCH) // timedelta(minutes=1)
    return min(max(minutes, 0), MAX_MINUTE)


def to_the_minute(moment: datetime) -> datetime:
    """Drop the seconds of a moment: the number database keeps moments to the minute."""
    return moment.replace(second=0, microsecond=0)


def from_minutes(minutes: int) -> datetime:
    """Return the moment ``to_minutes`` came from (to the minute)."""
    return EPOCH + timedelta(minutes=int(minutes))


@dataclass(frozen=True)
class Entry:
    """A dated entry of the number database, as the rule needs it."""

    valid_from: datetime
    operator_code: str
    network_code: str
    routing_number: str | None
    source: str
    forward_to: str | None = None
    forward_until: datetime | None = None


@dataclass(frozen=True)
class LiveLine:
    """The live line holding a number: its operator and network, from its activation day on."""

    operator_code: str
    network_code: str
    routing_number: str | None
    activated: datetime


@dataclass(frozen=True)
class Route:
    """Who serves ``number`` at a moment, and whether calls also ring elsewhere then.

    ``forward_to``/``forward_until`` are set only while the forwarding window is open.
    ``note`` explains an unassigned number (in quarantine, in the free pool).
    """

    number: str
    assigned: bool
    operator_code: str | None
    network_code: str | None
    routing_number: str | None
    ported: bool
    source: str | None
    valid_from: datetime | None
    forward_to: str | None = None
    forward_until: datetime | None = None
    note: str | None = None


def unassigned(number: str, note: str | None = None) -> Route:
    """The route of a number nobody serves."""
    return Route(number, False, None, None, None, False, None, None, note=note)


def routing_number_for(
    numbers: RoutingNumbers, operator_code: str, network_code: str
) -> str | None:
    """Return the routing number of an (operator, network), if one is assigned."""
    return numbers.get((operator_code, network_code))


def entry_in_force(entries: Sequence[Entry], at: datetime) -> Entry | None:
    """Return the entry with the greatest ``valid_from`` not after ``at``, if any."""
    due = [e for e in entries if e.valid_from <= at]
    return max(due, key=lambda e: e.valid_from, default=None)


def resolve(number: str, at: datetime, entries: Sequence[Entry], line: LiveLine | None) -> Route:
    """Route ``number`` at moment ``at``.

    The entry with the greatest ``valid_from`` not after ``at`` decides, unless the live line
    holding the number was activated after it (the number was given out again: a reissued or
    ported-back number); without an entry, the live line serves it (an unported number is served
    by its own operator) from its activation day; without that, the number is unassigned
    (quarantined after a switch-off, or never given out). On a tie the entry decides.
    Calls also ring on ``forward_to`` during [valid_from, forward_until).

    Worked example: 0551-62345678 is a Telecom PHS line activated 2005-03-01; a port to Unicom
    WCDMA is scheduled for 2011-06-02 10:00 with calls ringing on the PHS handset too until
    2011-07-01. At 2011-06-02 09:59 Telecom PHS serves it (from the line, not ported); at 10:00
    Unicom WCDMA serves it (ported) and forwarding is on; from 2011-07-01 00:00 Unicom alone.
    """
    entry = entry_in_force(entries, at)
    line_due = line is not None and line.activated <= at
    if line_due and entry is not None and line.activated > entry.valid_from:  # type: ignore[union-attr]
        entry = None  # the number was given out again after that entry: the new line decides
    if entry is not None:
        window = entry.forward_until is None or at < entry.forward_until
        forwarding = entry.forward_to is not None and window
        return Route(
            number=number,
            assigned=True,
            operator_code=entry.operator_code,
            network_code=entry.network_code,
            routing_number=entry.routing_number,
            ported=entry.source in PORTED_SOURCES,
            source=entry.source,
            valid_from=entry.valid_from,
            forward_to=entry.forward_to if forwarding else None,
            forward_until=entry.forward_until if forwarding else None,
        )
    if line is not None and line_due:
        return Route(
            number=number,
            assigned=True,
            operator_code=line.operator_code,
            network_code=line.network_code,
            routing_number=line.routing_number,
            ported=False,
            source=LINE_SOURCE,
            valid_from=line.activated,
        )
    return unassigned(number)


def forward_refusal(
    valid_from: datetime, forward_to: str | None, forward_until: datetime | None
) -> str | None:
    """Say what is wrong with a forwarding window, or None when it is sound."""
    if forward_until is not None and forward_to is None:
        return "forward_until: a forwarding window needs forward_to"
    if forward_until is not None and forward_until <= valid_from:
        return f"forward_until: {forward_until} is not after valid_from {valid_from}"
    return None


# --- the CSV of the number database ----------------------------------------------------------

REQUIRED = ("number", "operator", "network", "routing_number", "valid_from")
OPTIONAL = ("forward_to", "forward_until", "source", "area_code")
MOMENT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
EXPORT_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class ImportContext:
    """The catalogue an imported row is checked against."""

    operators: frozenset[str]
    networks: frozenset[str]
    routing_numbers: RoutingNumbers
    sources: frozenset[str]


def check_columns(names: Sequence[str]) -> list[str]:
    """Refuse a bad header of this import; return the columns that will be ignored."""
    return check_header(names, required=REQUIRED, optional=OPTIONAL)


def moment_expr(column: str) -> pl.Expr:
    """Parse a text column of moments (UTC+8) into timestamps; a bare date means 00:00."""
    col = pl.col(column).str.strip_chars()
    parsed = [col.str.strptime(pl.Datetime("us"), f, strict=False) for f in MOMENT_FORMATS]
    day = col.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    return pl.coalesce([*parsed, day]).dt.truncate("1m")


def typed(frame: pl.DataFrame, ctx: ImportContext) -> pl.DataFrame:
    """Add the parsed and looked-up columns the checks and the records need."""
    missing = [pl.lit("", pl.String).alias(c) for c in OPTIONAL if c not in frame.columns]
    frame = frame.with_columns(missing).with_columns(
        pl.col(c).fill_null("").str.strip_chars() for c in (*REQUIRED, *OPTIONAL)
    )
    known = pl.DataFrame(
        {
            "operator_v": [o for o, _ in ctx.routing_numbers],
            "network_v": [n for _, n in ctx.routing_numbers],
            "expected_rn": list(ctx.routing_numbers.values()),
        },
        schema={"operator_v": pl.String, "network_v": pl.String, "expected_rn": pl.String},
    )
    frame = frame.with_columns(
        operator_v=pl.col("operator").str.to_lowercase(),
        network_v=pl.col("network").str.to_lowercase(),
        source_v=pl.when(pl.col("source") == "")
        .then(pl.lit("import"))
        .otherwise(pl.col("source").str.to_lowercase()),
        valid_from_v=moment_expr("valid_from"),
        forward_until_v=moment_expr("forward_until"),
    )
    frame = frame.join(known, on=["operator_v", "network_v"], how="left", maintain_order="left")
    return frame.with_columns(
        routing_number_v=pl.when(pl.col("routing_number") == "")
        .then(pl.col("expected_rn"))
        .otherwise(pl.col("routing_number"))
    )


def checks(ctx: ImportContext) -> list[Check]:
    """Every condition a row of the number-database CSV must meet (after ``typed`` and the
    number columns ``number_error``/``forward_error`` are added)."""
    has_forward = pl.col("forward_to") != ""
    return [
        Check("number", pl.col("number_error").is_not_null(), "{number_error}"),
        Check(
            "operator",
            ~pl.col("operator_v").is_in(sorted(ctx.operators)),
            _known(ctx.operators, "operator"),
        ),
        Check(
            "network",
            ~pl.col("network_v").is_in(sorted(ctx.networks)),
            _known(ctx.networks, "network"),
        ),
        Check(
            "routing_number",
            pl.col("routing_number_v").is_null()
            & pl.col("operator_v").is_in(sorted(ctx.operators))
            & pl.col("network_v").is_in(sorted(ctx.networks)),
            "no routing number given and none is assigned to this operator and network",
        ),
        Check(
            "routing_number",
            (pl.col("routing_number") != "")
            & pl.col("expected_rn").is_not_null()
            & (pl.col("routing_number") != pl.col("expected_rn")),
            "routing number differs from {expected_rn}, the one of this operator and network",
        ),
        Check(
            "valid_from",
            pl.col("valid_from_v").is_null(),
            "valid_from must be a moment (YYYY-MM-DD HH:MM[:SS], UTC+8)",
        ),
        Check(
            "source", ~pl.col("source_v").is_in(sorted(ctx.sources)), _known(ctx.sources, "source")
        ),
        Check("forward_to", has_forward & pl.col("forward_error").is_not_null(), "{forward_error}"),
        Check(
            "forward_until",
            (pl.col("forward_until") != "") & pl.col("forward_until_v").is_null(),
            "forward_until must be a moment (YYYY-MM-DD HH:MM[:SS], UTC+8)",
        ),
        Check(
            "forward_until",
            (pl.col("forward_until") != "") & ~has_forward,
            "a forwarding window needs forward_to",
        ),
        Check(
            "forward_until",
            pl.col("forward_until_v") <= pl.col("valid_from_v"),
            "forward_until is not after valid_from",
        ),
    ]


def _known(values: frozenset[str], what: str) -> str:
    return f"unknown {what} (known: {', '.join(sorted(values))})"
