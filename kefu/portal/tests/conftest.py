"""Portal fixtures on top of the desk: two residents with portal accounts, each linked to the archive of
their own unit (zhang: unit_a1 in zone A1; wang: unit_a2 in zone A2), and small real PNG photos."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from kefu.customers.models import Customer
from kefu.org.models import User
from kefu.portal.demo import png
from kefu.tickets import services as ts
from kefu.tickets.tests.conftest import desk, new_case  # noqa: F401  (re-exported fixtures)

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
PASSWORD = "Kefu-test-2026"


def resident(username: str, customer: Customer, mobile: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, name=customer.name, mobile=mobile, kind=User.Kind.CUSTOMER
    )
    customer.account = user
    customer.save(update_fields=["account"])
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal(desk):  # noqa: F811
    w = desk.w
    p = SimpleNamespace(desk=desk, w=w)
    p.zhang = resident("zhang", w.cust_a1, "13800001111")
    p.wang = resident("wang", w.cust_a2, "13900002222")
    return p


@pytest.fixture
def resolve():
    """Dispatch a case to fred, accept and resolve it."""

    def make(desk, case, now=NOW):  # noqa: F811
        case = ts.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, now=now + dt.timedelta(minutes=5))
        case = ts.case_accept(actor=desk.fred, case=case, now=now + dt.timedelta(minutes=10))
        return ts.case_resolve(actor=desk.fred, case=case, note="已更换水管接头", now=now + dt.timedelta(hours=2))

    return make


@pytest.fixture
def reported(portal):
    """A repair zhang reported from the portal for his unit, with one photo."""

    def make(user=None, unit=None, **kw):
        user = user or portal.zhang
        return ts.customer_case_create(
            actor=user,
            kind=kw.pop("kind", "repair"),
            unit=unit if unit is not None else portal.w.unit_a1,
            category=kw.pop("category", portal.desk.leak),
            description=kw.pop("description", "卫生间天花板漏水"),
            uploads=kw.pop("uploads", [ts.Upload("leak.png", png())]),
            now=kw.pop("now", NOW),
            **kw,
        )

    return make
