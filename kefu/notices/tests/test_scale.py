"""Publishing to 5,000 accounts is a handful of bulk inserts, not 5,000 round trips."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu import testing as t
from kefu.customers.models import Customer, Entrance, Occupancy, Unit
from kefu.notices import services
from kefu.notify.models import ChannelPreference, Delivery, Notification
from kefu.org.models import User
from kefu.testing_servers import free_port, smtp_settings

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 5000


def estate_of(project, n):
    building = t.BuildingFactory(project=project, code="9")
    entrance = Entrance.objects.create(building=building, code="1", name="1单元")
    units = Unit.objects.bulk_create(
        Unit(project=project, building=building, entrance=entrance, floor=1 + i // 100, number=f"{i:05d}",
             code=f"9-1-{i:05d}", status=Unit.Status.OCCUPIED)
        for i in range(n)
    )  # fmt: skip
    users = User.objects.bulk_create(
        User(username=f"r{i:05d}", name=f"住户{i}", kind=User.Kind.CUSTOMER, email=f"r{i}@example.com")
        for i in range(n)
    )
    customers = Customer.objects.bulk_create(
        Customer(project=project, code=f"S{i:05d}", name=f"住户{i}", account=u) for i, u in enumerate(users)
    )
    Occupancy.objects.bulk_create(
        Occupancy(unit=u, customer=c, relation=Occupancy.Relation.OWNER, move_in="2024-01-01")
        for u, c in zip(units, customers, strict=True)
    )
    ChannelPreference.objects.bulk_create(ChannelPreference(user=u, email=True) for u in users[: n // 10])
    return building


def test_publishing_to_5000_households_writes_in_batches(world, settings):
    """Every account gets its receipt, notification and chosen deliveries, in a number of queries that grows by
    batches, not by recipients (the time it takes is measured in docs/notices.md, not asserted here)."""
    settings.MAILERS = smtp_settings("127.0.0.1", free_port())["MAILERS"]
    estate_of(world.a, HOUSEHOLDS)
    with CaptureQueriesContext(connection) as queries:
        n = services.notice_create(
            actor=world.mia, project=world.a, title="全小区停水", body="明日停水", mode=services.NOW
        )
    assert n.audience_size == HOUSEHOLDS  # the world's own households have no portal account
    assert Notification.objects.filter(kind=Notification.Kind.NOTICE).count() == n.audience_size
    assert Delivery.objects.filter(channel="email").count() == HOUSEHOLDS // 10
    assert len(queries) < 120, len(queries)
