"""Visit fixtures: resolved cases ready for their call-back, and zones full of households."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.customers.models import Building, Contact, Customer, Entrance, Occupancy, Unit
from kefu.tickets import services as ts
from kefu.tickets.tests.conftest import desk, new_case  # noqa: F401  (re-exported fixtures)

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def resolved(desk, new_case):  # noqa: F811
    """Make a case, dispatch it to fred, resolve it: it now waits for its return visit."""

    def make(kind="repair", now=NOW, **kw):
        case = new_case(kind=kind, now=now, **kw)
        case = ts.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, now=now + dt.timedelta(minutes=5))
        case = ts.case_accept(actor=desk.fred, case=case, now=now + dt.timedelta(minutes=10))
        return ts.case_resolve(actor=desk.fred, case=case, note="已更换水管接头", now=now + dt.timedelta(hours=2))

    return make


def fill_zone(zone, buildings: dict[str, int], *, vacant_per_building: int = 0) -> list[Unit]:
    """Occupied units (one household each) in new buildings of the zone: {"10": 120, "11": 80, ...}."""
    project = zone.project
    units: list[Unit] = []
    for code, n in buildings.items():
        b = Building.objects.create(project=project, code=code, name=f"{code}栋", floors=30)
        e = Entrance.objects.create(building=b, code="1", name="1单元")
        units += Unit.objects.bulk_create(
            [
                Unit(
                    project=project,
                    building=b,
                    entrance=e,
                    floor=1 + i // 4,
                    number=f"{1 + i // 4:02d}{i % 4 + 1:02d}",
                    code=f"{code}-1-{1 + i // 4:02d}{i % 4 + 1:02d}",
                    zone=zone,
                    status=Unit.Status.OCCUPIED if i < n else Unit.Status.VACANT,
                )
                for i in range(n + vacant_per_building)
            ]
        )
    occupied = [u for u in units if u.status == Unit.Status.OCCUPIED]
    customers = Customer.objects.bulk_create(
        [Customer(project=project, code=f"H{u.pk}", name=f"住户{u.code}", gender="F") for u in occupied]
    )
    Occupancy.objects.bulk_create(
        [
            Occupancy(unit=u, customer=c, relation=Occupancy.Relation.OWNER, move_in=dt.date(2020, 1, 1))
            for u, c in zip(occupied, customers, strict=True)
        ]
    )
    Contact.objects.bulk_create(
        [Contact(customer=c, kind=Contact.Kind.MOBILE, value=f"139{c.pk:08d}", is_primary=True) for c in customers]
    )
    return occupied
