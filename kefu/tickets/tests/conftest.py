"""Service-desk fixtures on top of `world`: departments with members, categories, a case factory."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from kefu import testing as t
from kefu.org.models import Membership
from kefu.org.roles import Role
from kefu.tickets import services
from kefu.tickets.models import Category


@pytest.fixture
def desk(world):
    """world + 客服部 (alice, sam, carl), 工程部 (fred, gus: field staff) in project A."""
    a = world.a
    kf = t.DepartmentFactory(project=a, code="KF", name="客服部")
    gc = t.DepartmentFactory(project=a, code="GC", name="工程部")
    Membership.objects.filter(user__in=[world.alice, world.sam, world.carl], project=a).update(department=kf)
    Membership.objects.filter(user=world.fred, project=a).update(department=gc)
    gus = t.staff(Role.FIELD_STAFF, a, username="gus", department=gc, name="葛军")
    d = SimpleNamespace(w=world, kf=kf, gc=gc, gus=gus, fred=world.fred)
    d.leak = Category.objects.get(project__isnull=True, kind="repair", code="SD-LS")
    d.attitude = Category.objects.get(project__isnull=True, kind="complaint", code="FW")
    return d


@pytest.fixture
def new_case(desk):
    """Make a case in project A (on alice's desk), by default a repair on unit_a1."""

    def make(kind="repair", category=None, actor=None, now=None, **kw):
        w = desk.w
        return services.case_create(
            actor=actor or w.alice,
            project=w.a,
            kind=kind,
            channel=kw.pop("channel", "phone"),
            title=kw.pop("title", "卫生间漏水"),
            category=category
            if category is not None
            else (desk.leak if kind == "repair" else desk.attitude if kind == "complaint" else None),
            unit=kw.pop("unit", w.unit_a1),
            customer=kw.pop("customer", w.cust_a1),
            now=now or dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
            **kw,
        )

    return make
