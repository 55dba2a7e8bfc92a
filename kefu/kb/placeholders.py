"""Placeholders of canned replies (常用回复), such as {客户称呼}, {工单号} and {处理人}, filled in for a case.

The syntax and the substitution are those of the return-visit scripts (kefu.visits.scripts: a name in
braces, `PLACEHOLDER`, `render`, `customer_title`); only the set of names differs, because a canned reply
is filled in from a case by the agent writing to the customer, not from a return visit. A reply is checked
when it is saved (an unknown name is refused); a value the case does not have (no appointment time yet)
is left as the placeholder itself, so the agent sees what to complete before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.visits.scripts import PLACEHOLDER, customer_title, render

# name -> what it stands for (shown beside the editor)
PLACEHOLDERS: dict[str, Any] = {
    "客户称呼": _("张先生 / 王女士；无客户档案时为联系人"),
    "客户姓名": _("客户档案中的姓名（或联系人）"),
    "房号": _("房屋编码，如 3-2-1201；公共区域为位置"),
    "项目名称": _("项目名称，如 阳光花园"),
    "客服电话": _("项目服务电话"),
    "工单号": _("如 BX20261122-0001"),
    "工单类型": _("报修、投诉……"),
    "工单摘要": _("受理时的摘要"),
    "受理时间": _("如 11月20日 14:05"),
    "预约时间": _("客户预约的上门时间"),
    "处理人": _("当前处理人；未指定人员时为处理部门"),
    "处理部门": _("当前处理部门"),
    "坐席姓名": _("插入回复的员工本人"),
}


def unknown_placeholders(body: str) -> list[str]:
    return sorted({m for m in PLACEHOLDER.findall(body or "") if m not in PLACEHOLDERS})


def used_placeholders(body: str) -> list[str]:
    return list(dict.fromkeys(m for m in PLACEHOLDER.findall(body or "") if m in PLACEHOLDERS))


def _when(value: Any) -> str:
    if value is None:
        return ""
    t = timezone.localtime(value)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


def context_for(case: Any, actor: Any = None) -> dict[str, str]:
    """The values a case gives to each placeholder; a value the case does not have is left out."""
    customer = case.customer
    handler = ""
    if case.assignee is not None:
        handler = case.assignee.display_name
    elif case.department is not None:
        handler = case.department.name
    values = {
        "客户称呼": customer_title(customer, case.contact_name) if (customer or case.contact_name) else "",
        "客户姓名": (customer.name if customer is not None else "") or case.contact_name,
        "房号": case.unit.code if case.unit is not None else case.location,
        "项目名称": case.project.name,
        "客服电话": case.project.phone,
        "工单号": case.number,
        "工单类型": str(case.get_kind_display()),
        "工单摘要": case.title,
        "受理时间": _when(case.created_at),
        "预约时间": case.preferred_time,
        "处理人": handler,
        "处理部门": case.department.name if case.department is not None else "",
        "坐席姓名": actor.display_name if actor is not None else "",
    }
    return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str]  # placeholders left in the text because the case has no value for them


def render_for_case(body: str, case: Any, actor: Any = None) -> Rendered:
    values = context_for(case, actor)
    missing = [name for name in used_placeholders(body) if name not in values]
    return Rendered(text=render(body, values), missing=missing)
