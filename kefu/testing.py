"""Test data builders shared by every app's tests (factory_boy)."""

from __future__ import annotations

from typing import Any

import factory

from kefu.customers.models import Building, Contact, Customer, Entrance, Occupancy, Unit
from kefu.org.models import Department, Membership, Project, User, Zone

PASSWORD = "Kefu-test-2026"  # noqa: S105


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    kind = Project.Kind.RESIDENTIAL


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    project = factory.SubFactory(ProjectFactory)
    code = factory.Sequence(lambda n: f"Z{n:02d}")
    name = factory.Sequence(lambda n: f"区域{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    project = factory.SubFactory(ProjectFactory)
    code = factory.Sequence(lambda n: f"D{n:02d}")
    name = factory.Sequence(lambda n: f"部门{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def staff(
    role: str,
    project: Project | None,
    *,
    zones: list[Zone] | None = None,
    username: str | None = None,
    department: Department | None = None,
    name: str = "",
) -> User:
    """A staff member holding one role (in one project, or head office)."""
    extra = {"name": name} if name else {}
    user = UserFactory(username=username, **extra) if username else UserFactory(**extra)
    m = Membership.objects.create(user=user, project=project, role=role, department=department)
    if zones:
        m.zones.set(zones)
    return user


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    project = factory.SubFactory(ProjectFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    name = factory.LazyAttribute(lambda o: f"{o.code}栋")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    project = factory.LazyAttribute(lambda o: o.building.project)
    entrance = factory.LazyAttribute(
        lambda o: Entrance.objects.get_or_create(building=o.building, code="1", defaults={"name": "1单元"})[0]
    )
    floor = 12
    number = factory.Sequence(lambda n: f"{1201 + n}")
    code = factory.LazyAttribute(lambda o: f"{o.building.code}-{o.entrance.code}-{o.number}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    project = factory.SubFactory(ProjectFactory)
    code = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    id_type = Customer.IdType.ID_CARD
    id_number = "11010519491231002X"


def household(unit: Unit, *, name: str = "", mobile: str = "13812345678") -> Customer:
    """A customer living in a unit, with a mobile number."""
    c = CustomerFactory(project=unit.project, **({"name": name} if name else {}))
    Contact.objects.create(customer=c, kind=Contact.Kind.MOBILE, value=mobile, is_primary=True)
    Occupancy.objects.create(unit=unit, customer=c, relation=Occupancy.Relation.OWNER, move_in="2024-01-01")
    unit.status = Unit.Status.OCCUPIED
    unit.save(update_fields=["status"])
    return c
