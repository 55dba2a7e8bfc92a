"""SLA policies applied at intake: first reply in natural hours, resolution in working days,
pausing while waiting, and which policy wins."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.tickets import calendar, services, sla
from kefu.tickets.models import Category, SlaPolicy

BJ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def bj(*args):
    return dt.datetime(*args, tzinfo=BJ)


def test_complaint_first_reply_in_24_natural_hours(new_case):
    opened = bj(2026, 11, 20, 17, 30)  # Friday evening: the weekend does not stop the 24 hours
    case = new_case("complaint", now=opened)
    assert case.sla_policy.name.startswith("投诉")
    assert case.first_reply_due == bj(2026, 11, 21, 17, 30)


def test_complaint_resolution_in_three_working_days_over_a_weekend(new_case):
    case = new_case("complaint", now=bj(2026, 11, 20, 10, 0))  # Friday
    assert case.resolution_due == bj(2026, 11, 25, 10, 0)  # Mon 23, Tue 24, Wed 25


def test_complaint_opened_before_national_day(new_case):
    """Wed 2026-09-30 15:00: Oct 1-7 off, Sat Oct 10 is a make-up workday → due Sat 2026-10-10 15:00."""
    case = new_case("complaint", now=bj(2026, 9, 30, 15, 0))
    assert case.first_reply_due == bj(2026, 10, 1, 15, 0)
    assert case.resolution_due == bj(2026, 10, 10, 15, 0)
    # warn at 80% of the time from intake to the deadline (10 days) = 8 days
    assert case.warn_at == bj(2026, 10, 8, 15, 0)


def test_a_year_without_holiday_data_counts_weekends_only(new_case):
    assert calendar.year_missing(2027)
    case = new_case("complaint", now=bj(2027, 9, 30, 15, 0))  # Thursday
    assert case.resolution_due == bj(2027, 10, 5, 15, 0)  # Fri 1, Mon 4, Tue 5: no National Day known
    assert calendar.missing_years(calendar.uses_years(case.created_at, case.resolution_due)) == [2027]


def test_repair_in_natural_hours_and_urgent_repair(new_case):
    opened = bj(2026, 11, 20, 10, 0)
    assert new_case("repair", now=opened).resolution_due == opened + dt.timedelta(hours=24)
    urgent = new_case("repair", now=opened, priority="urgent")
    assert urgent.resolution_due == opened + dt.timedelta(hours=2)
    assert urgent.warn_at == opened + dt.timedelta(hours=1)  # warn_percent 50


def test_waiting_shifts_the_deadlines_by_the_waiting_time(desk, new_case):
    w = desk.w
    opened = bj(2026, 11, 20, 10, 0)
    case = new_case("complaint", now=opened)
    due_reply, due_res, warn = case.first_reply_due, case.resolution_due, case.warn_at
    case = services.case_dispatch(actor=w.alice, case=case, mode="person", assignee=w.carl, now=opened)
    case = services.case_accept(actor=w.carl, case=case, now=opened + dt.timedelta(minutes=5))
    case = services.case_hold(actor=w.carl, case=case, reason="customer", now=opened + dt.timedelta(hours=1))
    case = services.case_resume(actor=w.carl, case=case, now=opened + dt.timedelta(hours=6))
    case.refresh_from_db()
    assert case.first_reply_due == due_reply + dt.timedelta(hours=5)
    assert case.resolution_due == due_res + dt.timedelta(hours=5)
    assert case.warn_at == warn + dt.timedelta(hours=5)
    assert case.paused_at is None


def test_waiting_after_the_first_reply_leaves_the_reply_deadline(desk, new_case):
    w = desk.w
    opened = bj(2026, 11, 20, 10, 0)
    case = new_case("complaint", now=opened)
    case = services.case_dispatch(actor=w.alice, case=case, mode="person", assignee=w.carl, now=opened)
    case = services.case_accept(actor=w.carl, case=case, now=opened)
    services.case_reply(actor=w.carl, case=case, body="已联系业主", now=opened + dt.timedelta(hours=1))
    case.refresh_from_db()
    due_reply = case.first_reply_due
    case = services.case_hold(actor=w.carl, case=case, reason="customer", now=opened + dt.timedelta(hours=2))
    case = services.case_resume(actor=w.carl, case=case, now=opened + dt.timedelta(hours=4))
    case.refresh_from_db()
    assert case.first_reply_due == due_reply


def _policy(**kw):
    defaults = {"name": kw.pop("name", "p"), "resolution_value": 1, "resolution_unit": "hours"}
    return SlaPolicy.objects.create(**defaults, **kw)


def test_policy_precedence(desk):
    w = desk.w
    leak = desk.leak  # 报修 → 水电 → 漏水渗水
    plumbing = leak.parent
    shared_kind = SlaPolicy.objects.get(kind="repair", priority="", project__isnull=True, category__isnull=True)

    def pick(category=leak, priority="normal", project=w.a):
        return sla.policy_for(project_id=project.pk, kind="repair", category=category, priority=priority)

    assert pick() == shared_kind
    parent_rule = _policy(kind="repair", category=plumbing, name="水电")
    assert pick() == parent_rule  # a parent category beats kind-only
    leaf_rule = _policy(kind="repair", category=leak, name="漏水")
    assert pick() == leaf_rule  # the nearer category beats its parent
    leaf_urgent = _policy(kind="repair", category=leak, priority="urgent", name="漏水特急")
    assert pick() == leaf_rule
    assert pick(priority="urgent") == leaf_urgent  # priority-specific beats any priority
    project_leaf = _policy(kind="repair", category=leak, project=w.a, name="A 漏水")
    assert pick() == project_leaf  # project-specific beats shared at the same specificity
    assert pick(project=w.b) == leaf_rule  # …only in its project
    project_leaf.is_active = False
    project_leaf.save()
    assert pick() == leaf_rule  # inactive policies are ignored
    other = Category.objects.get(project__isnull=True, kind="repair", code="DT-KR")
    assert pick(category=other) == shared_kind
    assert pick(category=other, priority="urgent").name.startswith("特急报修")
    project_kind = _policy(kind="repair", project=w.a, name="A 报修")
    assert pick(category=other) == project_kind
    # A shared category rule is more specific than a project's kind-only rule.
    assert pick() == leaf_rule
    assert sla.policy_for(project_id=w.a.pk, kind="praise") is not None
    SlaPolicy.objects.filter(kind="praise").delete()
    assert sla.policy_for(project_id=w.a.pk, kind="praise") is None


def test_case_without_policy_has_no_deadlines(desk, new_case):
    SlaPolicy.objects.filter(kind="praise").delete()
    case = new_case("praise", category=Category.objects.get(project__isnull=True, kind="praise", code="RY"))
    assert case.sla_policy is None
    assert case.resolution_due is None and case.first_reply_due is None and case.warn_at is None


@pytest.mark.parametrize(
    ("text", "ok"),
    [("1,1.5,2", [1.0, 1.5, 2.0]), ("1，2", [1.0, 2.0]), ("1.2", [1.2]), ("", None), ("2,1", None),
     ("1,1", None), ("0.5,1", None), ("a,b", None), ("1,2,3,4", None), ("-1,2", None)],
)  # fmt: skip
def test_parse_multiples(text, ok):
    if ok is None:
        with pytest.raises(ValueError):
            sla.parse_multiples(text)
    else:
        assert sla.parse_multiples(text) == ok


def test_multiples_of_a_bad_stored_value_falls_back():
    assert sla.multiples_of(None) == [1.0, 1.5, 2.0]
    assert sla.multiples_of(SlaPolicy(escalate_multiples="x")) == [1.0, 1.5, 2.0]
    assert sla.multiples_of(SlaPolicy(escalate_multiples="2,1")) == [1.0, 2.0]
