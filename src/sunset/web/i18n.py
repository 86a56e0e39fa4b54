"""Chinese and English: the English text is the key, the Chinese catalogue translates it."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "sunset_lang"

ZH: dict[str, str] = {
    "sunset": "退网",
    "Sign in": "登录",
    "Sign out": "退出",
    "User name": "用户名",
    "Password": "密码",
    "Overview": "总览",
    "Porting queue": "携号转网队列",
    "Complaints": "投诉",
    "Base stations": "基站",
    "Monthly report": "月度报告",
    "Notices": "公告",
    "Lines": "号码",
    "Line": "号码",
    "Look up a line": "查询号码",
    "Number": "号码",
    "Search": "查询",
    "Operator": "运营商",
    "Network": "网络",
    "Region": "地区",
    "Area code": "区号",
    "Status": "状态",
    "Balance": "余额",
    "yuan": "元",
    "Monthly fee": "月租",
    "Phase today": "今日阶段",
    "Plan": "退网计划",
    "Deadline": "截止日期",
    "Ledger": "账目",
    "Date": "日期",
    "Kind": "类型",
    "Amount": "金额",
    "Reference": "说明",
    "Notices received": "已收到的通知",
    "Channel": "渠道",
    "No notice yet": "尚未发送通知",
    "Offers": "迁移优惠",
    "Eligible": "符合条件",
    "Not eligible": "不符合条件",
    "Migrate": "迁移",
    "Show the offers": "查看迁移优惠",
    "Show the porting checks": "查看携号转网条件",
    "New number": "新号码",
    "Porting": "携号转网",
    "May port": "可以携号转网",
    "May not port": "不能携号转网",
    "Top up": "充值",
    "Amount in yuan": "金额(元)",
    "Refused": "已拒绝",
    "Done": "已完成",
    "Actions": "操作",
    "Not found": "未找到",
    "Page not found": "页面不存在",
    "You may not see this page": "您无权查看此页面",
    "Signed in as": "当前用户",
    "Language": "语言",
    "Suspended": "停机",
    "Activated on": "开户日期",
    "Vulnerable use": "特殊用户",
    "Home base station": "归属基站",
    "Prepaid": "预付费",
    "Postpaid": "后付费",
    "No lines match": "没有符合条件的号码",
    "Next page": "下一页",
    "Previous page": "上一页",
    "Audit log": "审计日志",
    "When": "时间",
    "Who": "操作人",
    "What": "操作",
    "Before": "之前",
    "After": "之后",
    "The user name or the password is wrong": "用户名或密码错误",
    "in_service": "正常服务",
    "announced": "已公告",
    "no_new_sales": "停止新装",
    "topups_refused": "停止充值",
    "switched_off": "已关闭",
    "cleared": "频段已清理",
    "active": "正常",
    "suspended": "停机",
    "terminated": "已销号",
    "migrated": "已迁移",
    "ported_out": "已携出",
}

CATALOGUES = {"zh": ZH, "en": {}}


def translator(language: str) -> Callable[[str], str]:
    """Return the function templates call as ``t(text)``."""
    catalogue = CATALOGUES.get(language, {})

    def t(text: str) -> str:
        return catalogue.get(text, text)

    return t


def pick(cookie: str | None, accept_language: str | None) -> str:
    """Choose the language: the user's switch, else the browser's preference, else Chinese."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
