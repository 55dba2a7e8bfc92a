"""Organisation pages: projects and zones, departments, staff and their roles.

Thin: every read goes through kefu.org.selectors (404 for what the user may not see), every write
through kefu.org.services (which refuse what the user may not do). The edit buttons shown follow the
same rules, but they are never the only check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt, paginate
from kefu.core.xlsx import xlsx_response
from kefu.customers import selectors as customer_selectors
from kefu.customers import services as customer_services

from . import selectors, services
from .forms import (
    DepartmentForm,
    MembershipEditForm,
    MembershipForm,
    NewStaffForm,
    ProjectForm,
    StaffForm,
    ZoneAssignForm,
    ZoneForm,
)
from .models import Department, Membership, Project, User, Zone
from .roles import Perm, Role
from .scope import access, can

# Access helpers ---------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _current_project(request: HttpRequest) -> Project | None:
    return request.kefu_project  # type: ignore[attr-defined, no-any-return]


def _require_view(request: HttpRequest) -> None:
    if access(request.user, Perm.VIEW_ORG).is_empty:
        raise Http404


def _is_head(user: Any) -> bool:
    return access(user, Perm.MANAGE_ORG).all_projects


def _may_manage(user: Any, project_id: int | None) -> bool:
    """What the services will allow: head office for organisation-wide rows, managers in their project."""
    if project_id is None:
        return _is_head(user)
    return can(user, Perm.MANAGE_ORG, project_id)


def _manageable_projects(user: User) -> QuerySet[Project]:
    a = access(user, Perm.MANAGE_ORG)
    qs = selectors.project_list(user=user)
    return qs if a.all_projects else qs.filter(pk__in=sorted(a.project_ids))


def _fetch(request: HttpRequest, selector: Any, pk: int) -> Any:
    _require_view(request)
    try:
        return selector(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _errors_to_messages(request: HttpRequest, form: Any) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)


def _visible_project_ids(user: User) -> set[int]:
    return set(selectors.project_list(user=user).values_list("pk", flat=True))


def _visible_memberships(user: User, person: User, project_ids: set[int] | None = None) -> list[Membership]:
    """The person's roles the viewer may see: those in the viewer's projects (and head-office roles)."""
    pids = _visible_project_ids(user) if project_ids is None else project_ids
    held: Iterable[Membership] = getattr(person, "active_memberships", None) or (
        person.memberships.filter(is_active=True).select_related("project", "department").prefetch_related("zones")
    )
    return [m for m in held if m.project_id is None or m.project_id in pids]


# Projects and zones -----------------------------------------------------------------------------


def project_list_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = _user(request)
    current = _current_project(request)
    q = request.GET.get("q", "").strip()
    projects = selectors.project_list(user=user)
    if current is not None:
        projects = projects.filter(pk=current.pk)
    if q:
        projects = projects.filter(Q(name__icontains=q) | Q(code__icontains=q))
    stewards = Membership.objects.filter(is_active=True, role=Role.STEWARD).select_related("user")
    zones = selectors.zone_list(user=user, project=current).prefetch_related(
        Prefetch("memberships", queryset=stewards, to_attr="stewards")
    )
    by_project: dict[int, list[Zone]] = {}
    for z in zones:
        by_project.setdefault(z.project_id, []).append(z)
    rows = [(p, by_project.get(p.pk, [])) for p in projects]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "项目与区域",
            "项目与区域",
            ["项目编码", "项目名称", "项目类型", "地址", "服务电话", "区域编码", "区域名称", "说明", "房屋数", "管家"],
            _project_rows(rows),
        )
    return render(
        request,
        "org/project_list.html",
        {
            "nav": "projects",
            "rows": [(p, zs, _may_manage(user, p.pk)) for p, zs in rows],
            "count": len(rows),
            "q": q,
            "may_create": _is_head(user),
        },
    )


def _project_rows(rows: list[tuple[Project, list[Zone]]]) -> Iterable[list[Any]]:
    for p, zones in rows:
        head = [p.code, p.name, p.get_kind_display(), p.address, p.phone]
        if not zones:
            yield [*head, "", "", "", None, ""]
        for z in zones:
            names = "、".join(m.user.display_name for m in getattr(z, "stewards", []))
            yield [*head, z.code, z.name, z.description, getattr(z, "unit_count", None), names]


def project_create_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.project_create(
                actor=_user(request),
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                address=d["address"],
                phone=d["phone"],
            ),
            form=form,
            success="项目已建立",
        )
        if ok:
            return redirect("org:projects")
    return render(request, "org/project_form.html", {"nav": "projects", "form": form, "new": True})


def project_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    project: Project = _fetch(request, selectors.project_get, pk)
    user = _user(request)
    may_toggle = _is_head(user)
    initial: dict[str, Any] = {
        "name": project.name,
        "kind": project.kind,
        "address": project.address,
        "phone": project.phone,
        "is_active": project.is_active,
    }
    form = ProjectForm(request.POST or None, initial=initial, editing=True, may_toggle=may_toggle)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        ok, _ = attempt(
            request,
            lambda: services.project_update(actor=user, project=project, **fields),
            form=form,
            success="项目信息已保存",
        )
        if ok:
            return redirect("org:projects")
    return render(request, "org/project_form.html", {"nav": "projects", "form": form, "project": project})


def zone_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project: Project = _fetch(request, selectors.project_get, pk)
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, zone = attempt(
            request,
            lambda: services.zone_create(
                actor=_user(request), project=project, code=d["code"], name=d["name"], description=d["description"]
            ),
            form=form,
            success="区域已建立",
        )
        if ok and zone is not None:
            return redirect("org:zone", zone.pk)
    return render(request, "org/zone_form.html", {"nav": "projects", "form": form, "project": project})


def _zone_page(
    request: HttpRequest, zone: Zone, *, form: ZoneForm | None = None, assign_form: ZoneAssignForm | None = None
) -> HttpResponse:
    user = _user(request)
    buildings = customer_selectors.building_list(user=user, project=zone.project)
    units_by_building = (
        customer_selectors.unit_list(user=user, project=zone.project, zone=zone.pk)
        .order_by()
        .values("building__code", "building__name")
        .annotate(n=Count("pk"))
        .order_by("building__code")
    )
    stewards = (
        zone.memberships.filter(is_active=True, role=Role.STEWARD).select_related("user").order_by("user__username")
    )
    initial = {"name": zone.name, "description": zone.description}
    return render(
        request,
        "org/zone_detail.html",
        {
            "nav": "projects",
            "zone": zone,
            "may_manage": _may_manage(user, zone.project_id),
            "form": form or ZoneForm(initial=initial, editing=True),
            "assign_form": assign_form or ZoneAssignForm(buildings=buildings),
            "units_by_building": units_by_building,
            "stewards": stewards,
        },
    )


def zone_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    zone: Zone = _fetch(request, selectors.zone_get, pk)
    return _zone_page(request, zone)


@require_POST
def zone_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    zone: Zone = _fetch(request, selectors.zone_get, pk)
    form = ZoneForm(request.POST, editing=True)
    if form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.zone_update(actor=_user(request), zone=zone, name=d["name"], description=d["description"]),
            form=form,
            success="区域信息已保存",
        )
        if ok:
            return redirect("org:zone", zone.pk)
    return _zone_page(request, zone, form=form)


@require_POST
def zone_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the units of one building (all, or those in no zone yet) into this zone."""
    zone: Zone = _fetch(request, selectors.zone_get, pk)
    user = _user(request)
    form = ZoneAssignForm(request.POST, buildings=customer_selectors.building_list(user=user, project=zone.project))
    if not form.is_valid():
        return _zone_page(request, zone, assign_form=form)
    building = form.cleaned_data["building"]
    units = customer_selectors.unit_list(user=user, project=zone.project, building=building.pk)
    if form.cleaned_data["only_unzoned"]:
        units = units.filter(zone__isnull=True)
    ok, moved = attempt(
        request, lambda: customer_services.zone_assign_units(actor=user, zone=zone, units=list(units)), form=form
    )
    if not ok:
        return _zone_page(request, zone, assign_form=form)
    messages.success(request, f"已将 {building.name} 的 {moved} 套房屋划入{zone.name}")
    return redirect("org:zone", zone.pk)


# Departments ------------------------------------------------------------------------------------


def _departments(user: User, project: Project | None) -> QuerySet[Department]:
    return selectors.department_list(user=user, project=project).annotate(
        member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
    )


def department_list_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = _user(request)
    depts = list(_departments(user, _current_project(request)))
    groups: dict[int | None, list[Department]] = {}
    for d in depts:
        groups.setdefault(d.project_id, []).append(d)
    projects = {d.project_id: d.project for d in depts}

    def order(pid: int | None) -> tuple[bool, str]:  # head office first, then by project code
        p = projects[pid]
        return (p is not None, p.code if p else "")

    tree = [
        (projects[pid], [(d, depth, _may_manage(user, pid)) for d, depth in selectors.department_tree(groups[pid])])
        for pid in sorted(groups, key=order)
    ]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "部门",
            "部门",
            ["所属项目", "部门编码", "部门名称", "层级", "上级部门", "专业", "排序", "人数"],
            (
                [
                    p.name if p else "总部",
                    d.code,
                    d.name,
                    depth + 1,
                    d.parent.name if d.parent else "",
                    d.trade,
                    d.sort,
                    getattr(d, "member_count", 0),
                ]
                for p, rows in tree
                for d, depth, _ in rows
            ),
        )
    return render(
        request,
        "org/department_list.html",
        {"nav": "departments", "tree": tree, "count": len(depts), "may_create": not _manageable_empty(user)},
    )


def _manageable_empty(user: User) -> bool:
    return access(user, Perm.MANAGE_ORG).is_empty


def department_create_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = _user(request)
    current = _current_project(request)
    form = DepartmentForm(
        request.POST or None,
        projects=_manageable_projects(user),
        parents=selectors.department_list(user=user, project=current),
        head_office=_is_head(user),
        initial={"project": current},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.department_create(
                actor=user,
                project=d["project"],
                code=d["code"],
                name=d["name"],
                parent=d["parent"],
                trade=d["trade"],
                sort=d["sort"],
            ),
            form=form,
            success="部门已建立",
        )
        if ok:
            return redirect("org:departments")
    return render(request, "org/department_form.html", {"nav": "departments", "form": form, "new": True})


def department_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    dept: Department = _fetch(request, selectors.department_get, pk)
    user = _user(request)
    parents = selectors.department_list(user=user).filter(project=dept.project_id).exclude(pk=dept.pk)
    initial = {"name": dept.name, "parent": dept.parent_id, "trade": dept.trade, "sort": dept.sort}
    form = DepartmentForm(request.POST or None, parents=parents, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.department_update(
                actor=user, department=dept, name=d["name"], parent=d["parent"], trade=d["trade"], sort=d["sort"]
            ),
            form=form,
            success="部门信息已保存",
        )
        if ok:
            return redirect("org:departments")
    return render(
        request,
        "org/department_form.html",
        {"nav": "departments", "form": form, "dept": dept, "may_manage": _may_manage(user, dept.project_id)},
    )


# Staff and roles --------------------------------------------------------------------------------


def _staff_filters(request: HttpRequest) -> dict[str, Any]:
    """Filter bar values; the project filter starts at the project chosen at the top."""
    g = request.GET
    user = _user(request)
    project: Project | None = _current_project(request)
    if "project" in g:
        raw = g.get("project", "")
        project = selectors.project_list(user=user).filter(pk=raw).first() if raw.isdigit() else None
    role = g.get("role", "")
    return {"q": g.get("q", "").strip(), "role": role if role in Role.values else "", "project": project}


def staff_list_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = _user(request)
    f = _staff_filters(request)
    qs = selectors.staff_list(user=user, **f)
    pids = _visible_project_ids(user)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "员工",
            "员工与岗位",
            ["工号", "姓名", "登录名", "手机", "邮箱", "岗位", "在岗", "账号状态"],
            (
                [
                    p.employee_no,
                    p.display_name,
                    p.username,
                    p.mobile,
                    p.email,
                    "；".join(_role_text(m) for m in _visible_memberships(user, p, pids)),
                    "在岗" if p.on_duty else "不在岗",
                    "启用" if p.is_active else "停用",
                ]
                for p in qs
            ),
        )
    page = paginate(request, qs)
    people = [(p, _visible_memberships(user, p, pids)) for p in page]
    return render(
        request,
        "org/staff_list.html",
        {
            "nav": "staff",
            "page": page,
            "people": people,
            "f": f,
            "roles": Role.choices,
            "projects": selectors.project_list(user=user),
            "may_create": not _manageable_empty(user),
        },
    )


def _role_text(m: Membership) -> str:
    parts = [m.project.name if m.project else "总部", m.get_role_display()]
    if m.department:
        parts.append(m.department.name)
    zones = [z.name for z in m.zones.all()]
    if zones:
        parts.append("、".join(zones))
    return "·".join(parts)


def _membership_form(request: HttpRequest, data: Any = None, *, cls: type[MembershipForm] = MembershipForm) -> Any:
    user = _user(request)
    return cls(
        data,
        projects=_manageable_projects(user),
        departments=selectors.department_list(user=user),
        zones=selectors.zone_list(user=user),
        head_office=_is_head(user),
        initial={"project": _current_project(request)},
    )


def staff_create_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = _user(request)
    form = _membership_form(request, request.POST or None, cls=NewStaffForm)

    def create(d: dict[str, Any]) -> User:
        # Person and first role together: a person without a role would belong to no project.
        with transaction.atomic():
            person = services.staff_create(
                actor=user,
                username=d["username"],
                name=d["name"],
                password=d["password"],
                mobile=d["mobile"],
                email=d["email"],
                employee_no=d["employee_no"],
            )
            services.membership_add(
                actor=user,
                user=person,
                role=d["role"],
                project=d["project"],
                department=d["department"],
                zones=list(d["zones"]),
            )
        return person

    if request.method == "POST" and form.is_valid():
        ok, person = attempt(request, lambda: create(form.cleaned_data), form=form, success="员工已建立")
        if ok and person is not None:
            return redirect("org:staff_detail", person.pk)
    return render(request, "org/staff_form.html", {"nav": "staff", "form": form, "new": True})


def _staff_page(request: HttpRequest, person: User, *, form: StaffForm | None = None) -> HttpResponse:
    user = _user(request)
    ms = _visible_memberships(user, person)
    held_projects = {m.project_id for m in person.memberships.filter(is_active=True)}
    may_edit = _is_head(user) or (None not in held_projects and all(_may_manage(user, p) for p in held_projects))
    initial = {f: getattr(person, f) for f in ("name", "employee_no", "mobile", "email", "on_duty", "is_active")}
    roles = [
        (
            m,
            _may_manage(user, m.project_id),
            MembershipEditForm(
                departments=selectors.department_list(user=user).filter(project=m.project_id),
                zones=selectors.zone_list(user=user).filter(project=m.project_id),
                initial={"department": m.department_id, "zones": [z.pk for z in m.zones.all()]},
                prefix=f"m{m.pk}",
            ),
        )
        for m in ms
    ]
    return render(
        request,
        "org/staff_detail.html",
        {
            "nav": "staff",
            "person": person,
            "roles": roles,
            "may_edit": may_edit,
            "may_add_role": not _manageable_empty(user),
            "form": form or StaffForm(initial=initial),
            "role_form": _membership_form(request),
        },
    )


def staff_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    person: User = _fetch(request, selectors.staff_get, pk)
    return _staff_page(request, person)


@require_POST
def staff_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    person: User = _fetch(request, selectors.staff_get, pk)
    form = StaffForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ok, _ = attempt(
            request,
            lambda: services.staff_update(actor=_user(request), user=person, **d),
            form=form,
            success="员工信息已保存",
        )
        if ok:
            return redirect("org:staff_detail", person.pk)
    return _staff_page(request, person, form=form)


@require_POST
def role_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    person: User = _fetch(request, selectors.staff_get, pk)
    form = _membership_form(request, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        attempt(
            request,
            lambda: services.membership_add(
                actor=_user(request),
                user=person,
                role=d["role"],
                project=d["project"],
                department=d["department"],
                zones=list(d["zones"]),
            ),
            success="岗位已添加",
        )
    else:
        _errors_to_messages(request, form)
    return redirect("org:staff_detail", person.pk)


def _membership_or_404(request: HttpRequest, pk: int) -> Membership:
    """An active role of a person the user may see, in a project the user may see."""
    _require_view(request)
    user = _user(request)
    m = Membership.objects.filter(pk=pk, is_active=True).select_related("user", "project").first()
    if m is None or (m.project_id is not None and m.project_id not in _visible_project_ids(user)):
        raise Http404
    try:
        selectors.staff_get(user=user, pk=m.user_id)
    except NotFound as exc:
        raise Http404 from exc
    return m


@require_POST
def role_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    m = _membership_or_404(request, pk)
    user = _user(request)
    form = MembershipEditForm(
        request.POST,
        departments=selectors.department_list(user=user).filter(project=m.project_id),
        zones=selectors.zone_list(user=user).filter(project=m.project_id),
        prefix=f"m{m.pk}",
    )
    if form.is_valid():
        d = form.cleaned_data
        attempt(
            request,
            lambda: services.membership_update(
                actor=user, membership=m, department=d["department"], zones=list(d["zones"])
            ),
            success="岗位已更新",
        )
    else:
        _errors_to_messages(request, form)
    return redirect("org:staff_detail", m.user_id)


@require_POST
def role_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    m = _membership_or_404(request, pk)
    attempt(request, lambda: services.membership_end(actor=_user(request), membership=m), success="岗位已结束")
    return redirect("org:staff_detail", m.user_id)
