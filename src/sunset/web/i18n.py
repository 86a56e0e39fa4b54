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
    # porting, sites, complaints
    "Authorisation code (shown once, valid 60 minutes)": "授权码(仅显示一次,60分钟内有效)",
    "State": "状态",
    "Every open state": "所有未完成状态",
    "Overdue: authorised and not validated within": "超时:已授权但未在以下时间内核验",
    "hours": "小时",
    "From": "携出方",
    "To": "携入方",
    "Requested": "申请时间",
    "Scheduled for": "生效时间",
    "Validate": "核验通过",
    "Why, in words": "原因说明",
    "Reject": "拒绝",
    "Cancel": "撤销",
    "Overdue": "已超时",
    "No open port request": "没有未完成的携号转网申请",
    "Request a port": "申请携号转网",
    "To operator/network": "转入运营商/网络",
    "Request": "申请",
    "Any": "全部",
    "Opened": "受理日期",
    "Due": "处理时限",
    "Credit": "补偿",
    "Complaint": "投诉内容",
    "Credit in yuan": "补偿金额(元)",
    "Move": "更新",
    "No complaint": "没有投诉",
    "Open a complaint": "受理投诉",
    "In the customer's words": "用户原话",
    "Open": "受理",
    "Budget in yuan": "预算(元)",
    "Show": "显示",
    "Base station": "基站",
    "Upkeep per month": "每月维护费",
    "Impact": "影响",
    "Since": "起始日期",
    "Record": "记录",
    "No base station": "没有基站",
    "Switch-off plan": "关停计划",
    "Live lines": "在网号码",
    "Upkeep per line": "每号码维护费",
    "Cost to move the lines": "迁移费用",
    "Saving per month": "每月节省",
    "Within budget": "预算内",
    "Yes": "是",
    "Over budget": "超出预算",
    "live lines lose service": "个在网号码将失去服务",
    "of them vulnerable or critical": "个为特殊或重要用户",
    "Eligible offers": "可选迁移优惠",
    "requested": "已申请",
    "authorised": "已授权",
    "validated": "已核验",
    "scheduled": "待生效",
    "completed": "已完成",
    "cancelled": "已撤销",
    "rejected": "已拒绝",
    "no_signal": "没有信号",
    "charged_without_service": "只收钱不服务",
    "topup_refused": "拒绝充值",
    "port_obstructed": "携号转网受阻",
    "other": "其他",
    "open": "待处理",
    "investigating": "调查中",
    "resolved": "已解决",
    "on_air": "运行中",
    "faulty": "故障",
    "off_air": "已停播",
    "dismantled": "已拆除",
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
