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
    RESIDENTS,
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
from kefu.org.models import Membership, Project, User, Zone
from kefu.org.roles import Role
from kefu.surveys import selectors as survey_figures
from kefu.surveys.models import Response, Survey
from kefu.surveys.services import open_for_customer
from kefu.tickets.models import Case, CaseEvent, SearchDocument
from kefu.tickets.selectors import case_list
from kefu.tickets.states import OPEN_STATUSES, Channel, Status
from kefu.visits import selectors as visit_selectors
from kefu.visits.demo import quarters
from kefu.visits.models import CustomerRating, ReturnVisit, VisitAttempt, VisitFinding, VisitPlan
from kefu.visits.services import share_of, zone_stewards

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
    for username in RESIDENTS:
        assert username in out


def test_the_residents_log_in_with_the_same_password_and_are_linked_to_their_archive(small, client):
    residents = list(User.objects.filter(username__in=RESIDENTS))
    assert len(residents) == len(RESIDENTS) >= 3
    for user in residents:
        assert user.kind == User.Kind.CUSTOMER and not user.memberships.exists()
        (archive,) = Customer.objects.filter(account=user)
        assert archive.project.code == "YGHY" and archive.name == user.name
        assert archive.occupancies.filter(move_out__isnull=True).exists()
        assert client.login(username=user.username, password=DEMO_PASSWORD), user.username
        client.logout()
    # What they did themselves: ratings of their cases, and answers in the portal.
    for rating in CustomerRating.objects.select_related("case__customer"):
        assert rating.by.kind == User.Kind.CUSTOMER and rating.case.customer.account_id == rating.by_id
    for r in Response.objects.filter(channel=Response.Channel.PORTAL).select_related("customer"):
        assert r.answered_by.kind == User.Kind.CUSTOMER and r.customer.account_id == r.answered_by_id
    for user in residents:
        for r in open_for_customer(user):
            assert r.survey.status == Survey.Status.OPEN and r.customer.account_id == user.pk


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
    # Return visits: every status and every outcome of a call; most customers reached and satisfied.
    assert set(ReturnVisit.objects.values_list("status", flat=True)) == set(ReturnVisit.Status.values)
    assert set(VisitAttempt.objects.values_list("outcome", flat=True)) == set(VisitAttempt.Outcome.values)
    called = ReturnVisit.objects.filter(source=ReturnVisit.Source.CASE).exclude(status=ReturnVisit.Status.PENDING)
    reached = called.filter(status=ReturnVisit.Status.DONE)
    assert reached.count() / called.exclude(status=ReturnVisit.Status.CANCELLED).count() > 0.9
    scores = Counter(reached.values_list("score", flat=True))
    assert (scores[4] + scores[5]) / reached.count() > 0.85 and scores[3]
    assert 0.02 <= (scores[1] + scores[2]) / reached.count() <= 0.07
    reworked = CaseEvent.objects.filter(kind="escalate", body__startswith="回访不满意").values("case")
    assert Case.objects.filter(pk__in=reworked, status=Status.CLOSED).exists()  # reworked, visited again, closed
    finished = ReturnVisit.objects.filter(status__in=FINISHED)
    assert 0.6 <= finished.filter(signed_off_at__isnull=False).count() / finished.count() <= 0.8
    assert CustomerRating.objects.count() >= 2
    # The stewards' today list is not empty.
    stewards = User.objects.filter(memberships__role=Role.STEWARD, memberships__project__code="YGHY")
    assert sum(visit_selectors.visit_queue(u, visit_selectors.Queue.TODAY).count() for u in stewards) >= 4
    assert_visits_are_consistent()
    assert VisitPlan.objects.count() == 4 * 8
    assert_plans_cover_the_zones()
    assert_the_surveys_have_the_promised_figures()
    assert len(survey_figures.by_zone(Survey.objects.get(status=Survey.Status.CLOSED).responses.all())) == 8


# Return visits, visit plans and surveys ------------------------------------------------------------------

FINISHED = [ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED]


def assert_visits_are_consistent():
    """What the visit services promise, on every visit of the demo."""
    now = timezone.now()
    # A case waits for its call-back exactly while it is resolved; the work orders of a split case get none.
    waiting = ReturnVisit.objects.filter(source=ReturnVisit.Source.CASE, status=ReturnVisit.Status.PENDING)
    resolved = Case.objects.filter(status=Status.RESOLVED, parent__isnull=True)
    assert sorted(waiting.values_list("case_id", flat=True)) == sorted(resolved.values_list("pk", flat=True))
    assert not ReturnVisit.objects.filter(case__parent__isnull=False).exists()
    assert not Case.objects.filter(parent__isnull=False, status=Status.RESOLVED, parent__status=Status.CLOSED).exists()
    assert not VisitAttempt.objects.filter(at__gt=now).exists()
    assert not ReturnVisit.objects.filter(created_at__gt=now).exists()
    calls: dict[int, list[VisitAttempt]] = {}
    for a in VisitAttempt.objects.order_by("at", "pk"):
        calls.setdefault(a.visit_id, []).append(a)
    supervisors = set(Membership.objects.filter(role=Role.SUPERVISOR).values_list("project_id", "user_id"))
    Out = VisitAttempt.Outcome
    for v in ReturnVisit.objects.select_related("completed_by"):
        log = calls.get(v.pk, [])
        for a, b in pairwise(log):  # an unanswered call is retried after the interval, a call-back when agreed
            if a.outcome == Out.NO_ANSWER:
                assert b.at - a.at >= timedelta(hours=v.retry_hours), v.pk
            if a.outcome == Out.CALLBACK:
                assert b.at >= a.callback_at, v.pk
        if v.status == ReturnVisit.Status.PENDING:
            assert v.completed_at is None and v.attempts < v.max_attempts
            continue
        if v.status == ReturnVisit.Status.CANCELLED:
            continue
        assert v.completed_at <= now
        if v.completed_by.kind == User.Kind.CUSTOMER:  # the customer's own rating stood in for the call
            assert v.source == ReturnVisit.Source.CASE and v.status == ReturnVisit.Status.DONE
        else:
            last = log[-1]
            assert last.at == v.completed_at and last.by_id == v.completed_by_id
            expected = {
                ReturnVisit.Status.DONE: {Out.REACHED},
                ReturnVisit.Status.UNREACHABLE: {Out.NO_ANSWER, Out.WRONG_NUMBER},
                ReturnVisit.Status.REFUSED: {Out.REFUSED},
            }[v.status]
            assert last.outcome in expected, v.pk
        if v.signed_off_by_id is not None:
            assert v.signed_off_by_id != v.completed_by_id
            assert (v.project_id, v.signed_off_by_id) in supervisors
            assert v.completed_at < v.signed_off_at <= now
    # A dissatisfied call-back sent its case back for rework, at once.
    for v in ReturnVisit.objects.filter(source=ReturnVisit.Source.CASE, status=ReturnVisit.Status.DONE, score__lte=2):
        assert CaseEvent.objects.filter(case=v.case_id, kind="reopen", at=v.completed_at).exists(), v.pk


def assert_plans_cover_the_zones():
    """Every zone with a steward has a plan for each of the last four quarters; no household twice."""
    today = timezone.localdate()
    zones = [z for z in Zone.objects.filter(project__code="YGHY").order_by("code") if zone_stewards(z.pk)]
    assert zones
    past: Counter[str] = Counter()
    for zone in zones:
        plans = list(VisitPlan.objects.filter(zone=zone).order_by("period_start"))
        assert [(p.period_start, p.period_end) for p in plans] == quarters(today)
        assert [p.status for p in plans] == [VisitPlan.Status.CLOSED] * 3 + [VisitPlan.Status.ACTIVE]
        units = list(ReturnVisit.objects.filter(plan__zone=zone).values_list("unit_id", flat=True))
        assert len(units) == len(set(units)), zone.code  # no household visited twice in the four quarters
        for p in plans:
            assert p.planned == p.visits.count() and abs(p.planned - share_of(p.households, 25)) <= 2
            assert p.steward == zone_stewards(zone.pk)[0]
            assert not p.visits.filter(completed_at__date__gt=p.period_end).exists()
        for p in plans[:3]:
            past.update(p.visits.values_list("status", flat=True))
        current = Counter(plans[3].visits.values_list("status", flat=True))
        assert current[ReturnVisit.Status.DONE] and current[ReturnVisit.Status.PENDING], zone.code
    assert set(past) <= set(FINISHED)  # the past quarters were finished: nothing was cancelled
    assert past[ReturnVisit.Status.DONE] / past.total() > 0.8
    assert past[ReturnVisit.Status.UNREACHABLE] + past[ReturnVisit.Status.REFUSED] > 0
    findings = VisitFinding.objects.filter(visit__plan__zone__in=zones)
    assert findings.values("category").distinct().count() >= 3
    assert findings.filter(case__isnull=False).exists()
    for f in findings.filter(case__isnull=False).select_related("case", "visit"):
        assert f.case.channel == Channel.VISIT and f.case.unit_id == f.visit.unit_id
        assert f.case.created_at >= f.visit.completed_at


def assert_the_surveys_have_the_promised_figures():
    today = timezone.localdate()
    closed = Survey.objects.get(project__code="YGHY", status=Survey.Status.CLOSED)
    year, half = (today.year, "上") if today.month > 6 else (today.year - 1, "下")
    assert closed.name == f"{year}年{half}半年业主满意度调查"
    responses = closed.responses.all()
    figures = survey_figures.overall(responses)
    assert 0.92 <= figures.csat <= 0.93, figures
    assert 0.78 <= figures.response_rate <= 0.9, figures
    zones = survey_figures.by_zone(responses)
    assert all(0.90 <= z.csat <= 0.94 for z in zones), [(z.label, z.csat) for z in zones]
    statuses = Counter(responses.values_list("status", flat=True))
    assert statuses[Response.Status.DECLINED] and statuses[Response.Status.PENDING]  # some declined, some not reached
    assert not responses.filter(answered_at__date__gt=closed.period_end).exists()
    unhappy = survey_figures.dissatisfied(responses)
    assert unhappy.exists()
    for r in unhappy:  # each had its follow-up visit, made before long
        (visit,) = r.follow_ups.all()
        assert visit.status in FINISHED and visit.completed_at - r.answered_at < timedelta(days=5)
    opened = Survey.objects.get(project__code="YGHY", status=Survey.Status.OPEN)
    figures = survey_figures.overall(opened.responses.all())
    assert 0.25 <= figures.response_rate <= 0.4, figures
    assert not opened.responses.filter(answered_at__gt=timezone.now()).exists()


def test_the_visits_plans_and_surveys_keep_the_services_promises(small):
    assert_visits_are_consistent()
    assert_plans_cover_the_zones()
    assert_the_surveys_have_the_promised_figures()


def test_the_qc_demo_is_made_through_the_services_and_every_day_balances(small):
    from kefu.quality import reconcile, services
    from kefu.quality.models import Check, CheckLog, Reconciliation, SamplingDraw

    # Reviews were queued by the desk itself; every checked item was checked by someone else than its operator.
    assert Check.objects.filter(source=Check.Source.REVIEW).exists()
    checked = Check.objects.exclude(status=Check.Status.PENDING)
    assert checked.exists() and not checked.filter(reviewer=F("operator")).exists()
    assert CheckLog.objects.filter(kind=CheckLog.Kind.CREATED).count() == Check.objects.count()
    # Every draw is reproduced from its stored seed.
    draws = list(SamplingDraw.objects.all())
    assert draws
    for draw in draws:
        assert services.reproduce(draw) == sorted(
            draw.checks.values_list("visit_id" if draw.plan.target == "visits" else "case_id", flat=True)
        )
    # The days reconcile without a difference, and recomputing a day gives the same figures.
    rows = Reconciliation.objects.all()
    assert rows.exists() and not rows.filter(mismatch=True).exists()
    assert rows.filter(signed_off_at__isnull=False).exists()
    last = rows.order_by("-day").first()
    before = {(r.channel, r.closing, r.closing_actual) for r in rows.filter(project=last.project, day=last.day)}
    after = {(r.channel, r.closing, r.closing_actual) for r in reconcile.reconcile_day(last.project, last.day)}
    assert before == after
