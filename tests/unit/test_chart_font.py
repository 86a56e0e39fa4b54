"""Charts read: their Chinese is drawn in a CJK font, found even when it was installed after
matplotlib built its font cache, and in English when the machine has none (never boxes)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.factories import chart_font, glyphs_missing

from sunset.stats import charts
from sunset.stats.charts import CJK_FONTS, NO_FONT, english_only, find_cjk_font

TITLE = "Remaining users 剩余用户: all:phs"


def stale_cache() -> Any:
    """matplotlib's font list as a cache built before any CJK font was installed."""
    from matplotlib import font_manager

    manager = copy.copy(font_manager.fontManager)
    cjk_files = {f.fname for f in manager.ttflist if f.name in CJK_FONTS}
    manager.ttflist = [f for f in manager.ttflist if f.fname not in cjk_files]
    manager.afmlist = list(manager.afmlist)
    return manager


def installed_cjk_files() -> list[str]:
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist if f.name in CJK_FONTS}
    if not known:
        pytest.skip("no CJK font on this machine (make test installs fonts-wqy-microhei)")
    return sorted(known)


def draw(folder: Path) -> tuple[bytes, str]:
    """A chart with bilingual labels, as PNG (bytes) and SVG (text: its words as drawn)."""
    png, svg = folder / "chart.png", folder / "chart.svg"
    with charts.figure([png, svg]) as axes:
        axes.plot([1, 2, 3], [3, 2, 1], label="observed 实际 (all:phs)")
        axes.axhline(1, label="threshold 阈值")
        axes.set_title(TITLE)
        axes.set_ylabel("lines")
        axes.legend()
    return png.read_bytes(), svg.read_text(encoding="utf-8")


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without a CJK font (the system's fonts are the outside world)."""
    monkeypatch.setattr(charts, "chart_font", lambda: None)
    yield


def test_a_cjk_font_installed_after_the_font_cache_was_built_is_found() -> None:
    files = installed_cjk_files()
    manager = stale_cache()
    assert not any(f.name in CJK_FONTS for f in manager.ttflist)

    found = find_cjk_font(manager, lambda: ["/nonexistent/font.ttf", *files])

    assert found in CJK_FONTS
    assert any(f.name == found for f in manager.ttflist)


def test_no_cjk_font_on_the_system_is_said_as_none() -> None:
    assert find_cjk_font(stale_cache(), lambda: []) is None


def test_a_chart_names_its_font_and_that_font_draws_every_chinese_word(tmp_path: Path) -> None:
    installed_cjk_files()
    png, svg = draw(tmp_path)

    family, file = chart_font(png)

    assert family in CJK_FONTS
    assert glyphs_missing(file, "剩余用户 实际 阈值") == ""
    assert "剩余用户" in svg


@pytest.mark.usefixtures("no_cjk_font")
def test_without_a_cjk_font_the_labels_are_in_english_rather_than_boxes(tmp_path: Path) -> None:
    png, svg = draw(tmp_path)

    family, file = chart_font(png)

    assert family == NO_FONT
    assert "Remaining users: all:phs" in svg and "threshold" in svg
    assert not any("\u4e00" <= c <= "\u9fff" for c in svg)  # no Chinese left, no box drawn
    assert glyphs_missing(file, "Remaining users: all:phs observed threshold") == ""


@pytest.mark.parametrize(
    ("label", "english"),
    [
        ("forecast 预测 (ets_trend)", "forecast (ets_trend)"),
        (TITLE, "Remaining users: all:phs"),
        ("telecom/cdma2000 (迁转 migration)", "telecom/cdma2000 (migration)"),
        ("023 phs: no forecast 暂无预测", "023 phs: no forecast"),
        ("Lines that left, by how 离网用户", "Lines that left, by how"),
        ("no month-end recorded yet 尚无月末数据", "no month-end recorded yet"),
        ("lines", "lines"),
    ],
)
def test_english_only_drops_the_chinese_words_of_a_label(label: str, english: str) -> None:
    assert english_only(label) == english
