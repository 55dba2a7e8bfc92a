"""`manage.py seed_demo`: demo data that satisfies every rule the real data must satisfy."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
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
from kefu.notify.models import Notification
from kefu.org.models import Membership, Project, User
from kefu.org.roles import Role
from kefu.tickets.models import Case, CaseEvent, SearchDocument
from kefu.tickets.selectors import case_list
from kefu.tickets.states import OPEN_STATUSES, Status

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
    Case,
    CaseEvent,
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


def assert_timelines_are_consistent(cases):
    """Each case's timeline starts with 'create' and its status changes chain up to the case's status."""
    events = {}
    for e in CaseEvent.objects.filter(case__in=cases).order_by("at", "pk"):
        events.setdefault(e.case_id, []).append(e)
    now = timezone.now()
    for case in cases:
        timeline = events[case.pk]
        assert timeline[0].kind == "create" and timeline[0].to_status == Status.NEW, case.number
        assert timeline[0].at == case.created_at, case.number
        moves = [e for e in timeline if e.to_status]
        for before, after in pairwise(moves):
            assert after.from_status == before.to_status, (case.number, before.kind, after.kind)
        assert moves[-1].to_status == case.status, case.number
        assert all(a.at <= b.at for a, b in pairwise(timeline)), case.number
        assert timeline[-1].at <= now, case.number
        if case.status in (Status.CLOSED,):
            assert case.closed_at is not None and case.resolved_at is not None, case.number
        if case.status in OPEN_STATUSES:
            assert case.closed_at is None, case.number


def test_the_demo_cases_were_made_through_the_services(small):
    cases = list(Case.objects.select_related("project"))
    assert {c.project.code for c in cases} == {"YGHY", "GMZX"}
    numbers = [c.number for c in cases]
    assert len(numbers) == len(set(numbers))
    assert_timelines_are_consistent(cases)
    statuses = Counter(c.status for c in cases)
    assert statuses[Status.CLOSED] > len(cases) / 2
    # Every case can be found by its words, within the asker's scope.
    assert SearchDocument.objects.count() == len(cases)
    agent = User.objects.get(username="kefu1")
    leak = Case.objects.filter(project__code="YGHY", title__contains="漏水").first()
    if leak is not None:
        assert case_list(user=agent, q="漏水").filter(pk=leak.pk).exists()
    assert not case_list(user=agent, q="漏水").filter(project__code="GMZX").exists()
    assert not Notification.objects.filter(created_at__gt=timezone.now()).exists()


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
    # Four months of cases, made through the services.
    yg_cases = Case.objects.filter(project__code="YGHY")
    assert 1300 <= yg_cases.count() <= 1600
    assert 250 <= Case.objects.filter(project__code="GMZX").count() <= 350
    cases = list(Case.objects.all())
    assert len({c.number for c in cases}) == len(cases)
    assert_timelines_are_consistent(cases)
    now = timezone.now()
    assert min(c.created_at for c in cases) >= now - timedelta(days=121)
    statuses = Counter(c.status for c in cases)
    assert statuses[Status.CLOSED] / len(cases) > 0.7
    for status in (Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED):
        assert statuses[status] > 0, status
    assert statuses[Status.WAITING] + CaseEvent.objects.filter(kind="hold").count() > 0
    open_cases = yg_cases.filter(status__in=OPEN_STATUSES)
    assert open_cases.filter(resolution_due__lt=now).exists()  # some overdue
    assert yg_cases.filter(in_pool=True, status=Status.DISPATCHED).exists()  # some in the grab pool
    consultations = yg_cases.filter(kind="consultation", parent__isnull=True)
    at_once = consultations.filter(first_contact_resolution=True).count() / consultations.count()
    assert 0.15 <= at_once <= 0.35
    channels = Counter(c.channel for c in cases)
    assert channels.most_common(1)[0][0] == "phone" and {"wechat", "walk_in", "portal", "patrol"} <= set(channels)
    kinds = set(CaseEvent.objects.values_list("kind", flat=True))
    assert {"dispatch", "grab", "accept", "reject", "transfer", "hold", "resume", "resolve", "close"} <= kinds
    assert {"reopen", "split", "comment", "solve_at_once"} <= kinds
    assert Case.objects.filter(parent__isnull=False).exists()
