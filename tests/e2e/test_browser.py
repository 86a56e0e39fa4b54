"""What people do in the dashboard, in a real browser: the agent at the counter, a visitor on
the notice board, and the language switch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.factories import chart_font, glyphs_missing
from tests.web.served import CHONGQING_TELECOM, PASSWORD

from sunset.stats.charts import CJK_FONTS

Shot = Callable[[Page, str], Path]
NEW_NUMBER = "133 0000 0001"  # a valid China Telecom mobile number (phonenumbers: MOBILE)


def _sign_in(page: Page, user: str) -> None:
    page.goto("/app/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator(".user")).to_contain_text(user)


def test_agent_sees_the_top_up_refused_and_migrates_the_line(page: Page, shot: Shot) -> None:
    _sign_in(page, "agent.telecom")
    page.goto("/app/lines")
    page.fill("input[name=number]", CHONGQING_TELECOM)
    page.click("form.row button[type=submit]")
    expect(page.locator("h1 .number")).to_have_text(CHONGQING_TELECOM)
    expect(page.locator("[data-phase]")).to_have_attribute("data-phase", "topups_refused")

    page.fill("#top-up input[name=amount]", "50")
    page.click("#top-up button[type=submit]")
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("TOPUP_REFUSED_PHASE")
    expect(refusal).to_contain_text("Top-ups are refused")
    expect(page.get_by_test_id("balance")).to_contain_text("30.00")
    offer = page.locator("li.offer[data-offer=chongqing-2009-tianyi]")
    expect(offer).to_have_class("offer eligible")
    shot(page, "agent-top-up-refused")

    offer.locator("select[name=plan_yuan]").select_option(index=1)  # 55 yuan
    offer.locator("input[name=new_number]").fill(NEW_NUMBER)
    offer.locator("button[type=submit]").click()
    result = page.locator(".outcome")
    expect(result).to_contain_text(CHONGQING_TELECOM)
    expect(result).to_contain_text("133")
    expect(result).to_contain_text("telecom/cdma2000")
    shot(page, "agent-migrated")


def test_visitor_first_post_is_refused_then_a_real_comment_published(
    page: Page, shot: Shot
) -> None:
    page.goto("/app/notices?area_code=023")
    page.get_by_role("link", name="Top-ups").first.click()
    expect(page.locator("article.notice h1")).to_contain_text("Chongqing")
    page.fill("#comment input[name=author]", "小王")
    page.fill("#comment textarea[name=text]", "沙发")
    page.click("#comment button[type=submit]")
    refused = page.locator("[data-outcome=refused]")
    expect(refused).to_contain_text("Your comment was refused")
    expect(refused.locator("code")).not_to_be_empty()
    shot(page, "visitor-comment-refused")
    expect(page.locator(".comments")).not_to_contain_text("沙发")

    page.fill("#comment textarea[name=text]", "我家的信号已经没了半年")
    page.click("#comment button[type=submit]")
    expect(page.locator("[data-outcome=accepted]")).to_contain_text("published")
    expect(page.locator(".comments")).to_contain_text("我家的信号已经没了半年")
    shot(page, "visitor-comment-published")


def test_language_switch_renders_chinese(page: Page, shot: Shot) -> None:
    page.goto("/app/")
    expect(page.locator("h1")).to_have_text("Overview")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("总览")
    expect(page.locator("nav")).to_contain_text("公告")
    expect(page.locator("table.regions")).to_contain_text("重庆")
    font_ready = page.evaluate("document.fonts.check('16px \"WenQuanYi Micro Hei\"', '重庆')")
    assert font_ready, "the CJK font is not available to the browser"
    shot(page, "overview-zh")


def test_planner_sees_figures_and_the_forecast_chart(page: Page, shot: Shot) -> None:
    _sign_in(page, "planner.telecom")
    page.goto("/app/regions/023")
    expect(page.locator("table")).to_contain_text("900")
    chart = page.locator("img.chart")
    expect(chart).to_be_visible()
    width = chart.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 100, "the forecast chart did not load"
    shot(page, "region-023")


def test_regulator_reads_the_monthly_report_in_chinese(page: Page, shot: Shot) -> None:
    _sign_in(page, "regulator")
    page.goto("/app/lang/zh?next=/app/report")
    page.fill("input[name=month]", "2011-08")
    page.click("form.row button[type=submit]")
    expect(page.locator("h1")).to_contain_text("月度报告 2011-08")
    for area, remaining in (("023", "900"), ("0551", "500"), ("010", "770")):
        expect(page.locator(f"tr[data-area='{area}']")).to_contain_text(remaining)
    expect(page.locator("body")).to_contain_text("尚无投诉记录")
    page.wait_for_function("() => document.querySelector('img.chart').naturalWidth > 100")
    shot(page, "report-zh")


def test_regulator_reads_the_overview_chart_in_chinese_not_boxes(page: Page, shot: Shot) -> None:
    _sign_in(page, "regulator")
    page.goto("/app/lang/zh?next=/app/")
    chart = page.locator("img.chart")
    expect(chart).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.chart').naturalWidth > 100")
    drawn = page.request.get(chart.get_attribute("src") or "")
    assert drawn.ok and drawn.headers["content-type"] == "image/png"

    family, file = chart_font(drawn.body())

    # The chart's Chinese words are drawn in a font that has them (else they would be boxes).
    assert family in CJK_FONTS, family
    assert glyphs_missing(file, "剩余用户 预测 阈值 实际") == ""
    shot(page, "overview-chart-zh")


def test_regulator_sees_each_regions_trend_and_standing_furthest_behind_first(
    page: Page, shot: Shot
) -> None:
    _sign_in(page, "regulator")
    page.goto("/app/")
    table = page.locator("table.regions")
    expect(table.locator("tbody tr").first).to_have_attribute("data-standing", "behind")
    areas = table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.area)")
    assert areas[:2] == ["023", "0551"]  # 158 lines behind, then 91
    expect(table.locator("tr[data-area='023'] td.standing")).to_contain_text("behind by 158 lines")
    sparkline = table.locator("tr[data-area='023'] svg.sparkline")
    expect(sparkline).to_be_visible()
    box = sparkline.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 10
    shot(page, "overview-standing")
