"""Scope filters for archive rows: whole projects, or for stewards the units of their zones."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kefu.org.roles import Perm
from kefu.org.scope import Access, access

from .models import Occupancy


def customer_q(a: Access) -> Q:
    if a.all_projects:
        return Q()
    q = Q(project_id__in=sorted(a.project_ids))
    if a.zone_ids:
        in_zone = Occupancy.objects.filter(move_out__isnull=True, unit__zone_id__in=sorted(a.zone_ids))
        q |= Q(pk__in=in_zone.values("customer_id"))
    return q


def unit_q(a: Access) -> Q:
    return a.q("project", "zone")


def may_on_customer(user: Any, perm: Perm, customer: Any) -> bool:
    a = access(user, perm)
    if a.covers_project(customer.project_id):
        return True
    if a.zone_ids:
        return Occupancy.objects.filter(
            customer=customer, move_out__isnull=True, unit__zone_id__in=sorted(a.zone_ids)
        ).exists()
    return False


def may_on_unit(user: Any, perm: Perm, unit: Any) -> bool:
    return access(user, perm).covers(unit.project_id, unit.zone_id)
