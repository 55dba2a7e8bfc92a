"""Desk settings pages (/desk/settings/): categories, SLA policies, the working-day calendar.

For managers and head office (Perm.MANAGE_DESK); everyone else gets 404. Shared rows are read-only
for a project's managers. Changes are POSTs through kefu.tickets.settings_services, which checks again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kefu.core.shortcuts import attempt
from kefu.org.models import Department, Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access

from . import calendar
from . import settings_services as services
from .models import CalendarDay, CalendarYear, Category, SlaPolicy
from .settings_forms import CalendarDayForm, CalendarYearForm, CategoryForm, SlaPolicyForm
from .states import Kind

NAV = "desk_settings"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _project(request: HttpRequest) -> Project | None:
    return getattr(request, "kefu_project", None)


def _require(request: HttpRequest) -> User:
    user = _user(request)
    if access(user, Perm.MANAGE_DESK).is_empty:
        raise Http404
    return user


def _is_head(user: User) -> bool:
    return access(user, Perm.MANAGE_DESK).all_projects


def _context(request: HttpRequest, tab: str, **kw: Any) -> dict[str, Any]:
    return {"nav": NAV, "tab": tab, "calendar_warnings": calendar.warnings_around(), **kw}


def index(request: HttpRequest) -> HttpResponse:
    _require(request)
    return redirect("desk_settings:categories")


# Categories --------------------------------------------------------------------------------------


def _tree(cats: list[Category]) -> list[tuple[Category, int]]:
    children: dict[int | None, list[Category]] = {}
    ids = {c.pk for c in cats}
    for c in cats:
        children.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)
    out: list[tuple[Category, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in sorted(children.get(parent, []), key=lambda c: (c.sort, c.code)):
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def _departments(project_id: int | None) -> QuerySet[Department]:
    return Department.objects.filter(Q(project__isnull=True) | Q(project_id=project_id)).order_by("project", "code")


def _parents(kind: str, project_id: int | None) -> QuerySet[Category]:
    qs = Category.objects.filter(kind=kind, is_active=True)
    return qs.filter(Q(project__isnull=True) | Q(project_id=project_id)) if project_id else qs.filter(project=None)


def _scope_project(request: HttpRequest, scope: str) -> Project | None:
    if scope == "project":
        project = _project(request)
        if project is None:
            raise Http404
        return project
    return None


def category_list(request: HttpRequest) -> HttpResponse:
    user = _require(request)
    kind = request.GET.get("kind") or Kind.REPAIR
    if kind not in Kind.values:
        kind = Kind.REPAIR
    return _category_page(request, user, kind)


def _category_page(
    request: HttpRequest, user: User, kind: str, *, form: CategoryForm | None = None, scope: str = ""
) -> HttpResponse:
    project = _project(request)
    cats = Category.objects.filter(kind=kind).select_related("default_department", "parent")
    shared = list(cats.filter(project=None))
    sections: list[tuple[Project | None, list[tuple[Category, int]], bool]] = [
        (None, _tree(shared), services.may_manage(user, None))
    ]
    if project is not None:
        own = list(cats.filter(project=project))
        sections.append((project, _tree(own), services.may_manage(user, project.pk)))
    forms = {}
    for p, _rows, may in sections:
        key = "project" if p else "shared"
        if may:
            forms[key] = (
                form
                if form is not None and scope == key
                else CategoryForm(
                    parents=_parents(kind, p.pk if p else None),
                    departments=_departments(p.pk if p else None),
                    auto_id=f"id_{key}_%s",
                )
            )
    return render(
        request,
        "tickets/settings/categories.html",
        _context(
            request,
            "categories",
            kind=kind,
            kinds=Kind.choices,
            sections=[(p, rows, may, forms.get("project" if p else "shared")) for p, rows, may in sections],
        ),
    )


@require_POST
def category_create(request: HttpRequest) -> HttpResponse:
    user = _require(request)
    kind = request.POST.get("kind", "")
    if kind not in Kind.values:
        raise Http404
    scope = request.POST.get("scope", "shared")
    project = _scope_project(request, scope)
    pid = project.pk if project else None
    if not services.may_manage(user, pid):
        raise Http404
    form = CategoryForm(
        request.POST, parents=_parents(kind, pid), departments=_departments(pid), auto_id=f"id_{scope}_%s"
    )
    if form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.category_create(
                actor=user,
                project=project,
                kind=kind,
                code=d["code"],
                name=d["name"],
                parent=d["parent"],
                trade=d["trade"],
                default_department=d["default_department"],
                sort=d["sort"],
            ),
            form=form,
            success="分类已添加",
        )
        if ok:
            return redirect(f"{reverse('desk_settings:categories')}?kind={kind}")
    return _category_page(request, user, kind, form=form, scope=scope)


def _visible_category(request: HttpRequest, user: User, pk: int) -> Category:
    cat = get_object_or_404(Category.objects.select_related("project", "parent"), pk=pk)
    if cat.project_id is not None and not access(user, Perm.MANAGE_DESK).covers_project(cat.project_id):
        raise Http404
    return cat


def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request)
    cat = _visible_category(request, user, pk)
    may = services.may_manage(user, cat.project_id)
    initial = {
        "name": cat.name,
        "trade": cat.trade,
        "default_department": cat.default_department_id,
        "sort": cat.sort,
        "is_active": cat.is_active,
    }
    form = CategoryForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        departments=_departments(cat.project_id),
        editing=True,
    )
    if request.method == "POST":
        if not may:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            ok, _ = attempt(
                request,
                lambda: services.category_update(
                    actor=user,
                    category=cat,
                    name=d["name"],
                    trade=d["trade"],
                    default_department=d["default_department"],
                    sort=d["sort"],
                    is_active=d["is_active"],
                ),
                form=form,
                success="分类已保存",
            )
            if ok:
                return redirect(f"{reverse('desk_settings:categories')}?kind={cat.kind}")
    return render(
        request, "tickets/settings/category_form.html", _context(request, "categories", cat=cat, form=form, may=may)
    )


@require_POST
def category_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request)
    cat = _visible_category(request, user, pk)
    active = request.POST.get("active") == "1"
    attempt(
        request,
        lambda: services.category_set_active(actor=user, category=cat, active=active),
        success="分类已启用" if active else "分类已停用",
    )
    return redirect(f"{reverse('desk_settings:categories')}?kind={cat.kind}")


# SLA policies ------------------------------------------------------------------------------------


def _policy_categories(project_id: int | None) -> QuerySet[Category]:
    qs = Category.objects.filter(is_active=True).select_related("parent")
    qs = qs.filter(Q(project__isnull=True) | Q(project_id=project_id)) if project_id else qs.filter(project=None)
    return qs.order_by("kind", "parent__sort", "sort", "code")


def policy_list(request: HttpRequest) -> HttpResponse:
    user = _require(request)
    project = _project(request)
    kind = request.GET.get("kind", "")
    qs = SlaPolicy.objects.select_related("category", "project")
    qs = qs.filter(Q(project__isnull=True) | Q(project=project)) if project else qs.filter(project=None)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    rows = [(p, services.may_manage(user, p.project_id)) for p in qs.order_by("kind", "project", "name")]
    return render(
        request,
        "tickets/settings/policies.html",
        _context(
            request,
            "policies",
            rows=rows,
            kind=kind,
            kinds=Kind.choices,
            project=project,
            may_create_shared=services.may_manage(user, None),
            may_create_project=project is not None and services.may_manage(user, project.pk),
        ),
    )


def _policy_data(d: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "name",
        "kind",
        "category",
        "priority",
        "first_reply_hours",
        "resolution_value",
        "resolution_unit",
        "warn_percent",
        "escalate_multiples",
        "is_active",
    )
    return {k: d.get(k) for k in keys}


def policy_create(request: HttpRequest) -> HttpResponse:
    user = _require(request)
    scope = request.GET.get("scope") or request.POST.get("scope") or "shared"
    project = _scope_project(request, scope)
    if not services.may_manage(user, project.pk if project else None):
        raise Http404
    initial = {"kind": request.GET.get("kind") or Kind.COMPLAINT}
    form = SlaPolicyForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        categories=_policy_categories(project.pk if project else None),
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = attempt(
            request,
            lambda: services.sla_policy_create(actor=user, project=project, **_policy_data(form.cleaned_data)),
            form=form,
            success="服务时限已添加",
        )
        if ok:
            return redirect("desk_settings:policies")
    return render(
        request,
        "tickets/settings/policy_form.html",
        _context(request, "policies", form=form, new=True, scope=scope, scope_project=project, may=True),
    )


def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request)
    policy = get_object_or_404(SlaPolicy.objects.select_related("project", "category"), pk=pk)
    if policy.project_id is not None and not access(user, Perm.MANAGE_DESK).covers_project(policy.project_id):
        raise Http404
    may = services.may_manage(user, policy.project_id)
    initial = {f: getattr(policy, f) for f in _policy_data({}) if f != "category"}
    initial["category"] = policy.category_id
    form = SlaPolicyForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        categories=_policy_categories(policy.project_id),
    )
    if request.method == "POST":
        if not may:
            raise Http404
        if form.is_valid():
            ok, _ = attempt(
                request,
                lambda: services.sla_policy_update(actor=user, policy=policy, **_policy_data(form.cleaned_data)),
                form=form,
                success="服务时限已保存",
            )
            if ok:
                return redirect("desk_settings:policies")
    return render(
        request,
        "tickets/settings/policy_form.html",
        _context(request, "policies", form=form, policy=policy, scope_project=policy.project, may=may),
    )


# The calendar ------------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def calendar_view(
    request: HttpRequest, *, form: CalendarDayForm | None = None, year: int | None = None
) -> HttpResponse:
    _require(request)
    year = year or _year(request)
    today = timezone.localdate()
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    entered = CalendarYear.objects.filter(year=year).first()
    known = sorted(set(CalendarYear.objects.values_list("year", flat=True)) | {today.year, today.year + 1, year})
    return render(
        request,
        "tickets/settings/calendar.html",
        _context(
            request,
            "calendar",
            year=year,
            days=days,
            entered=entered,
            years=known,
            missing=calendar.year_missing(year),
            holidays=sum(1 for d in days if not d.is_workday),
            workdays=sum(1 for d in days if d.is_workday),
            form=form or CalendarDayForm(initial={"date": dt.date(year, 1, 1) if year != today.year else today}),
        ),
    )


def _to_calendar(year: int) -> HttpResponse:
    return redirect(f"{reverse('desk_settings:calendar')}?year={year}")


@require_POST
def calendar_day_save(request: HttpRequest) -> HttpResponse:
    user = _require(request)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.calendar_day_set(actor=user, date=d["date"], is_workday=d["is_workday"], name=d["name"]),
            form=form,
            success="已保存",
        )
        if ok:
            return _to_calendar(d["date"].year)
    return calendar_view(request, form=form)


def calendar_day_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request)
    day = get_object_or_404(CalendarDay, pk=pk)
    form = CalendarDayForm(
        request.POST if request.method == "POST" else None,
        initial={"date": day.date, "is_workday": "1" if day.is_workday else "0", "name": day.name},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def save() -> CalendarDay:
            if d["date"] != day.date:
                services.calendar_day_delete(actor=user, day=day)
            return services.calendar_day_set(actor=user, date=d["date"], is_workday=d["is_workday"], name=d["name"])

        ok, _ = attempt(request, save, form=form, success="已保存")
        if ok:
            return _to_calendar(d["date"].year)
    return render(request, "tickets/settings/day_form.html", _context(request, "calendar", form=form, day=day))


@require_POST
def calendar_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request)
    day = get_object_or_404(CalendarDay, pk=pk)
    attempt(request, lambda: services.calendar_day_delete(actor=user, day=day), success="已删除")
    return _to_calendar(day.date.year)


@require_POST
def calendar_year(request: HttpRequest) -> HttpResponse:
    user = _require(request)
    form = CalendarYearForm(request.POST)
    if not form.is_valid():
        raise Http404
    year, entered = form.cleaned_data["year"], form.cleaned_data["entered"]
    attempt(
        request,
        lambda: services.calendar_year_mark(actor=user, year=year, entered=entered),
        success=f"{year} 年已标记为已录入" if entered else f"{year} 年已标记为未录入",
    )
    return _to_calendar(year)
