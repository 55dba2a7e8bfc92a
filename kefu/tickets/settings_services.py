"""Writes of the desk settings: categories, SLA policies, the working-day calendar.

Who: Perm.MANAGE_DESK. Shared rows (project=None) belong to head office; a project's own rows to the
project's managers. The calendar is one for the whole country: anyone with MANAGE_DESK may enter it.
Each function checks, validates and writes in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from kefu.core.errors import Forbidden, ValidationFailed
from kefu.org.models import Department, Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access, can

from . import calendar, sla
from .models import CalendarDay, CalendarYear, Category, SlaPolicy
from .states import Kind, Priority

MSG_FORBIDDEN = "您没有权限修改该设置"
MSG_SHARED_ONLY_HEAD = "通用设置只能由总部修改"


def may_manage(user: User, project_id: int | None) -> bool:
    """Shared rows: head office. A project's rows: MANAGE_DESK in that project."""
    a = access(user, Perm.MANAGE_DESK)
    if project_id is None:
        return a.all_projects
    return a.covers_project(project_id)


def _require(user: User, project_id: int | None) -> None:
    if access(user, Perm.MANAGE_DESK).is_empty:
        raise Forbidden(MSG_FORBIDDEN)
    if not may_manage(user, project_id):
        raise Forbidden(MSG_SHARED_ONLY_HEAD if project_id is None else MSG_FORBIDDEN)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# Categories -----------------------------------------------------------------------------------------


def _check_department(department: Department | None, project_id: int | None) -> None:
    if department is not None and department.project_id not in (None, project_id):
        raise _fail("default_department", "默认派单部门不属于该项目")


@transaction.atomic
def category_create(
    *,
    actor: User,
    project: Project | None,
    kind: str,
    code: str,
    name: str,
    parent: Category | None = None,
    trade: str = "",
    default_department: Department | None = None,
    sort: int = 0,
) -> Category:
    project_id = project.pk if project else None
    _require(actor, project_id)
    if kind not in Kind.values:
        raise _fail("kind", "无效的工单类型")
    code, name = code.strip(), name.strip()
    if not code:
        raise _fail("code", "请填写编码")
    if not name:
        raise _fail("name", "请填写名称")
    if parent is not None:
        if parent.kind != kind:
            raise _fail("parent", "上级分类的类型不同")
        if parent.project_id not in (None, project_id):
            raise _fail("parent", "上级分类不属于该项目")
        trade = trade or parent.trade
    _check_department(default_department, project_id)
    if Category.objects.filter(project=project, kind=kind, code=code).exists():
        raise _fail("code", "该编码已存在")
    return Category.objects.create(
        project_id=project_id,
        kind=kind,
        parent=parent,
        code=code,
        name=name,
        trade=trade.strip(),
        default_department=default_department,
        sort=sort,
    )


@transaction.atomic
def category_update(
    *,
    actor: User,
    category: Category,
    name: str,
    trade: str = "",
    default_department: Department | None = None,
    sort: int = 0,
    is_active: bool = True,
) -> Category:
    category = Category.objects.select_for_update().get(pk=category.pk)
    _require(actor, category.project_id)
    name = name.strip()
    if not name:
        raise _fail("name", "请填写名称")
    _check_department(default_department, category.project_id)
    category.name = name
    category.trade = trade.strip()
    category.default_department = default_department
    category.sort = sort
    category.is_active = is_active
    category.save()
    return category


@transaction.atomic
def category_set_active(*, actor: User, category: Category, active: bool) -> Category:
    category = Category.objects.select_for_update().get(pk=category.pk)
    _require(actor, category.project_id)
    category.is_active = active
    category.save(update_fields=["is_active"])
    return category


# SLA policies ------------------------------------------------------------------------------------


def _policy_fields(project_id: int | None, d: dict[str, Any]) -> dict[str, Any]:
    name = (d.get("name") or "").strip()
    if not name:
        raise _fail("name", "请填写名称")
    kind = d.get("kind")
    if kind not in Kind.values:
        raise _fail("kind", "无效的工单类型")
    category: Category | None = d.get("category")
    if category is not None:
        if category.kind != kind:
            raise _fail("category", "分类与工单类型不符")
        if category.project_id not in (None, project_id):
            raise _fail("category", "分类不属于该项目")
    priority = d.get("priority") or ""
    if priority and priority not in Priority.values:
        raise _fail("priority", "无效的优先级")
    first_reply = d.get("first_reply_hours")
    if first_reply is not None and first_reply < 1:
        raise _fail("first_reply_hours", "首次答复时限须至少 1 小时")
    value = d.get("resolution_value")
    if value is None or value < 1:
        raise _fail("resolution_value", "办结时限须至少为 1")
    unit = d.get("resolution_unit") or SlaPolicy.Unit.HOURS
    if unit not in SlaPolicy.Unit.values:
        raise _fail("resolution_unit", "无效的时限单位")
    warn = d.get("warn_percent")
    if warn is None or not 1 <= warn <= 99:
        raise _fail("warn_percent", "预警比例须在 1 到 99 之间")
    try:
        multiples = sla.parse_multiples(d.get("escalate_multiples") or "")
    except ValueError as exc:
        raise _fail("escalate_multiples", str(exc)) from None
    return {
        "name": name,
        "kind": kind,
        "category": category,
        "priority": priority,
        "first_reply_hours": first_reply,
        "resolution_value": value,
        "resolution_unit": unit,
        "warn_percent": warn,
        "escalate_multiples": ",".join(f"{m:g}" for m in multiples),
        "is_active": bool(d.get("is_active", True)),
    }


@transaction.atomic
def sla_policy_create(*, actor: User, project: Project | None, **data: Any) -> SlaPolicy:
    """A new policy; it applies to cases opened from now on (open cases keep their deadlines)."""
    project_id = project.pk if project else None
    _require(actor, project_id)
    return SlaPolicy.objects.create(project_id=project_id, **_policy_fields(project_id, data))


@transaction.atomic
def sla_policy_update(*, actor: User, policy: SlaPolicy, **data: Any) -> SlaPolicy:
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    _require(actor, policy.project_id)
    for k, v in _policy_fields(policy.project_id, data).items():
        setattr(policy, k, v)
    policy.save()
    return policy


# The calendar ------------------------------------------------------------------------------------


def _require_calendar(actor: User) -> None:
    if not can(actor, Perm.MANAGE_DESK):
        raise Forbidden(MSG_FORBIDDEN)


def _calendar_changed() -> None:
    calendar.clear_cache()
    transaction.on_commit(calendar.clear_cache)


@transaction.atomic
def calendar_day_set(*, actor: User, date: dt.date, is_workday: bool, name: str = "") -> CalendarDay:
    """Record a public holiday (休息) or a make-up workday (调休上班) on a date; one row per date."""
    _require_calendar(actor)
    if date is None:
        raise _fail("date", "请填写日期")
    name = (name.strip() or ("调休上班" if is_workday else "休息"))[:50]
    day, _created = CalendarDay.objects.select_for_update().update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": name}
    )
    _calendar_changed()
    return day


@transaction.atomic
def calendar_day_delete(*, actor: User, day: CalendarDay) -> None:
    _require_calendar(actor)
    CalendarDay.objects.filter(pk=day.pk).delete()
    _calendar_changed()


@transaction.atomic
def calendar_year_mark(*, actor: User, year: int, entered: bool, source: str = "手工录入") -> None:
    """Mark a year's schedule as entered (its working days are then trusted), or as not entered."""
    _require_calendar(actor)
    if not 2000 <= year <= 2100:
        raise _fail("year", "无效的年份")
    if entered:
        CalendarYear.objects.get_or_create(year=year, defaults={"source": source[:50]})
    else:
        CalendarYear.objects.filter(year=year).delete()
    _calendar_changed()
