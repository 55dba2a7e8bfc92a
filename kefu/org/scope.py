"""Where a staff member may act: the projects (or, for stewards, zones) a permission reaches.

Scopes are computed from Membership rows once per request and cached on the user object, then
applied as queryset filters by the selectors. Nothing here grants per-object rights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet, prefetch_related_objects

from .roles import ZONE_SCOPED_ROLES, Perm, Role, role_has

if TYPE_CHECKING:
    from .models import Membership


@dataclass(frozen=True)
class Access:
    all_projects: bool = False
    project_ids: frozenset[int] = field(default_factory=frozenset)
    zone_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.all_projects or self.project_ids or self.zone_ids)

    def q(self, project_field: str = "project", zone_field: str | None = None) -> Q:
        """A filter for rows reachable by this access.

        project_field names the row's project; zone_field, if the rows can be reached by zone,
        names the row's zone (e.g. "zone" for units, "occupancies__unit__zone" for customers).
        """
        if self.all_projects:
            # Always true, and unlike Q() it survives being OR-ed with other conditions (Q(x) | Q() is Q(x)).
            return Q(pk__isnull=False)
        q = Q(**{f"{project_field}__in": sorted(self.project_ids)})
        if zone_field and self.zone_ids:
            q |= Q(**{f"{zone_field}__in": sorted(self.zone_ids)})
        if not self.project_ids and not (zone_field and self.zone_ids):
            return Q(pk__in=[])
        return q

    def covers_project(self, project_id: int | None) -> bool:
        return self.all_projects or (project_id is not None and project_id in self.project_ids)

    def covers(self, project_id: int | None, zone_id: int | None = None) -> bool:
        return self.covers_project(project_id) or (zone_id is not None and zone_id in self.zone_ids)


def memberships(user: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_kefu_memberships", None)
    if cached is None:
        from .models import Membership

        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("project", "department")
            .order_by("pk")  # not Meta.ordering, whose joins cost more than the query itself
        )
        # Only zone-scoped roles (stewards) have zones: skip the second query for everyone else.
        zoned = [m for m in cached if m.role in ZONE_SCOPED_ROLES]
        if zoned:
            prefetch_related_objects(zoned, "zones")
        user._kefu_memberships = cached
    return cached


def access(user: Any, perm: Perm) -> Access:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Access()
    cache: dict[Perm, Access] = user.__dict__.setdefault("_kefu_access", {})
    if perm in cache:
        return cache[perm]
    all_projects = False
    projects: set[int] = set()
    zones: set[int] = set()
    for m in memberships(user):
        if m.project is not None and not m.project.is_active:
            continue
        if not role_has(m.role, perm):
            continue
        if m.role == Role.HEAD_OFFICE:
            all_projects = True
        elif m.role in ZONE_SCOPED_ROLES:
            zones.update(z.pk for z in m.zones.all())
        else:
            assert m.project_id is not None
            projects.add(m.project_id)
    result = Access(all_projects=all_projects, project_ids=frozenset(projects), zone_ids=frozenset(zones))
    cache[perm] = result
    return result


def can(user: Any, perm: Perm, project_id: int | None = None, zone_id: int | None = None) -> bool:
    a = access(user, perm)
    if project_id is None and zone_id is None:
        return not a.is_empty
    return a.covers(project_id, zone_id)


def is_staff_member(user: Any) -> bool:
    return bool(memberships(user))


def roles_in(user: Any, project_id: int | None) -> set[str]:
    return {m.role for m in memberships(user) if m.project_id == project_id or m.role == Role.HEAD_OFFICE}


def visible_projects(user: Any) -> QuerySet[Any]:
    """Projects the user holds any role in (head office: all)."""
    from .models import Project

    ms = memberships(user)
    if any(m.role == Role.HEAD_OFFICE for m in ms):
        return Project.objects.filter(is_active=True)
    ids = {m.project_id for m in ms if m.project_id}
    zone_projects = {z.project_id for m in ms if m.role in ZONE_SCOPED_ROLES for z in m.zones.all()}
    return Project.objects.filter(is_active=True, pk__in=ids | zone_projects)


def forget(user: Any) -> None:
    """Drop cached scope (after memberships change within one request or test)."""
    user.__dict__.pop("_kefu_memberships", None)
    user.__dict__.pop("_kefu_access", None)
