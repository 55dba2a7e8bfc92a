"""Who a portal account is: the customer archives linked to it (Customer.account, set when staff verify the
occupancy) and the units those customers currently occupy. Every portal read and action starts here, so a
customer only ever reaches their own cases, units and data; anything else looks like "not found"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect

from kefu.customers.models import Customer, Unit
from kefu.org.models import Project, User


def is_customer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "kind", "") == User.Kind.CUSTOMER


def my_customers(user: User) -> QuerySet[Customer]:
    return Customer.objects.filter(account=user, is_active=True)


def my_units(user: User) -> QuerySet[Unit]:
    """Units the account's customers occupy now."""
    return (
        Unit.objects.filter(occupancies__customer__account=user, occupancies__move_out__isnull=True)
        .select_related("project", "building", "zone")
        .distinct()
        .order_by("project__code", "building__code", "number")
    )


def my_projects(user: User) -> QuerySet[Project]:
    return Project.objects.filter(customers__account=user, customers__is_active=True).distinct().order_by("code")


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Portal pages: a customer account. Anonymous visitors go to the portal login; staff to the console."""

    @wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"/m/login/?next={request.path}")
        if not is_customer(request.user):
            return redirect("/")
        return view(request, *args, **kwargs)

    return wrapper
