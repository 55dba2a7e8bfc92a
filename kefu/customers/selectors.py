"""Scoped reads of customer archives. Missing and forbidden look the same (NotFound)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from kefu.core.errors import NotFound
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access

from .models import Asset, Building, Contact, Customer, KeyCustomer, Occupancy, Tag, Unit
from .scoping import customer_q, unit_q


def _current_occupancies() -> Prefetch[Any]:
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(move_out__isnull=True).select_related("unit"),
        to_attr="current_occupancies",
    )


def customer_list(
    *,
    user: User,
    project: Project | None = None,
    q: str = "",
    category: str = "",
    kind: str = "",
    grade: str = "",
    tag: Any = None,
    key_only: bool = False,
    building: Any = None,
    zone: Any = None,
) -> QuerySet[Customer]:
    qs = Customer.objects.filter(customer_q(access(user, Perm.VIEW_ARCHIVES)), is_active=True)
    if project is not None:
        qs = qs.filter(project=project)
    if q := q.strip():
        contact_hit = Contact.objects.filter(customer=OuterRef("pk"), value__contains=q)
        unit_hit = Occupancy.objects.filter(customer=OuterRef("pk"), move_out__isnull=True, unit__code__startswith=q)
        qs = qs.filter(Q(name__contains=q) | Q(code=q) | Exists(contact_hit) | Exists(unit_hit))
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    if grade:
        qs = qs.filter(credit_grade=grade)
    if tag:
        qs = qs.filter(tags=tag)
    if key_only:
        qs = qs.filter(key_entry__isnull=False)
    if building:
        qs = qs.filter(
            Exists(Occupancy.objects.filter(customer=OuterRef("pk"), move_out__isnull=True, unit__building_id=building))
        )
    if zone:
        qs = qs.filter(
            Exists(Occupancy.objects.filter(customer=OuterRef("pk"), move_out__isnull=True, unit__zone_id=zone))
        )
    return (
        qs.select_related("project", "key_entry")
        .prefetch_related("tags", _current_occupancies(), "contacts")
        .order_by("project__code", "code")
    )


def customer_get(*, user: User, pk: Any) -> Customer:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("未找到该客户") from None
    customer = (
        Customer.objects.filter(customer_q(access(user, Perm.VIEW_ARCHIVES)))
        .select_related("project", "key_entry", "key_entry__owner")
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise NotFound("未找到该客户")
    return customer


def customer_occupancies(customer: Customer) -> QuerySet[Occupancy]:
    return customer.occupancies.select_related("unit", "unit__building").order_by("move_out", "-move_in")


def unit_list(
    *,
    user: User,
    project: Project | None = None,
    q: str = "",
    building: Any = None,
    zone: Any = None,
    status: str = "",
    kind: str = "",
) -> QuerySet[Unit]:
    qs = Unit.objects.filter(unit_q(access(user, Perm.VIEW_ARCHIVES)))
    if project is not None:
        qs = qs.filter(project=project)
    if q := q.strip():
        qs = qs.filter(Q(code__startswith=q) | Q(number=q))
    if building:
        qs = qs.filter(building_id=building)
    if zone:
        qs = qs.filter(zone_id=zone)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    current = Occupancy.objects.filter(move_out__isnull=True).select_related("customer")
    return (
        qs.select_related("project", "building", "entrance", "zone")
        .prefetch_related(Prefetch("occupancies", queryset=current, to_attr="current_occupancies"))
        .order_by("project__code", "building__code", "code")
    )


def unit_get(*, user: User, pk: Any) -> Unit:
    unit = unit_list(user=user).filter(pk=pk).first()
    if unit is None:
        raise NotFound("未找到该房屋")
    return unit


def building_list(*, user: User, project: Project | None = None) -> QuerySet[Building]:
    a = access(user, Perm.VIEW_ARCHIVES)
    q = a.q("project")
    if a.zone_ids and not a.all_projects:
        q |= Q(units__zone_id__in=sorted(a.zone_ids))
    qs = Building.objects.filter(q).distinct()
    if project is not None:
        qs = qs.filter(project=project)
    return (
        qs.select_related("project")
        .annotate(unit_count=Count("units", distinct=True))
        .order_by("project__code", "code")
    )


def tag_list(*, user: User, project: Project | None = None) -> QuerySet[Tag]:
    a = access(user, Perm.VIEW_ARCHIVES)
    if a.is_empty:
        qs = Tag.objects.none()
    elif a.all_projects:
        qs = Tag.objects.all()
    else:
        qs = Tag.objects.filter(a.q("project") | Q(project__isnull=True))
    if project is not None:
        qs = qs.filter(Q(project=project) | Q(project__isnull=True))
    return qs.order_by("name")


def asset_list(*, user: User, project: Project | None = None, q: str = "", customer: Any = None) -> QuerySet[Asset]:
    a = access(user, Perm.VIEW_ARCHIVES)
    qs = Asset.objects.filter(a.q("project", "unit__zone"))
    if project is not None:
        qs = qs.filter(project=project)
    if q := q.strip():
        qs = qs.filter(Q(serial_no__contains=q) | Q(name__contains=q) | Q(model__contains=q))
    if customer:
        qs = qs.filter(customer_id=customer)
    return qs.select_related("project", "customer", "unit").order_by("project__code", "serial_no")


def asset_get(*, user: User, pk: Any) -> Asset:
    asset = asset_list(user=user).filter(pk=pk).first()
    if asset is None:
        raise NotFound("未找到该设备档案")
    return asset


def key_customer_list(
    *, user: User, project: Project | None = None, due_by: dt.date | None = None
) -> QuerySet[KeyCustomer]:
    customers = customer_list(user=user, project=project)
    qs = KeyCustomer.objects.filter(customer__in=customers.values("pk"))
    if due_by is not None:
        qs = qs.filter(review_on__lte=due_by)
    return qs.select_related("customer", "customer__project", "owner").order_by("review_on", "pk")
