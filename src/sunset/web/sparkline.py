"""A small inline SVG of a series (a sparkline): the overview's trend of each region."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 120, 28, 3


class Point(Protocol):
    """A value at a month-end."""

    month: str
    remaining: int


def sparkline(points: Sequence[Point], *, width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """Return an SVG line through the points, scaled to their own range (the lowest at the
    bottom, the highest at the top), with a dot on the last; its title lists every month and
    value for a reader who hovers or cannot see it.

    >>> from types import SimpleNamespace as P
    >>> svg = sparkline([P(month="2011-01", remaining=100), P(month="2011-02", remaining=50)])
    >>> 'points="3.0,3.0 117.0,25.0"' in svg
    True
    """
    if not points:
        return Markup("")
    values = [p.remaining for p in points]
    low, high = min(values), max(values)
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    spread = (high - low) or 1

    def y(value: int) -> float:
        if high == low:  # a flat series: a line across the middle
            return height / 2
        return round(PAD + (high - value) / spread * (height - 2 * PAD), 1)

    xy = [(round(PAD + i * step, 1), y(v)) for i, v in enumerate(values)]
    title = ", ".join(f"{p.month}: {p.remaining:,}" for p in points)
    last_x, last_y = xy[-1]
    return Markup(
        f'<svg class="sparkline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<polyline points="{" ".join(f"{a},{b}" for a, b in xy)}" fill="none" '
        'stroke="currentColor" stroke-width="1.5"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2" fill="currentColor"/></svg>'
    )
