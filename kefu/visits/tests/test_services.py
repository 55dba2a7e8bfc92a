"""Return visits after a case: who gets them, what each outcome does to the case, and the sign-off."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu import testing as t
from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.notify.models import Notification
from kefu.org.roles import Role
from kefu.tickets import services as ts
from kefu.tickets.models import Case, CaseEvent
from kefu.tickets.states import Channel, Status
from kefu.visits import scripts, services
from kefu.visits.models import FindingCategory, ReturnVisit, VisitAttempt, VisitPolicy, VisitScript

from .conftest import NOW

RESOLVED_AT = NOW + dt.timedelta(hours=2)
LATER = NOW + dt.timedelta(hours=5)


def pending_visit(case: Case) -> ReturnVisit:
    return ReturnVisit.objects.get(case=case, status=ReturnVisit.Status.PENDING)


def test_a_resolved_repair_gets_a_visit_for_the_zones_steward_due_by_the_policy(desk, resolved):
    case = resolved()
    visit = pending_visit(case)
    assert visit.assignee == desk.w.stella  # steward of zone A1, where unit_a1 lies
    assert visit.due_at == RESOLVED_AT + dt.timedelta(hours=48)
    assert (visit.customer, visit.unit, visit.zone) == (desk.w.cust_a1, desk.w.unit_a1, desk.w.a1)
    assert visit.contact_phone == "13800001111"
    assert visit.handler == desk.fred  # satisfaction is counted for whoever resolved it
    note = Notification.objects.get(recipient=desk.w.stella, kind=Notification.Kind.VISIT)
    assert note.url == f"/visits/{visit.pk}/"
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_a_complaint_visit_goes_to_the_complaint_officer(desk, resolved):
    visit = pending_visit(resolved(kind="complaint", title="保安态度差"))
    assert visit.assignee == desk.w.carl
    assert visit.due_at == RESOLVED_AT + dt.timedelta(hours=24)


def test_a_project_category_policy_beats_the_shared_kind_policy(desk, resolved):
    VisitPolicy.objects.create(
        project=desk.w.a, kind="repair", category=desk.leak, rule="always", assign_to="complaint_officer", due_hours=6
    )
    visit = pending_visit(resolved())
    assert visit.assignee == desk.w.carl
    assert visit.due_at == RESOLVED_AT + dt.timedelta(hours=6)


def test_a_never_policy_closes_the_case_at_once_without_a_visit(desk, resolved):
    VisitPolicy.objects.filter(project__isnull=True, kind="repair").update(rule="never")
    case = Case.objects.get(pk=resolved().pk)
    assert case.status == Status.CLOSED and case.closed_at == RESOLVED_AT
    assert not ReturnVisit.objects.filter(case=case).exists()
    assert case.events.filter(kind="close", actor__isnull=True).exists()


def test_a_satisfied_visit_closes_the_case_and_goes_on_its_timeline(desk, resolved):
    case = resolved()
    visit = services.visit_record(
        actor=desk.w.stella,
        visit=pending_visit(case),
        outcome="reached",
        score=5,
        solved=True,
        customer_words="师傅很专业",
        now=LATER,
    )
    assert visit.status == ReturnVisit.Status.DONE and visit.completed_by == desk.w.stella
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at == LATER
    kinds = list(case.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["visit", "close"]
    visit_event = case.events.get(kind="visit")
    assert visit_event.is_public and "5 分" in visit_event.body and "师傅很专业" in visit_event.body


def test_a_dissatisfied_visit_reopens_the_case_for_rework_and_escalates_it(desk, resolved):
    case = resolved()
    services.visit_record(
        actor=desk.w.stella,
        visit=pending_visit(case),
        outcome="reached",
        score=2,
        solved=True,
        reason="quality",
        customer_words="还在滴水",
        now=LATER,
    )
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.assignee == desk.fred
    assert case.resolved_at is None and case.escalation_level == 1
    reopen = case.events.get(kind="reopen")
    assert "客户不满意" in reopen.body and "还在滴水" in reopen.body
    assert case.events.filter(kind="escalate", data__target="visit").exists()
    assert Notification.objects.filter(recipient=desk.w.sam, kind=Notification.Kind.ESCALATION, case=case).exists()
    assert Notification.objects.filter(recipient=desk.fred, kind=Notification.Kind.REOPENED, case=case).exists()
    # The rework is resolved again: a new call-back, and the first visit stays as it was.
    ts.case_resolve(actor=desk.fred, case=case, note="重新更换阀门", now=LATER + dt.timedelta(hours=3))
    assert ReturnVisit.objects.filter(case=case).count() == 2
    assert pending_visit(case).assignee == desk.w.stella


def test_an_unsolved_problem_reopens_the_case_even_with_a_fair_score(desk, resolved):
    case = resolved()
    services.visit_record(
        actor=desk.w.stella, visit=pending_visit(case), outcome="reached", score=4, solved=False, now=LATER
    )
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert "问题未解决" in case.events.get(kind="reopen").body


def test_no_answer_is_retried_at_intervals_then_the_visit_is_unreachable_and_the_case_closes(desk, resolved):
    case = resolved()
    visit = pending_visit(case)
    for i in range(1, 3):
        visit = services.visit_record(
            actor=desk.w.stella, visit=visit, outcome="no_answer", now=LATER + dt.timedelta(hours=4 * i)
        )
        assert visit.status == ReturnVisit.Status.PENDING and visit.attempts == i
        assert visit.next_attempt_at == LATER + dt.timedelta(hours=4 * i + 4)
        assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    visit = services.visit_record(
        actor=desk.w.stella, visit=visit, outcome="no_answer", now=LATER + dt.timedelta(hours=12)
    )
    assert visit.status == ReturnVisit.Status.UNREACHABLE and visit.attempts == 3
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert "无法联系" in case.events.get(kind="close").body
    assert VisitAttempt.objects.filter(visit=visit).count() == 3
    assert case.events.filter(kind="visit_attempt").count() == 2


def test_a_call_back_at_an_agreed_time_keeps_the_visit_open_and_must_be_in_the_future(desk, resolved):
    visit = pending_visit(resolved())
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=desk.w.stella, visit=visit, outcome="callback", callback_at=LATER, now=LATER)
    assert "callback_at" in e.value.fields
    at = LATER + dt.timedelta(days=1)
    visit = services.visit_record(actor=desk.w.stella, visit=visit, outcome="callback", callback_at=at, now=LATER)
    assert visit.status == ReturnVisit.Status.PENDING and visit.next_attempt_at == at and visit.attempts == 0


def test_a_wrong_number_or_a_refusal_ends_the_visit_at_once(desk, resolved):
    first, second = resolved(), resolved()
    v1 = services.visit_record(actor=desk.w.stella, visit=pending_visit(first), outcome="wrong_number", now=LATER)
    v2 = services.visit_record(actor=desk.w.stella, visit=pending_visit(second), outcome="refused", now=LATER)
    assert (v1.status, v2.status) == (ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED)
    assert set(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {Status.CLOSED}


def test_a_reached_visit_without_its_result_is_refused_and_writes_nothing(desk, resolved):
    case = resolved()
    visit = pending_visit(case)
    events = case.events.count()
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=desk.w.stella, visit=visit, outcome="reached", now=LATER)
    assert set(e.value.fields) == {"score", "solved"}
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=desk.w.stella, visit=visit, outcome="reached", score=1, solved=True, now=LATER)
    assert set(e.value.fields) == {"reason"}
    assert not VisitAttempt.objects.exists() and case.events.count() == events
    assert pending_visit(case).version == visit.version


def test_only_visitors_of_the_zone_or_project_may_record_a_visit(desk, resolved):
    visit = pending_visit(resolved())
    other_steward = t.staff(Role.STEWARD, desk.w.a, zones=[desk.w.a2], username="steward_a2")
    for outsider in (other_steward, desk.w.bob, desk.fred, desk.w.archie):
        with pytest.raises(Forbidden):
            services.visit_record(actor=outsider, visit=visit, outcome="no_answer", now=LATER)
    # An agent of the project may call instead of the steward.
    services.visit_record(actor=desk.w.alice, visit=visit, outcome="no_answer", now=LATER)


def test_a_finished_visit_cannot_be_recorded_again(desk, resolved):
    visit = pending_visit(resolved())
    services.visit_record(actor=desk.w.stella, visit=visit, outcome="refused", now=LATER)
    with pytest.raises(Conflict):
        services.visit_record(actor=desk.w.stella, visit=visit, outcome="refused", now=LATER)


def test_a_stale_version_is_refused(desk, resolved):
    visit = pending_visit(resolved())
    services.visit_record(actor=desk.w.stella, visit=visit, outcome="no_answer", now=LATER)
    with pytest.raises(Conflict) as e:
        services.visit_record(actor=desk.w.alice, visit=visit, outcome="no_answer", version=visit.version, now=LATER)
    assert e.value.code == "stale"


def test_the_supervisor_signs_visits_off_but_not_their_own_nor_open_ones(desk, resolved):
    done = pending_visit(resolved())
    services.visit_record(actor=desk.w.stella, visit=done, outcome="reached", score=4, solved=True, now=LATER)
    open_visit = pending_visit(resolved())
    with pytest.raises(Forbidden):
        services.visit_sign_off(actor=desk.w.stella, visits=[done])
    with pytest.raises(Conflict):
        services.visit_sign_off(actor=desk.w.sam, visits=[done, open_visit])
    done.refresh_from_db()
    assert done.signed_off_at is None  # all or nothing
    assert services.visit_sign_off(actor=desk.w.sam, visits=[done], now=LATER) == 1
    done.refresh_from_db()
    assert done.signed_off_by == desk.w.sam and done.signed_off_at == LATER
    # The supervisor's own visit needs someone else's signature.
    own = pending_visit(resolved())
    services.visit_record(actor=desk.w.sam, visit=own, outcome="refused", now=LATER)
    with pytest.raises(Conflict) as e:
        services.visit_sign_off(actor=desk.w.sam, visits=[own])
    assert e.value.code == "own_visit"
    assert services.visit_sign_off(actor=desk.w.mia, visits=[own]) == 1


def test_reopening_a_case_by_hand_cancels_its_pending_visit(desk, resolved):
    case = resolved()
    ts.case_reopen(actor=desk.w.alice, case=case, reason="客户来电说仍漏水", now=LATER)
    assert ReturnVisit.objects.get(case=case).status == ReturnVisit.Status.CANCELLED


def test_work_orders_of_a_split_case_get_no_visit_of_their_own(desk, new_case):
    case = new_case()
    case = ts.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.w.alice, now=NOW)
    case = ts.case_accept(actor=desk.w.alice, case=case, now=NOW)
    parts = [ts.Part(department=desk.gc, title="换水管", assignee=desk.fred)]
    (child,) = ts.case_split(actor=desk.w.alice, case=case, parts=parts, now=NOW)
    child = ts.case_accept(actor=desk.fred, case=child, now=NOW)
    ts.case_resolve(actor=desk.fred, case=child, note="已换", now=RESOLVED_AT)
    assert not ReturnVisit.objects.filter(case=child).exists()
    assert pending_visit(case).assignee == desk.w.stella  # the parent resolved itself and gets the visit


# Customer ratings --------------------------------------------------------------------------------------


def customer_account(customer):
    user = t.UserFactory(kind="customer", username=f"resident{customer.pk}")
    customer.account = user
    customer.save(update_fields=["account"])
    return user


def test_a_rating_under_an_unless_rated_policy_completes_the_visit(desk, resolved):
    resident = customer_account(desk.w.cust_a1)
    case = resolved(kind="consultation", title="装修如何报备")  # consultation: visit unless rated
    services.rating_submit(actor=resident, case=case, score=5, comment="解答清楚", now=LATER)
    visit = ReturnVisit.objects.get(case=case)
    assert visit.status == ReturnVisit.Status.DONE and visit.score == 5 and visit.completed_by == resident
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    with pytest.raises(Conflict):
        services.rating_submit(actor=resident, case=case, score=4, now=LATER)


def test_an_unhappy_rating_under_an_always_policy_leaves_the_call_to_the_steward(desk, resolved):
    resident = customer_account(desk.w.cust_a1)
    case = resolved()
    services.rating_submit(actor=resident, case=case, score=1, comment="没修好", solved=False, now=LATER)
    assert pending_visit(case).assignee == desk.w.stella
    assert Notification.objects.filter(recipient=desk.w.stella, title__startswith="客户评价不满意").exists()


def test_a_customer_cannot_rate_someone_elses_case(desk, resolved):
    stranger = customer_account(desk.w.cust_a2)
    case = resolved()
    from kefu.core.errors import NotFound

    with pytest.raises(NotFound):
        services.rating_submit(actor=stranger, case=case, score=5, now=LATER)


# Findings ------------------------------------------------------------------------------------------------


def test_a_finding_becomes_a_case_in_one_step(desk, resolved):
    visit = pending_visit(resolved())
    finding = services.finding_add(
        actor=desk.w.stella,
        visit=visit,
        category=FindingCategory.PLUMBING,
        description="厨房下水慢",
        to_case=True,
        now=LATER,
    )
    case = finding.case
    assert case is not None and case.kind == "repair" and case.channel == Channel.VISIT
    assert case.unit == desk.w.unit_a1 and case.customer == desk.w.cust_a1 and case.created_by == desk.w.stella
    assert case.title == "[给排水] 厨房下水慢"
    with pytest.raises(Conflict):
        services.finding_to_case(actor=desk.w.stella, finding=finding)
    attitude = services.finding_add(
        actor=desk.w.stella, visit=visit, category=FindingCategory.ATTITUDE, description="前台接待冷淡", now=LATER
    )
    assert attitude.case is None
    assert services.finding_to_case(actor=desk.w.stella, finding=attitude, now=LATER).kind == "complaint"


# Scripts ---------------------------------------------------------------------------------------------------


def test_the_script_fills_in_the_customer_and_the_case(desk, resolved):
    desk.w.cust_a1.gender = "M"
    desk.w.cust_a1.save()
    case = resolved()
    text = scripts.rendered_script(pending_visit(case))
    assert text.startswith("您好，请问是张先生吗？我是阳光花园客服中心的孙浩。")
    assert "“卫生间漏水”" in text and "已更换水管接头" in text and "{" not in text


def test_a_script_with_an_unknown_placeholder_is_refused(desk):
    with pytest.raises(ValidationFailed) as e:
        services.script_save(
            actor=desk.w.mia,
            project=desk.w.a,
            purpose="case",
            kind="",
            name="新话术",
            body="您好{客户称呼}，{业主生日}快乐",
        )
    assert "{业主生日}" in e.value.fields["body"][0]
    s = services.script_save(
        actor=desk.w.mia, project=desk.w.a, purpose="case", kind="repair", name="报修回访", body="{客户称呼}您好"
    )
    assert scripts.script_for(pending_visit_for_new_repair(desk)) == s
    with pytest.raises(Forbidden):
        services.script_save(actor=desk.w.alice, project=desk.w.a, purpose="case", kind="", name="x", body="y")
    assert VisitScript.objects.filter(project=desk.w.a).count() == 1


def pending_visit_for_new_repair(desk) -> ReturnVisit:
    case = ts.case_create(actor=desk.w.alice, project=desk.w.a, kind="repair", channel="phone", title="灯不亮",
                          unit=desk.w.unit_a1, customer=desk.w.cust_a1, now=NOW)  # fmt: skip
    case = ts.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, now=NOW)
    case = ts.case_accept(actor=desk.fred, case=case, now=NOW)
    ts.case_resolve(actor=desk.fred, case=case, note="换灯泡", now=NOW)
    return pending_visit(case)


def test_reminders_are_sent_once_for_calls_due_and_overdue_visits(desk, resolved):
    visit = pending_visit(resolved())
    services.visit_record(actor=desk.w.stella, visit=visit, outcome="no_answer", now=LATER)
    at = LATER + dt.timedelta(hours=4)
    assert services.remind(now=at) == 1
    assert services.remind(now=at) == 0
    overdue_at = RESOLVED_AT + dt.timedelta(hours=49)
    sent = services.remind(now=overdue_at)
    assert sent == 2  # the steward and the supervisor
    assert Notification.objects.filter(recipient=desk.w.sam, title__startswith="回访已超时").count() == 1
    assert services.remind(now=overdue_at) == 0
    assert CaseEvent.objects.filter(case=visit.case, kind="visit_attempt").count() == 1
