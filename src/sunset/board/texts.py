"""Pure: the words of the notice each plan phase publishes, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_ZH = {
    "announced": (
        "{city}{net}退网公告",
        "根据工业和信息化部要求，{city}{net}将逐步退出服务。自{day}起公告，现有用户可继续使用；"
        "请尽早办理移网或携号转网，咨询优惠请拨打客服热线。",
    ),
    "no_new_sales": (
        "{city}{net}停止新装公告",
        "自{day}起，{city}{net}停止办理新装及复机业务，现有用户使用不受影响。"
        "用户可选择迁移至移动或固话业务，享受资费及终端补贴优惠。",
    ),
    "topups_refused": (
        "{city}{net}停止缴费公告",
        "自{day}起，{city}{net}停止受理缴费，余额用完后将暂停服务。"
        "请尽快办理移网，剩余话费可转入新号码或退还。",
    ),
    "switched_off": (
        "{city}{net}停止服务公告",
        "{city}{net}将于{day}停止服务，未办理移网或携号转网的号码将注销，余额全部退还，"
        "停用之日起不再收取月租。",
    ),
    "cleared": (
        "{city}{net}清频完成公告",
        "截至{day}，{city}{net}全部基站已关闭，1900-1920MHz频段清频完成。感谢广大用户的理解与支持。",
    ),
}
_EN = {
    "announced": (
        "{net} in {city} to be retired",
        "As the regulator requires, {net} in {city} will be retired step by step. Announced on "
        "{day}; service continues for now. Move to a mobile or fixed line, or port your number, "
        "early: ask customer care about the offers.",
    ),
    "no_new_sales": (
        "{net} in {city}: no new activations",
        "From {day} {net} in {city} accepts no new or renewed lines; existing lines work as "
        "before. Move to a mobile or fixed line with a tariff and handset offer.",
    ),
    "topups_refused": (
        "{net} in {city}: top-ups no longer accepted",
        "From {day} {net} in {city} accepts no payments; a line is suspended when its balance "
        "runs out. Move soon: the remaining balance moves to the new number or is refunded.",
    ),
    "switched_off": (
        "{net} in {city} switched off",
        "{net} in {city} stops on {day}. Numbers not moved or ported are cancelled and their "
        "whole balance refunded; no monthly fee is charged from that day.",
    ),
    "cleared": (
        "{net} in {city}: band cleared",
        "By {day} every base station of {net} in {city} is off air and the 1900-1920 MHz band "
        "is clear. Thank you for your patience.",
    ),
}
PHASES = tuple(_ZH)


@dataclass(frozen=True)
class NoticeText:
    """A notice's title and body in both languages."""

    title_zh: str
    title_en: str
    body_zh: str
    body_en: str


def phase_notice(
    phase: str, *, day: date, city_zh: str, city_en: str, net_zh: str, net_en: str
) -> NoticeText:
    """The notice a plan phase publishes for its region and date."""
    zh_title, zh_body = _ZH[phase]
    en_title, en_body = _EN[phase]
    zh = {"city": city_zh, "net": net_zh, "day": f"{day.year}年{day.month}月{day.day}日"}
    en = {"city": city_en, "net": net_en, "day": f"{day:%d %B %Y}"}
    return NoticeText(
        title_zh=zh_title.format(**zh),
        title_en=en_title.format(**en),
        body_zh=zh_body.format(**zh),
        body_en=en_body.format(**en),
    )
