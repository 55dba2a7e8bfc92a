"""回访标准用语: scripts with placeholders in braces, such as {客户称呼} and {工单摘要}.

A script is checked when it is saved (an unknown placeholder is refused) and filled in for each visit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from .models import ReturnVisit, VisitScript

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")

# name -> what it stands for (shown beside the script editor)
PLACEHOLDERS: dict[str, str] = {
    "客户称呼": "张先生 / 王女士；企业为企业名称",
    "客户姓名": "客户档案中的姓名",
    "房号": "房屋编码，如 3-2-1201",
    "项目": "项目名称",
    "工单号": "如 BX20261122-0001",
    "工单类型": "报修、投诉……",
    "工单摘要": "受理时的摘要",
    "受理时间": "如 11月20日",
    "办结时间": "如 11月21日",
    "处理人": "办结工单的人员",
    "处理结果": "办结时填写的处理结果",
    "回访人": "本次回访的员工姓名",
    "服务电话": "项目服务电话",
}


def unknown_placeholders(body: str) -> list[str]:
    return sorted({m for m in PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})


def customer_title(customer: Any, fallback: str = "") -> str:
    """张先生 / 王女士 for a person with a known gender; the full name otherwise (and for companies)."""
    if customer is None:
        return fallback or "您"
    name = (customer.name or "").strip()
    if getattr(customer, "kind", "person") != "person" or not name:
        return name or fallback or "您"
    suffix = {"M": "先生", "F": "女士"}.get(customer.gender or "")
    if suffix is None:
        return name
    surname = name[:2] if len(name) >= 4 else name[:1]  # 欧阳娜娜 → 欧阳
    return f"{surname}{suffix}"


def _day(value: Any) -> str:
    if value is None:
        return ""
    return f"{timezone.localtime(value):%m月%d日}".lstrip("0")


def context_for(visit: ReturnVisit, actor: Any = None) -> dict[str, str]:
    case = visit.case
    resolution = ""
    resolver = ""
    if case is not None:
        last = case.events.filter(kind="resolve").order_by("-at", "-pk").select_related("actor").first()
        if last is not None:
            resolution = last.body
            resolver = last.actor.display_name if last.actor else ""
        if not resolver and case.assignee is not None:
            resolver = case.assignee.display_name
    caller = actor or visit.assignee
    return {
        "客户称呼": customer_title(visit.customer, visit.contact_name),
        "客户姓名": visit.customer.name if visit.customer else visit.contact_name,
        "房号": visit.unit.code if visit.unit else (case.location if case else ""),
        "项目": visit.project.name,
        "工单号": case.number if case else "",
        "工单类型": case.get_kind_display() if case else "",
        "工单摘要": case.title if case else "",
        "受理时间": _day(case.created_at) if case else "",
        "办结时间": _day(case.resolved_at) if case else "",
        "处理人": resolver,
        "处理结果": resolution,
        "回访人": caller.display_name if caller is not None else "",
        "服务电话": visit.project.phone,
    }


def render(body: str, context: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), body)


def script_for(visit: ReturnVisit) -> VisitScript | None:
    """The project's own script before a shared one; for case visits, one for the kind before a general one."""
    from django.db.models import Q

    from .models import ReturnVisit as RV
    from .models import VisitScript

    purpose = {RV.Source.CASE.value: "case", RV.Source.PLAN.value: "plan", RV.Source.SURVEY.value: "survey"}[
        visit.source
    ]
    qs = VisitScript.objects.filter(is_active=True, purpose=purpose).filter(
        Q(project=visit.project_id) | Q(project__isnull=True)
    )
    kind = visit.case.kind if visit.case is not None else ""
    best: VisitScript | None = None
    best_rank = -1
    for s in qs:
        if s.kind and s.kind != kind:
            continue
        rank = (2 if s.project_id else 0) + (1 if s.kind else 0)
        if rank > best_rank:
            best, best_rank = s, rank
    return best


def rendered_script(visit: ReturnVisit, actor: Any = None) -> str:
    script = script_for(visit)
    if script is None:
        return ""
    return render(script.body, context_for(visit, actor))
