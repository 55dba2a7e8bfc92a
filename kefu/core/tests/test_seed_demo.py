"""`manage.py seed_demo`: demo data that satisfies every rule the real data must satisfy."""

from __future__ import annotations

import io
from collections import Counter
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from kefu.core.management.commands.seed_demo import (
    DEMO_PASSWORD,
    SMALL,
    id_check_digit,
    roster,
    uscc_check_char,
)
from kefu.customers.models import (
    Asset,
    AssetRecord,
    Contact,
    CreditGradeChange,
    Customer,
    CustomerNote,
    KeyCustomer,
    Occupancy,
    Unit,
)
from kefu.customers.services import id_card_checksum_ok, validate_contact, validate_id_number
from kefu.org.models import Membership, Project, User
from kefu.org.roles import Role

MODELS = [
    Project,
    User,
    Membership,
    Unit,
    Customer,
    Contact,
    Occupancy,
    CreditGradeChange,
    KeyCustomer,
    CustomerNote,
    Asset,
    AssetRecord,
]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in MODELS}


@pytest.fixture
def small(db):
    seed("--small")


def test_check_digits_match_the_published_examples():
    assert id_check_digit("11010519491231002") == "X"  # GB 11643 example
    assert uscc_check_char("91350100M000100Y4") == "3"  # 91350100M000100Y43, a published USCC


def test_every_role_can_log_in_with_the_printed_password(small, client):
    held = set(Membership.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    one_per_role = {}
    for spec in roster(SMALL):
        one_per_role.setdefault(spec.role, spec.username)
    for username in one_per_role.values():
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    assert client.login(username="jingli", password=DEMO_PASSWORD)
    assert client.get(reverse("core:home")).status_code == 200


def test_the_staff_are_placed_in_departments_and_zones_of_their_project(small):
    for m in Membership.objects.select_related("department").prefetch_related("zones"):
        assert m.department is not None
        assert m.department.project_id == m.project_id
        assert all(z.project_id == m.project_id for z in m.zones.all())
        assert bool(m.zones.all()) == (m.role == Role.STEWARD)
    assert set(Project.objects.values_list("code", flat=True)) == {"YGHY", "GMZX", "RX400"}
    assert not Unit.objects.filter(project__code="RX400").exists()


def test_a_second_run_with_if_empty_changes_nothing(small):
    before = counts()
    assert "跳过" in seed("--if-empty")
    assert counts() == before
    with pytest.raises(CommandError):
        seed("--small")
    assert counts() == before


def test_occupancy_history_is_consistent(small):
    today = timezone.localdate()
    assert not Occupancy.objects.filter(move_out__lt=F("move_in")).exists()
    assert not Occupancy.objects.filter(move_in__gt=today).exists()
    assert not Occupancy.objects.exclude(unit__project=F("customer__project")).exists()
    pairs = Counter(Occupancy.objects.filter(move_out__isnull=True).values_list("unit_id", "customer_id"))
    assert max(pairs.values()) == 1
    units = Unit.objects.annotate(current=Count("occupancies", filter=Q(occupancies__move_out__isnull=True)))
    for u in units:
        assert (u.current > 0) == (u.status != Unit.Status.VACANT), u.code
    assert Occupancy.objects.filter(move_out__isnull=False).exists()  # some have moved out
    assert Occupancy.objects.filter(relation=Occupancy.Relation.TENANT, move_out__isnull=True).exists()
    assert units.filter(current=0).exists() and units.filter(current__gt=0).exists()


def test_id_numbers_and_contacts_pass_the_archive_validation(small):
    people = Customer.objects.filter(id_type=Customer.IdType.ID_CARD)
    assert people.exists()
    for c in people:
        assert validate_id_number(c.id_type, c.id_number) == c.id_number
        assert id_card_checksum_ok(c.id_number)
        assert c.id_number[6:14] == f"{c.birthday:%Y%m%d}"
        assert int(c.id_number[16]) % 2 == (1 if c.gender == "M" else 0)
    for c in Customer.objects.filter(id_type=Customer.IdType.USCC):
        assert c.id_number[17] == uscc_check_char(c.id_number[:17])
    for contact in Contact.objects.all():
        assert validate_contact(contact.kind, contact.value) == contact.value
    assert not Customer.objects.exclude(contacts__is_primary=True).exists()
    numbers = Counter(Contact.objects.filter(kind=Contact.Kind.MOBILE).values_list("value", flat=True))
    assert max(numbers.values()) == 1


def test_credit_grades_match_their_history_and_key_customers_have_owners(small):
    for c in Customer.objects.prefetch_related("credit_history"):
        history = sorted(c.credit_history.all(), key=lambda h: (h.effective_on, h.pk))
        assert history and history[0].previous == ""
        assert history[-1].grade == c.credit_grade
        assert all(a.grade == b.previous for a, b in pairwise(history))
    assert set(Customer.objects.values_list("credit_grade", flat=True)) >= {"A", "B", "C"}
    for k in KeyCustomer.objects.select_related("customer"):
        assert Membership.objects.filter(user=k.owner, project_id=k.customer.project_id).exists()
    assert KeyCustomer.objects.exists()
    assert Asset.objects.filter(records__isnull=False).distinct().count() == Asset.objects.count()
    assert not CustomerNote.objects.filter(created_at__gt=timezone.now()).exists()


def test_print_logins_lists_every_account(small):
    out = seed("--print-logins")
    assert DEMO_PASSWORD in out
    for spec in roster(SMALL):
        assert spec.username in out


def test_the_full_data_set_has_the_promised_size(db):
    out = seed()
    assert "演示数据已生成" in out
    yghy = Unit.objects.filter(project__code="YGHY")
    assert 1400 <= yghy.count() <= 1600
    assert yghy.values("building").distinct().count() >= 20
    occupied = yghy.exclude(status=Unit.Status.VACANT).count() / yghy.count()
    assert 0.84 <= occupied <= 0.92
    assert 140 <= Unit.objects.filter(project__code="GMZX", kind=Unit.Kind.OFFICE).count() <= 160
    assert Membership.objects.filter(role=Role.STEWARD, project__code="YGHY").count() == 8
    assert 18 <= KeyCustomer.objects.count() <= 30
    assert Customer.objects.filter(tags__name="老人独居").exists()
