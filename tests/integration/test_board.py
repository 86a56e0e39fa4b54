"""Public notices published from the plan phases, related notices, and the comment board:
moderation with its rate limit and duplicates, the review queue, the CLI's exact JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import RunCli
from tests.factories import set_plan

from sunset.board import service
from sunset.board.schemas import ModerationAnswer
from sunset.db import session_scope

NOON = datetime(2011, 7, 1, 12, 0)


@pytest.fixture
def notices(engine: sa.Engine) -> list[int]:
    set_plan(engine, "0551", announced=date(2011, 6, 1), switched_off=date(2012, 1, 10))
    set_plan(engine, "0565", announced=date(2011, 6, 1), switched_off=date(2012, 1, 10))
    ids = []
    with session_scope(engine, write=True) as session:
        for area in ("0551", "0565"):
            found = service.publish_plan_notices(
                session, area_code=area, network_code="phs", today=date(2011, 6, 1)
            )
            ids += [n.id for n in found]
    return ids


def post(
    engine: sa.Engine,
    notice: int,
    text: str,
    *,
    author: str = "王先生",
    ip: str | None = "10.0.0.1",
    now: datetime = NOON,
) -> ModerationAnswer:
    with session_scope(engine, write=True) as session:
        return service.post_comment(
            session, notice_id=notice, author=author, ip=ip, text=text, now=now
        )


def test_each_dated_phase_publishes_one_notice_in_both_languages(
    engine: sa.Engine, notices: list[int]
) -> None:
    with session_scope(engine, write=True) as session:
        again = service.publish_plan_notices(
            session, area_code="0551", network_code="phs", today=date(2011, 6, 2)
        )
        shown = service.list_notices(session, area_code="0551")

    assert [n.id for n in again] == notices[:2]  # published once
    assert [n.phase for n in shown] == ["announced", "switched_off"]
    assert "2012年1月10日" in shown[1].body_zh and "10 January 2012" in shown[1].body_en


def test_the_related_notices_are_the_closest_in_content(
    engine: sa.Engine, notices: list[int]
) -> None:
    hefei_off = notices[1]
    with session_scope(engine) as session:
        shown = service.show_notice(session, notice_id=hefei_off, related=2)

    # The other region's switch-off notice says nearly the same thing.
    assert shown.related[0].id == notices[3]
    assert shown.related[0].similarity > shown.related[1].similarity


def test_a_real_comment_is_published_and_the_same_text_again_is_a_duplicate(
    engine: sa.Engine, notices: list[int]
) -> None:
    first = post(engine, notices[0], "我家的信号已经没了半年")
    again = post(engine, notices[0], "我家的信号已经没了半年！", author="李女士", ip=None)

    assert first.outcome == "accepted"
    assert (again.outcome, again.rule) == ("refused", "duplicate")
    with session_scope(engine) as session:
        shown = service.show_notice(session, notice_id=notices[0])
    assert [c.text for c in shown.comments] == ["我家的信号已经没了半年"]


def test_the_sixth_post_of_an_author_within_an_hour_is_refused_and_allowed_an_hour_later(
    engine: sa.Engine, notices: list[int]
) -> None:
    for i in range(5):
        answer = post(
            engine, notices[0], f"第{i}次反映：基站拆了没有信号", now=NOON + timedelta(minutes=i)
        )
        assert answer.outcome == "accepted", answer

    sixth = post(engine, notices[0], "还是没有信号，请尽快处理", now=NOON + timedelta(minutes=10))
    later = post(engine, notices[0], "还是没有信号，请尽快处理", now=NOON + timedelta(minutes=70))

    assert (sixth.outcome, sixth.rule) == ("refused", "rate_author")
    assert later.outcome == "accepted"


def test_a_held_comment_waits_in_the_queue_until_a_moderator_decides(
    engine: sa.Engine, notices: list[int]
) -> None:
    held = post(engine, notices[0], "沙发！我家也没信号好几个月了")
    assert held.outcome == "review"
    with session_scope(engine, write=True) as session:
        (queued,) = service.review_queue(session)
        done = service.decide(session, comment_id=queued.id, accept=True, moderator="admin")
        shown = service.show_notice(session, notice_id=notices[0])
    assert done.outcome == "accepted"
    assert [c.id for c in shown.comments] == [queued.id]


def test_comment_prints_exactly_outcome_rule_and_message(
    engine: sa.Engine,
    notices: list[int],
    cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok = cli(
        "comment",
        str(notices[0]),
        "--author",
        "王先生",
        "--text",
        "我家的信号已经没了半年",
        "--now",
        "2011-07-01T12:00",
        "--json",
    )
    assert ok.exit_code == 0, ok
    assert json.loads(ok.stdout) == {"outcome": "accepted", "rule": None, "message": "published"}

    empty = cli(
        "comment",
        str(notices[0]),
        "--author",
        "x",
        "--ip",
        "10.0.0.9",
        "--text",
        "顶",
        "--now",
        "2011-07-01T12:01",
        "--json",
    )
    assert empty.exit_code == 3
    assert set(empty.json()) == {"outcome", "rule", "message"}
    assert (empty.json()["outcome"], empty.json()["rule"]) == ("refused", "too_short")

    rules = tmp_path / "strict.yaml"
    rules.write_text(
        (Path(__file__).parents[2] / "src/sunset/board/data/moderation.yaml")
        .read_text(encoding="utf-8")
        .replace("min_meaningful: 4", "min_meaningful: 20"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SUNSET_MODERATION_FILE", str(rules))
    strict = cli(
        "comment",
        str(notices[0]),
        "--author",
        "赵",
        "--text",
        "我家的信号也已经没了半年",
        "--now",
        "2011-07-01T12:02",
        "--json",
    )
    assert strict.json()["rule"] == "too_short"
    monkeypatch.delenv("SUNSET_MODERATION_FILE")
    shown = cli("notice", "show", str(notices[0]), "--json")
    assert shown.json()["comments"][0]["author"] == "王先生"
    missing = cli("comment", "999", "--author", "x", "--text", "我家的信号已经没了半年", "--json")
    assert missing.exit_code == 2
