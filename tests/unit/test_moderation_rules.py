"""Comment moderation by the rules of the user-experience article: real comments pass, first-post
grabs, empty posts and spam are turned away by the rule named, borderline ones are held."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from sunset.board.rules import History, ModerationRules, meaningful, moderate

RULES = ModerationRules.model_validate(
    yaml.safe_load(
        resources.files("sunset.board").joinpath("data/moderation.yaml").read_text("utf-8")
    )
)
QUIET = History(author_posts_last_hour=0, address_posts_last_hour=0, duplicate=False)


@pytest.mark.parametrize(
    ("text", "outcome", "rule"),
    [
        # Real comments, a few words each, in Chinese and English.
        ("我家的信号已经没了半年", "accepted", None),
        ("信号不好", "accepted", None),
        ("基站拆了还照收月租，只收钱不服务！", "accepted", None),
        ("小灵通什么时候停？老人用惯了", "accepted", None),
        ("No signal here since March, still charged.", "accepted", None),
        ("Why are they still charging me 70 yuan a month?", "accepted", None),
        # First-post grabs (抢沙发, 板凳, 地板, first).
        ("沙发！", "refused", "first_post"),
        ("抢沙发～～", "refused", "first_post"),
        ("板凳", "refused", "first_post"),
        ("地板!!!", "refused", "first_post"),
        ("first!!!", "refused", "first_post"),
        ("FIRST", "refused", "first_post"),
        # Empty posts: filler, repeats, punctuation, emoji.
        ("顶", "refused", "too_short"),
        ("顶顶顶!!!", "refused", "too_short"),
        ("好", "refused", "too_short"),
        ("+1", "refused", "too_short"),
        ("路过", "refused", "too_short"),
        ("666", "refused", "too_short"),
        ("支持支持支持", "refused", "too_short"),
        ("哈哈哈哈哈😀", "refused", "too_short"),
        ("👍👍👍", "refused", "too_short"),
        ("。。。", "refused", "too_short"),
        ("Me too", "refused", "too_short"),
        ("Great post!", "refused", "too_short"),
        # Spam, typed by hand: links, phones, QQ, WeChat.
        ("看这里 http://spam.cn 低价手机", "refused", "link"),
        ("www.xyz.com 免费领话费", "refused", "link"),
        ("换号找我13912345678", "refused", "phone"),
        ("QQ: 12345678 代办携号转网", "refused", "qq"),
        ("加微信 abc12345 领补贴", "refused", "wechat"),
        ("Add me on WeChat: cheap_phones88", "refused", "wechat"),
        # Borderline: held for a moderator.
        ("沙发！我家也没信号好几个月了", "review", "first_post"),
        ("我的账号 20123456 被扣了两次费", "review", "possible_contact"),
    ],
)
def test_each_comment_gets_the_expected_outcome_and_rule(
    text: str, outcome: str, rule: str | None
) -> None:
    decision = moderate(text, "user", QUIET, RULES)

    assert (decision.outcome.value, decision.rule) == (outcome, rule)


def test_a_refusal_says_the_rule_in_words() -> None:
    assert "at least 4" in moderate("顶顶顶", "u", QUIET, RULES).message
    assert "first-post grab" in moderate("沙发", "u", QUIET, RULES).message
    assert "a link" in moderate("www.xyz.com 好东西", "u", QUIET, RULES).message


def test_repeats_count_once_and_filler_only_counts_zero() -> None:
    assert meaningful("没没没信号", RULES) == 3
    assert meaningful("顶顶顶", RULES) == 0
    assert meaningful("我家的信号已经没了半年", RULES) == 11
    assert meaningful("no signal for months", RULES) == 4


def test_the_rate_limit_refuses_the_sixth_post_of_an_hour_by_author_then_by_address() -> None:
    busy = History(author_posts_last_hour=5, address_posts_last_hour=0, duplicate=False)
    crowded = History(author_posts_last_hour=0, address_posts_last_hour=20, duplicate=False)

    assert moderate("我家的信号已经没了半年", "u", busy, RULES).rule == "rate_author"
    assert moderate("我家的信号已经没了半年", "u", crowded, RULES).rule == "rate_address"


def test_the_same_text_again_is_refused_as_a_duplicate() -> None:
    again = History(author_posts_last_hour=1, address_posts_last_hour=1, duplicate=True)

    assert moderate("我家的信号已经没了半年", "u", again, RULES).rule == "duplicate"


def test_a_stricter_minimum_is_a_matter_of_configuration() -> None:
    strict = RULES.model_copy(update={"min_meaningful": 12})

    assert moderate("我家的信号已经没了半年", "u", QUIET, strict).rule == "too_short"
