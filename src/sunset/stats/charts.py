"""Charts of the statistics (matplotlib, Agg backend, imported lazily: it costs a second).

Labels are bilingual; Chinese needs a CJK font (Debian's fonts-wqy-microhei, installed by the
project's scripts). matplotlib lists the fonts it knows in a cache built once, so a font
installed afterwards is looked for among the system's font files too (``find_cjk_font``). When
there is none, the labels are drawn in English only: never boxes for the Chinese glyphs. A PNG
names the font its text was drawn in (metadata ``Font`` and ``Font-File``).
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, cast

from sunset.care.schemas import ComplaintCount
from sunset.stats.rules import parse_month
from sunset.stats.schemas import Forecast, MoveRow, ProgressReport

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Droid Sans Fallback",
)
FONTS = [*CJK_FONTS, "DejaVu Sans"]
NO_FONT = "none (labels in English)"
# Han characters, CJK punctuation and full-width forms: what a Latin font draws as boxes.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
# pyplot and rcParams are global to the process: a web server drawing two charts at once in two
# threads would restore each other's fonts halfway (Chinese drawn as boxes). One at a time.
_DRAWING = threading.Lock()
_found: list[str | None] = []  # the CJK font of this process, once looked for


def find_cjk_font(manager: Any, system_fonts: Callable[[], Iterable[str]]) -> str | None:
    """Return the first of CJK_FONTS that matplotlib's font ``manager`` knows (None: none).

    When it knows none, the font files of the system it has not listed (``system_fonts()``:
    installed after its cache was built) are added to it first; a file FreeType cannot read is
    passed over.
    """

    def known() -> str | None:
        names = {f.name for f in manager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    if (found := known()) is not None:
        return found
    listed = {f.fname for f in manager.ttflist}
    for path in system_fonts():
        if path not in listed:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return known()


def chart_font() -> str | None:
    """Return the CJK font this process draws Chinese in, looked for once (None: none)."""
    if not _found:
        from matplotlib import font_manager

        _found.append(find_cjk_font(font_manager.fontManager, font_manager.findSystemFonts))
    return _found[0]


def english_only(text: str) -> str:
    """Return a bilingual label without its Chinese words.

    >>> english_only("forecast 预测 (ets_trend)")
    'forecast (ets_trend)'
    >>> english_only("Remaining users 剩余用户: all:phs")
    'Remaining users: all:phs'
    >>> english_only("telecom/cdma2000 (迁转 migration)")
    'telecom/cdma2000 (migration)'
    """
    text = re.sub(r"\s+", " ", _CJK.sub(" ", text))
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    return re.sub(r"\s+([:;,.])", r"\1", text.replace("()", "")).strip()


def _font_file(family: str | None) -> str:
    from matplotlib import font_manager

    return str(font_manager.findfont(font_manager.FontProperties(family=[family or "sans-serif"])))


@contextmanager
def figure(paths: Sequence[Path], *, size: tuple[float, float] = (9.0, 5.0)) -> Iterator[Any]:
    """Yield the axes of a new figure; save it to every path (PNG, SVG by suffix) afterwards."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    with _DRAWING:
        font = chart_font()
    families = [font, *FONTS] if font else FONTS
    rc = {"font.family": "sans-serif", "font.sans-serif": families, "svg.fonttype": "none"}
    with _DRAWING, matplotlib.rc_context(cast(Any, rc)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, axes = plt.subplots(figsize=size)
        try:
            yield axes
            if font is None:  # no font draws the Chinese: say it in English rather than boxes
                for text in fig.findobj(Text):
                    text.set_text(english_only(text.get_text()))
            fig.autofmt_xdate()
            fig.tight_layout()
            used = {"Font": font or NO_FONT, "Font-File": _font_file(font)}
            for path in paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                png = path.suffix.lower() == ".png"
                fig.savefig(path, dpi=110, metadata=used if png else None)
        finally:
            plt.close(fig)


def _days(months: Sequence[str]) -> list[date]:
    return [parse_month(m) for m in months]


def draw_forecast(axes: Any, forecast: Forecast, *, label: str) -> None:
    """Draw the observed series, the forecast fan (80 % and 95 %, with the coverage their
    backtest showed), the threshold with the clearance month's 80 % range, and the deadline."""
    seen = sorted(forecast.history.items())
    axes.plot(_days([m for m, _ in seen]), [v for _, v in seen], "o-", ms=3, label=label)
    months = _days([p.month for p in forecast.points])
    pts = forecast.points
    axes.fill_between(
        months, [p.lo95 for p in pts], [p.hi95 for p in pts], alpha=0.2, label=_band(forecast, 95)
    )
    axes.fill_between(
        months, [p.lo80 for p in pts], [p.hi80 for p in pts], alpha=0.35, label=_band(forecast, 80)
    )
    axes.plot(months, [p.expected for p in pts], "--", label=f"forecast 预测 ({forecast.model})")
    axes.axhline(forecast.threshold, color="grey", lw=0.8, ls=":", label=_threshold(forecast))
    _draw_clearance(axes, forecast, last=months[-1] if months else None)
    if forecast.deadline:
        axes.axvline(parse_month(forecast.deadline), color="red", lw=0.8, label="deadline 期限")
    axes.set_ylabel(forecast.unit)
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=8)


def _band(forecast: Forecast, level: int) -> str:
    held = None if forecast.coverage is None else getattr(forecast.coverage, f"held{level}")
    return f"{level} %" + ("" if held is None else f" (backtest 回测 {100 * held:.0f} %)")


def _threshold(forecast: Forecast) -> str:
    when = forecast.clearance
    if when is None or when.expected is None:
        return "threshold 阈值"
    if when.earliest80 == when.latest80:
        return f"threshold 阈值: {when.expected}"
    return (
        f"threshold 阈值: {when.expected} (80 %: {when.earliest80 or '–'} – "
        f"{when.latest80 or '> 20 y'})"
    )


def _draw_clearance(axes: Any, forecast: Forecast, *, last: date | None) -> None:
    """Shade the clearance month's 80 % range on the threshold line, as far as the chart goes."""
    when = forecast.clearance
    if when is None or when.earliest80 is None or last is None:
        return
    start = parse_month(when.earliest80)
    if start > last:
        return
    end = min(parse_month(when.latest80), last) if when.latest80 else last
    axes.plot([start, end], [forecast.threshold] * 2, color="black", lw=3, alpha=0.5)
    if when.expected and parse_month(when.expected) <= last:
        axes.plot([parse_month(when.expected)], [forecast.threshold], "kv", ms=6)


def forecast_chart(forecast: Forecast, paths: Sequence[Path]) -> None:
    """Chart a forecast: remaining lines with the fan, the threshold and the deadline."""
    with figure(paths) as axes:
        draw_forecast(axes, forecast, label=f"observed 实际 ({forecast.series})")
        axes.set_title(f"Remaining users 剩余用户: {forecast.series}")


def progress_chart(report: ProgressReport, paths: Sequence[Path]) -> None:
    """Chart remaining lines per month-end, one line per group."""
    with figure(paths) as axes:
        groups: dict[str, list[tuple[str, float]]] = {}
        for row in report.rows:
            groups.setdefault(row.group, []).append((row.month, float(row.remaining)))
        for group, points in sorted(groups.items()):
            axes.plot(
                _days([m for m, _ in points]), [v for _, v in points], "o-", ms=3, label=group
            )
        axes.set_ylabel(report.unit)
        axes.set_ylim(bottom=0)
        axes.set_title(f"Remaining users 剩余用户 ({report.source}, by {report.by})")
        if len(groups) <= 30:
            axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def departures_chart(report: ProgressReport, paths: Sequence[Path]) -> None:
    """Chart the lines that left each month, stacked by how they left."""
    rows = [r for r in report.rows if r.group == "all"] or report.rows
    months = [r.month for r in rows]
    with figure(paths) as axes:
        bottom = [0.0] * len(rows)
        for kind, label in (
            ("terminated", "terminated 销号"),
            ("migrated", "migrated 迁转"),
            ("ported_out", "ported out 携号转出"),
        ):
            counts = [float(getattr(r, kind) or 0) for r in rows]
            axes.bar(months, counts, bottom=bottom, label=label)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.set_ylabel("lines")
        axes.set_title("Lines that left, by how 离网用户")
        axes.legend(fontsize=8)


def moves_chart(rows: Sequence[MoveRow], paths: Sequence[Path]) -> None:
    """Chart the lines moved on each month, stacked by target (migrations and ports)."""
    months = sorted({r.month for r in rows})
    targets = sorted({(r.how, r.target) for r in rows})
    with figure(paths) as axes:
        bottom = [0.0] * len(months)
        for how, target in targets:
            by_month = {r.month: r.lines for r in rows if (r.how, r.target) == (how, target)}
            counts = [float(by_month.get(m, 0)) for m in months]
            label = f"{target} ({'迁转' if how == 'migration' else '携号转网'} {how})"
            axes.bar(months, counts, bottom=bottom, label=label)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.set_ylabel("lines")
        axes.set_title("Migrations and ports by target 迁转与携号转网去向")
        axes.legend(fontsize=7)


def complaints_chart(rows: Sequence[ComplaintCount], paths: Sequence[Path]) -> None:
    """Chart the complaints opened each month, stacked by kind."""
    months = sorted({r.month for r in rows})
    kinds = sorted({r.kind for r in rows})
    with figure(paths) as axes:
        bottom = [0.0] * len(months)
        for kind in kinds:
            by_month: dict[str, int] = {}
            for r in rows:
                if r.kind == kind:
                    by_month[r.month] = by_month.get(r.month, 0) + r.complaints
            counts = [float(by_month.get(m, 0)) for m in months]
            axes.bar(months, counts, bottom=bottom, label=kind)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.set_ylabel("complaints")
        axes.set_title("Complaints by kind 投诉")
        axes.legend(fontsize=8)
