"""Chinese and English: the English text is the key, the Chinese catalogue translates it."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "sunset_lang"

ZH: dict[str, str] = {
    "sunset": "退网",
    # overview, plans, notices, report
    "Business day": "营业日",
    "Figures as of the month-end": "数据截至月末",
    "Remaining lines": "剩余用户",
    "Switch-off": "停止服务日期",
    "Deadline status": "期限进度",
    "Change in the month": "本月变化",
    "Trend": "趋势",
    "No region has a plan yet": "尚无地区制定退网计划",
    "Remaining lines and the forecast": "剩余用户与预测",
    "Sign in to see remaining lines and forecasts.": "登录后可查看剩余用户与预测。",
    "Latest notices": "最新公告",
    "on_track": "按期推进",
    "late": "计划晚于期限",
    "missed": "已逾期",
    "met": "已按期完成",
    "no_date": "未定停止日期",
    "no_deadline": "无期限",
    "Outgoing calls barred": "限制呼出",
    "Month-end": "月末",
    "Forecast": "预测",
    "Sites": "基站数",
    "Total": "合计",
    "No base station recorded": "尚无基站记录",
    "on_air": "在网",
    "faulty": "故障",
    "off_air": "已关闭",
    "dismantled": "已拆除",
    "Effective on": "生效日期",
    "Published on": "发布日期",
    "Related notices": "相关公告",
    "Comments": "评论",
    "Your comment was refused": "您的评论未被接受",
    "Your comment is held for a moderator": "您的评论正在等待审核",
    "Your comment is published": "您的评论已发布",
    "No comment yet": "暂无评论",
    "Your name": "您的名字",
    "Comment": "评论内容",
    "Post the comment": "发表评论",
    "Moderation": "评论审核",
    "Comments held for review": "待审核的评论",
    "Notice": "公告",
    "Author": "作者",
    "Why it is held": "待审原因",
    "Publish": "发布",
    "Refuse": "拒绝",
    "No comment is waiting": "没有待审核的评论",
    "Month": "月份",
    "Show": "显示",
    "Progress by region": "各地区进度",
    "Since December": "较上年末",
    "Moves by target": "迁转与携号转网去向",
    "How": "方式",
    "Target": "去向",
    "migration": "迁转",
    "port": "携号转网",
    "Complaints by kind": "投诉分类",
    "Complaints are in the regulator's report": "投诉统计见监管报告",
    "Pending": "待处理",
    "No complaint recorded": "尚无投诉记录",
    "No line moved yet": "尚无迁转或携号转网",
    "No month-end recorded": "尚无月末数据",
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

# English words for the codes pages show (phases, statuses); other English text is its own key.
EN: dict[str, str] = {
    "in_service": "in service",
    "announced": "announced",
    "no_new_sales": "no new sales",
    "topups_refused": "top-ups refused",
    "switched_off": "switched off",
    "cleared": "band cleared",
    "on_track": "on track",
    "late": "switch-off planned after the deadline",
    "missed": "deadline missed",
    "met": "switched off by the deadline",
    "no_date": "no switch-off date",
    "no_deadline": "no deadline",
    "on_air": "on air",
    "off_air": "off air",
    "ported_out": "ported out",
}

CATALOGUES = {"zh": ZH, "en": EN}


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
