"""Reads of the special-services catalogue.

Staff (MANAGE_DESK): the items of their projects and the shared ones. Customers: the active items of the
projects they live in and the shared ones; anything else is "not found".
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kefu.core.errors import NotFound
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access
from kefu.portal.access import my_projects

from .models import ServiceItem, ServiceOrder
from .services import MSG_NOT_FOUND


def items_for(user: User, project: Project | None = None) -> QuerySet[ServiceItem]:
    a = access(user, Perm.MANAGE_DESK)
    if a.is_empty:
        return ServiceItem.objects.none()
    qs = ServiceItem.objects.filter(a.q("project") | Q(project__isnull=True))
    if project is not None:
        qs = qs.filter(Q(project=project) | Q(project__isnull=True))
    return qs.select_related("project", "category").annotate(order_count=Count("orders"))


def item_get(user: User, pk: int) -> ServiceItem:
    item = items_for(user).filter(pk=pk).first()
    if item is None:
        raise NotFound(MSG_NOT_FOUND)
    return item


def orders_for(user: User, project: Project | None = None) -> QuerySet[ServiceOrder]:
    a = access(user, Perm.MANAGE_DESK)
    qs = ServiceOrder.objects.filter(a.q("case__project")).select_related("case", "unit", "customer")
    if project is not None:
        qs = qs.filter(case__project=project)
    return qs


# Customers ----------------------------------------------------------------------------------------------


def my_items(user: User) -> QuerySet[ServiceItem]:
    return (
        ServiceItem.objects.filter(Q(project__in=my_projects(user)) | Q(project__isnull=True), is_active=True)
        .select_related("category")
        .order_by("sort", "name", "pk")
    )


def my_item_get(user: User, pk: int) -> ServiceItem:
    item = my_items(user).filter(pk=pk).first()
    if item is None:
        raise NotFound(MSG_NOT_FOUND)
    return item


def my_orders(user: User) -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.filter(account=user).select_related("case", "unit").order_by("-created_at", "-pk")
