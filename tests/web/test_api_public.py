"""Plans, notices and comments, offers, statistics and charts over real HTTP, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.web.served import PASSWORD, Served
from tests.web.world import CHONGQING_NOTICE, publish_world

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def world(served: Served) -> Iterator[Served]:
    """The served test world with its notices published and four month-ends recorded."""
    publish_world(served.engine)
    yield served


def _notice_id(served: Served, area_code: str = "023", phase: str = CHONGQING_NOTICE) -> int:
    with served.client() as http:
        notices = http.get("/notices", params={"area_code": area_code}).json()
    return next(n["id"] for n in notices if n["phase"] == phase)


# --- plans ---------------------------------------------------------------------------------------


def test_staff_of_any_operator_read_the_plans_with_todays_phase(world: Served) -> None:
    with world.client("agent.unicom") as http:
        plans = {(p["area_code"], p["network"]): p for p in http.get("/plans").json()}
        one = http.get("/plans/023/phs").json()
    assert plans[("023", "phs")]["current_phase"] == "topups_refused"
    assert plans[("0551", "phs")]["current_phase"] == "announced"
    assert one["current_phase"] == "topups_refused" and one["deadline"] == "2011-12-31"


def test_plans_need_an_account(world: Served) -> None:
    with world.client() as http:
        assert http.get("/plans").status_code == 401


def test_an_agent_may_not_set_a_plan(world: Served) -> None:
    with world.client("agent.telecom") as http:
        response = http.put("/plans/010/phs", json={"announced": "2011-10-01"})
    assert response.status_code == 403


def test_a_planner_sets_a_plan_and_the_audit_log_has_before_and_after(world: Served) -> None:
    with world.client("planner.telecom") as http:
        response = http.put(  # Shanghai's PHS is China Telecom's
            "/plans/021/phs", json={"announced": "2011-10-01", "switched_off": "2011-12-31"}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["current_phase"] == "in_service"
    assert {p["phase"]: p["starts_on"] for p in body["phases"]}["switched_off"] == "2011-12-31"
    with world.client("admin.all") as http:
        entries = http.get("/admin/audit").json()
    entry = next(e for e in entries if e["action"] == "plan.set" and e["target"] == "021/phs")
    assert entry["user"] == "planner.telecom"
    assert entry["before"]["announced"] is None and entry["after"]["announced"] == "2011-10-01"


def test_a_plan_breaking_a_rule_is_refused_with_its_code(world: Served) -> None:
    with world.client("planner.telecom") as http:
        started = http.put("/plans/023/phs", json={"announced": "2011-10-01"})
        bad_date = http.put("/plans/021/phs", json={"announced": "2011-02-30"})
        unknown = http.put("/plans/021/phs", json={"annouced": "2011-10-01"})
        nowhere = http.put("/plans/0999/phs", json={"announced": "2011-10-01"})
    assert started.status_code == 409
    body = started.json()
    assert body["code"] == "PLAN_INVALID" and "already started" in body["message"]
    assert bad_date.status_code == 422 and unknown.status_code == 422
    assert nowhere.status_code == 404


def test_a_planner_may_not_change_the_plan_of_another_operators_network(world: Served) -> None:
    with world.client("planner.telecom") as http:
        beijing = http.put("/plans/010/phs", json={"announced": "2011-10-01"})
        shown = http.get("/plans/010/phs")
    assert beijing.status_code == 403
    assert beijing.json()["field"] == "area_code" and "run by unicom" in beijing.json()["message"]
    assert shown.status_code == 200 and shown.json()["phases"][0]["starts_on"] is None


def test_a_plan_set_through_the_api_publishes_its_notices_as_the_cli_does(world: Served) -> None:
    with world.client("planner.telecom") as http:
        done = http.put("/plans/025/phs", json={"announced": "2011-10-01"})
    with world.client() as http:
        listed = http.get("/notices", params={"area_code": "025"}).json()
    assert done.status_code == 200, done.text
    assert [(n["phase"], n["effective_on"]) for n in listed] == [("announced", "2011-10-01")]


# --- notices and comments ------------------------------------------------------------------------


def test_anyone_reads_a_notice_with_its_related_notices(world: Served) -> None:
    notice_id = _notice_id(world)
    with world.client() as http:
        listed = http.get("/notices", params={"area_code": "023"}).json()
        notice = http.get(f"/notices/{notice_id}").json()
        missing = http.get("/notices/999999")
    assert {n["phase"] for n in listed} >= {"announced", "topups_refused", "switched_off"}
    assert "停止缴费" in notice["title_zh"]
    assert notice["related"] and all(r["id"] != notice_id for r in notice["related"])
    assert missing.status_code == 404


def test_a_first_post_grab_is_refused_with_the_rule_and_a_real_comment_published(
    world: Served,
) -> None:
    notice_id = _notice_id(world)
    with world.client() as http:
        grab = http.post(f"/notices/{notice_id}/comments", json={"author": "小王", "text": "沙发"})
        real = http.post(
            f"/notices/{notice_id}/comments",
            json={"author": "小王", "text": "我家的信号已经没了半年，还在扣月租"},
        )
        shown = http.get(f"/notices/{notice_id}").json()["comments"]
    assert grab.status_code == 201
    assert grab.json()["outcome"] == "refused" and grab.json()["rule"]
    assert grab.json()["message"]
    assert real.status_code == 201 and real.json()["outcome"] == "accepted"
    assert [c["text"] for c in shown] == ["我家的信号已经没了半年，还在扣月租"]


def test_a_held_comment_waits_for_a_moderator(world: Served) -> None:
    notice_id = _notice_id(world, phase="announced")
    text = "沙发！请问迁移到天翼以后原来的余额还能用吗"
    with world.client() as http:
        held = http.post(f"/notices/{notice_id}/comments", json={"author": "老李", "text": text})
        assert http.get("/moderation/queue").status_code == 401
    assert held.json()["outcome"] == "review", held.json()
    with world.client("agent.telecom") as http:
        assert http.get("/moderation/queue").status_code == 403
    with world.client("planner.telecom") as http:
        queue = http.get("/moderation/queue").json()
        comment = next(c for c in queue if c["text"] == text)
        decided = http.post(f"/moderation/{comment['id']}", json={"decision": "accept"})
        again = http.post(f"/moderation/{comment['id']}", json={"decision": "accept"})
        shown = http.get(f"/notices/{notice_id}").json()["comments"]
    assert decided.status_code == 200 and decided.json()["outcome"] == "accepted"
    assert again.status_code == 404
    assert text in [c["text"] for c in shown]


def test_a_comment_without_text_fields_is_422(world: Served) -> None:
    with world.client() as http:
        response = http.post(f"/notices/{_notice_id(world)}/comments", json={"author": "x"})
    assert response.status_code == 422


# --- offers, statistics, charts ------------------------------------------------------------------


def test_offers_are_listed_by_operator(world: Served) -> None:
    with world.client() as http:
        telecom = http.get("/offers", params={"operator": "telecom"}).json()
    assert "chongqing-2009-tianyi" in [o["id"] for o in telecom]
    assert {o["operator"] for o in telecom} == {"telecom"}


def test_progress_of_an_operators_staff_counts_only_that_operator(world: Served) -> None:
    with world.client("regulator") as http:
        everyone = http.get("/stats/progress", params={"by": "operator"}).json()
    with world.client("planner.telecom") as http:
        own = http.get("/stats/progress", params={"by": "operator"}).json()
        bad = http.get("/stats/progress", params={"last": "2011-13"})
    assert {r["group"] for r in everyone["rows"]} == {"telecom", "unicom"}
    assert {r["group"] for r in own["rows"]} == {"telecom"}
    assert bad.status_code == 422


def test_forecast_as_json_names_the_deadline(world: Served) -> None:
    with world.client("regulator") as http:
        body = http.get("/forecasts/023", params={"horizon": 6}).json()
        unknown = http.get("/forecasts/0999")
    assert body["deadline"] == "2011-12" and len(body["points"]) == 6
    assert body["history"]["2011-08"] == 900
    assert {"coverage", "clearance", "backtest_errors", "closed"} <= set(body)
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/forecasts/023.png",
        "/forecasts/0551.png",
        "/stats/progress.png",
        "/stats/progress.png?by=region&last=2011-06",
    ],
)
def test_charts_are_png_images(world: Served, path: str) -> None:
    with world.client("planner.telecom") as http:
        response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)


def test_charts_drawn_at_the_same_time_are_drawn_alike(world: Served) -> None:
    """Two requests drawing at once must not swap fonts halfway (Chinese drawn as boxes)."""
    with world.client("regulator") as http:
        alone = http.get("/forecasts/023.png").content
        paths = ["/forecasts/023.png", "/stats/progress.png"] * 4
        with ThreadPoolExecutor(max_workers=8) as pool:
            drawn = list(pool.map(lambda p: http.get(p).content, paths))
    assert all(png == alone for png in drawn[::2])


def test_a_chart_of_a_month_that_is_not_one_is_422_json(world: Served) -> None:
    with world.client("regulator") as http:
        response = http.get("/stats/progress.png", params={"last": "2011-13"})
    assert response.status_code == 422 and response.json()["code"] == "INPUT_INVALID"


def test_charts_and_stats_need_an_account(world: Served) -> None:
    with world.client() as http:
        assert http.get("/stats/progress.png").status_code == 401
        assert http.get("/stats/report", params={"month": "2011-08"}).status_code == 401


def test_monthly_report_has_progress_moves_and_complaints_for_the_regulator(world: Served) -> None:
    with world.client("regulator") as http:
        body = http.get("/stats/report", params={"month": "2011-08"}).json()
    with world.client("agent.telecom") as http:
        own = http.get("/stats/report", params={"month": "2011-08"}).json()
    assert {r["group"] for r in body["by_region"]["rows"]} == {"023", "0551", "010"}
    assert body["complaints"] == []
    assert own["complaints"] is None and own["notes"]
    assert {r["group"] for r in own["by_region"]["rows"]} == {"023", "0551"}


# --- pages ---------------------------------------------------------------------------------------


def test_overview_page_shows_regions_phases_and_remaining_lines(world: Served) -> None:
    with world.client("planner.telecom") as http:
        page = http.get("/app/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Chongqing" in page.text and "top-ups refused" in page.text
    assert "1,400" in page.text or "1400" in page.text  # telecom's remaining lines at 2011-08
    assert "/stats/progress.png" in page.text


def test_public_overview_shows_phases_without_figures(world: Served) -> None:
    with world.client() as http:
        page = http.get("/app/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Chongqing" in page.text and "progress.png" not in page.text


def test_region_and_report_pages_render(world: Served) -> None:
    with world.client("regulator") as http:
        region = http.get("/app/regions/023", headers={"Accept-Language": "en"})
        report = http.get("/app/report", params={"month": "2011-08"})
    assert region.status_code == 200 and "/forecasts/023.png" in region.text
    assert report.status_code == 200 and "023" in report.text


def test_a_visitors_comment_form_without_its_csrf_token_is_refused(world: Served) -> None:
    notice_id = _notice_id(world)
    with world.client() as http:
        response = http.post(
            f"/app/notices/{notice_id}/comments",
            data={"author": "路人", "text": "没有令牌的评论应该被拒绝", "csrf_token": "forged"},
        )
        shown = http.get(f"/notices/{notice_id}").json()["comments"]
    assert response.status_code == 403 and "CSRF_FAILED" in response.text
    assert "没有令牌的评论应该被拒绝" not in [c["text"] for c in shown]


def test_moderation_page_lists_held_comments_for_moderators_only(world: Served) -> None:
    notice_id = _notice_id(world, phase="switched_off")
    text = "沙发，停机以后余额什么时候退"
    with world.client() as http:
        held = http.post(f"/notices/{notice_id}/comments", json={"author": "阿芳", "text": text})
    assert held.json()["outcome"] == "review"
    with world.client("planner.telecom") as http:
        page = http.get("/app/moderation")
    with world.client("agent.telecom") as http:
        refused = http.get("/app/moderation")
    assert page.status_code == 200 and text in page.text
    assert refused.status_code == 403


def test_what_a_response_reports_is_committed_before_the_response_is_sent(world: Served) -> None:
    """A browser follows the sign-in redirect at once: the new session must already be there."""
    signed_in = 0
    for _ in range(20):
        with world.client() as http:
            form = http.get("/app/login")
            csrf = form.text.split('name="csrf_token" value="')[1].split('"')[0]
            http.post(
                "/app/login",
                data={"username": "regulator", "password": PASSWORD, "csrf_token": csrf},
            )
            signed_in += http.get("/auth/me").json().get("name") == "regulator"
    assert signed_in == 20
