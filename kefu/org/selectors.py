"""Reads of organisation data, scoped by who asks. Missing and forbidden look the same."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from kefu.core.errors import NotFound

from .models import Department, Membership, Project, User, Zone
from .roles import Perm
from .scope import access, visible_projects


def project_list(*, user: User) -> QuerySet[Project]:
    return visible_projects(user).order_by("code")


def project_get(*, user: User, pk: Any) -> Project:
    project = project_list(user=user).filter(pk=pk).first()
    if project is None:
        raise NotFound("未找到该项目")
    return project


def _org_q(user: User, field: str = "project") -> Q:
    return access(user, Perm.VIEW_ORG).q(field)


def _zone_q(user: User) -> Q:
    return access(user, Perm.VIEW_ORG).q("project", "pk")  # stewards see their own zones


def zone_list(*, user: User, project: Project | None = None) -> QuerySet[Zone]:
    qs = Zone.objects.filter(_zone_q(user)).select_related("project").annotate(unit_count=Count("units"))
    if project is not None:
        qs = qs.filter(project=project)
    return qs.order_by("project__code", "code")


def zone_get(*, user: User, pk: Any) -> Zone:
    zone = Zone.objects.filter(_zone_q(user)).select_related("project").filter(pk=pk).first()
    if zone is None:
        raise NotFound("未找到该区域")
    return zone


def department_list(*, user: User, project: Project | None = None) -> QuerySet[Department]:
    a = access(user, Perm.VIEW_ORG)
    q = a.q("project")
    if not a.is_empty and not a.all_projects:
        q |= Q(project__isnull=True)  # head-office departments are visible to all staff
    qs = Department.objects.filter(q).select_related("project", "parent")
    if project is not None:
        qs = qs.filter(Q(project=project) | Q(project__isnull=True))
    return qs.order_by("project__code", "sort", "code")


def department_get(*, user: User, pk: Any) -> Department:
    dept = department_list(user=user).filter(pk=pk).first()
    if dept is None:
        raise NotFound("未找到该部门")
    return dept


def department_tree(departments: list[Department]) -> list[tuple[Department, int]]:
    """Depth-first order with depth, for showing a tree as indented rows."""
    children: dict[int | None, list[Department]] = {}
    ids = {d.pk for d in departments}
    for d in departments:
        parent = d.parent_id if d.parent_id in ids else None
        children.setdefault(parent, []).append(d)
    out: list[tuple[Department, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for d in children.get(parent, []):
            out.append((d, depth))
            walk(d.pk, depth + 1)

    walk(None, 0)
    return out


def staff_list(*, user: User, project: Project | None = None, q: str = "", role: str = "") -> QuerySet[User]:
    a = access(user, Perm.VIEW_ORG)
    ms = Membership.objects.filter(is_active=True)
    if not a.all_projects:
        ms = ms.filter(project_id__in=sorted(a.project_ids | _zone_projects(a.zone_ids)))
    if project is not None:
        ms = ms.filter(project=project)
    if role:
        ms = ms.filter(role=role)
    qs = User.objects.filter(kind=User.Kind.STAFF)
    if not a.all_projects or project is not None or role:
        qs = qs.filter(pk__in=ms.values("user_id"))  # head office also sees people without a role yet
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(username__icontains=q) | Q(employee_no__icontains=q))
    active = Membership.objects.filter(is_active=True).select_related("project", "department").prefetch_related("zones")
    return qs.prefetch_related(Prefetch("memberships", queryset=active, to_attr="active_memberships")).order_by(
        "username"
    )


def _zone_projects(zone_ids: frozenset[int]) -> set[int]:
    if not zone_ids:
        return set()
    return set(Zone.objects.filter(pk__in=zone_ids).values_list("project_id", flat=True))


def staff_get(*, user: User, pk: Any) -> User:
    person = staff_list(user=user).filter(pk=pk).first()
    if person is None:
        raise NotFound("未找到该员工")
    return person
