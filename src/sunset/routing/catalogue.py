"""The routing numbers of (operator, network) pairs: shipped YAML plus an operator's own file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from sunset.routing.rules import RoutingNumbers

DEFAULT_FILE = Path(__file__).parents[1] / "reference" / "data" / "routing_numbers.yaml"


@lru_cache(maxsize=4)
def routing_numbers(extra: Path | None = None) -> RoutingNumbers:
    """Read the shipped routing numbers and, if given, an operator's file (its rows win)."""
    table: dict[tuple[str, str], str] = {}
    for source in (DEFAULT_FILE, extra):
        if source is None:
            continue
        data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
        for row in data.get("routing_numbers") or []:
            table[(str(row["operator"]), str(row["network"]))] = str(row["routing_number"])
    return table
