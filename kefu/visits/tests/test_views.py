"""The return-visit pages through the Django test client, by the named users of `world`: who may see each
page, what each outcome recorded through the form does, bad input, sign-off, plans, settings, export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kefu import testing as t
from kefu.org.roles import Role
from kefu.tickets.models import Case
from kefu.tickets.states import Status
from kefu.visits import services
from kefu.visits.models import ReturnVisit, VisitAttempt, VisitFinding, VisitPlan, VisitPolicy, VisitScript

from .conftest import NOW, fill_zone

LATER = NOW + dt.timedelta(hours=5)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def outsiders(desk):
    """Those who may not see zone A1's visits: a steward of A2, an agent of B, field staff, a resident."""
    w = desk.w
    resident = t.UserFactory(kind="customer", username="resident")
    w.cust_a1.account = resident
    w.cust_a1.save(update_fields=["account"])
    return {
        "steward_a2": t.staff(Role.STEWARD, w.a, zones=[w.a2], username="steward_a2", name="二区管家"),
        "bob": w.bob,
        "fred": desk.fred,
        "resident": resident,
    }


def pending(case: Case) -> ReturnVisit:
    return ReturnVisit.objects.get(case=case, status=ReturnVisit.Status.PENDING)


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def record(client, visit, **data):
    data.setdefault("version", visit.version)
    return client.post(f"/visits/{visit.pk}/", data)


# Who may see what --------------------------------------------------------------------------------------


def test_each_page_renders_for_those_who_may_and_is_not_found_for_the_others(desk, resolved, outsiders, as_user):
    w = desk.w
    visit = pending(resolved())
    plan = services.plan_create(
        actor=w.mia, zone=w.a1, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 12, 31), seed=1
    )
    pages = [
        "/visits/",
        "/visits/today/",
        f"/visits/{visit.pk}/",
        "/visits/plans/",
        f"/visits/plans/{plan.pk}/",
    ]
    for url in pages:
        assert as_user(w.stella).get(url).status_code == 200, url
    for url in [*pages, "/visits/settings/"]:
        assert as_user(w.mia).get(url).status_code == 200, url
    assert as_user(w.stella).get("/visits/settings/").status_code == 404
    assert as_user(w.alice).get("/visits/settings/").status_code == 404
    for name, user in outsiders.items():
        client = as_user(user)
        assert client.get(f"/visits/{visit.pk}/").status_code == 404, name
        assert client.get(f"/visits/plans/{plan.pk}/").status_code == 404, name
        assert client.post(f"/visits/{visit.pk}/", {"outcome": "refused"}).status_code == 404, name
    for user in (outsiders["fred"], outsiders["resident"]):
        for url in ["/visits/", "/visits/today/", "/visits/plans/", "/visits/settings/"]:
            assert as_user(user).get(url).status_code == 404, url
    # Those who may open the list see only what is theirs to see.
    for user in (outsiders["steward_a2"], outsiders["bob"]):
        r = as_user(user).get("/visits/?queue=all")
        assert r.status_code == 200 and r.context["page"].paginator.count == 0
    assert pending(visit.case).status == ReturnVisit.Status.PENDING  # nobody's refusal was recorded


def test_the_list_offers_the_queues_of_each_role(desk, resolved, as_user):
    w = desk.w
    resolved()
    stella = as_user(w.stella).get("/visits/")
    assert [q for q, _label in stella.context["queues"]] == ["today", "mine", "open", "overdue", "done", "all"]
    assert stella.context["queue"] == "mine" and stella.context["page"].paginator.count == 1
    sam = as_user(w.sam).get("/visits/")
    assert "to_sign" in [q for q, _label in sam.context["queues"]]
    for queue in ["today", "mine", "open", "overdue", "to_sign", "done", "all"]:
        r = as_user(w.sam).get(f"/visits/?queue={queue}")
        assert r.status_code == 200 and r.context["queue"] == queue


def test_the_list_filters_and_shows_overdue_visits_in_red(desk, resolved, as_user):
    w = desk.w
    leak = pending(resolved())
    other = pending(resolved(unit=w.unit_a2, customer=w.cust_a2, title="楼道灯不亮"))
    client = as_user(w.alice)

    def ids(query):
        return {v.pk for v in client.get("/visits/?queue=all&" + query).context["page"]}

    assert ids("") == {leak.pk, other.pk}
    assert ids(f"q={leak.case.number}") == {leak.pk}
    assert ids("q=2-1-0801") == {other.pk}
    assert ids("q=张伟") == {leak.pk}
    assert ids(f"zone={w.a2.pk}") == {other.pk}
    assert ids("source=plan") == set()
    assert ids("status=pending&source=case") == {leak.pk, other.pk}
    assert ids(f"assignee={w.stella.pk}") == {leak.pk}  # zone A2 has no steward: the complaint officer got it
    assert ids("due_from=2026-11-22&due_to=2026-11-22") == {leak.pk, other.pk}
    assert ids("due_from=2026-11-23") == set()
    assert ids("due_from=not-a-date") == {leak.pk, other.pk}
    body = client.get("/visits/?queue=overdue").content.decode()
    assert "共 2 条" in body and "sla-overdue" in body and "超时 " in body
    assert "138****1111" in body and "13800001111" not in body
    partial = client.get("/visits/?q=张伟", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'id="visit-table"' in partial.content


def test_the_export_has_one_row_per_visit_in_the_filtered_list(desk, resolved, as_user):
    w = desk.w
    for _i in range(3):
        resolved()
    resolved(unit=w.unit_a2, customer=w.cust_a2)
    client = as_user(w.alice)
    count = client.get(f"/visits/?queue=all&zone={w.a1.pk}").context["page"].paginator.count
    r = client.get(f"/visits/?queue=all&zone={w.a1.pk}&export=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert count == 3 and len(rows) - 1 == count
    assert rows[0][:4] == ("来源", "项目", "区域", "工单号")
    assert rows[1][6] == "138****1111"  # the phone is masked in exports


# The visit page -----------------------------------------------------------------------------------------


def test_the_visit_page_shows_the_customer_the_script_and_a_call_link(desk, resolved, as_user):
    w = desk.w
    w.cust_a1.gender = "M"
    w.cust_a1.save()
    case = resolved()
    visit = pending(case)
    r = as_user(w.stella).get(f"/visits/{visit.pk}/")
    body = r.content.decode()
    assert "张先生" in body and "1-1-1201" in body
    assert "138****1111" in body and 'href="tel:13800001111"' in body
    assert case.number in body and f'href="/cases/{case.number}/"' in body
    assert "已更换水管接头" in body  # the resolution, in the case summary and the script
    assert "您好，请问是张先生吗？我是阳光花园客服中心的孙浩。" in r.context["script"]
    for label in ("已接通", "无人接听", "号码错误", "拒绝回访", "约定回电", "非常不满意", "非常满意"):
        assert label in body


def test_reached_and_satisfied_closes_the_case_and_goes_back_to_todays_list(desk, resolved, as_user):
    case = resolved()
    visit = pending(case)
    client = as_user(desk.w.stella)
    r = record(client, visit, outcome="reached", score="5", solved="yes", customer_words="师傅很专业")
    assert r.status_code == 302 and r["Location"] == "/visits/today/"
    visit.refresh_from_db()
    assert (visit.status, visit.score, visit.solved, visit.customer_words) == ("done", 5, True, "师傅很专业")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    today = client.get(r["Location"])
    assert f"回访已登记，工单 {case.number} 已关闭" in texts(today)
    assert visit.pk not in [c["visit"].pk for c in today.context["cards"]]


def test_reached_and_dissatisfied_needs_a_reason_then_sends_the_case_back(desk, resolved, as_user):
    case = resolved()
    visit = pending(case)
    client = as_user(desk.w.stella)
    r = record(client, visit, outcome="reached", score="2", solved="no")
    assert r.status_code == 200
    assert r.context["record_form"].errors["reason"] == ["不满意时请选择不满意原因"]
    assert pending(case).status == ReturnVisit.Status.PENDING and not VisitAttempt.objects.exists()
    r = record(client, visit, outcome="reached", score="2", solved="no", reason="quality", customer_words="还在滴水")
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and "还在滴水" in case.events.get(kind="reopen").body
    assert "已退回返工" in texts(client.get(r["Location"]))[0]


def test_reached_without_a_score_shows_the_chinese_error_and_writes_nothing(desk, resolved, as_user):
    case = resolved()
    visit = pending(case)
    events = case.events.count()
    r = record(as_user(desk.w.stella), visit, outcome="reached")
    assert r.status_code == 200
    body = r.content.decode()
    assert "请选择满意度（1-5 分）" in body and "请选择问题是否解决" in body
    assert 'id="o-reached" value="reached" checked' in body  # the choice is kept
    assert not VisitAttempt.objects.exists() and case.events.count() == events
    assert pending(case).version == visit.version
    r = record(as_user(desk.w.stella), visit)  # no outcome at all
    assert r.context["record_form"].errors["outcome"] == ["请选择回访结果"]


@pytest.mark.parametrize(
    ("outcome", "status", "case_status"),
    [
        ("no_answer", ReturnVisit.Status.PENDING, Status.RESOLVED),
        ("wrong_number", ReturnVisit.Status.UNREACHABLE, Status.CLOSED),
        ("refused", ReturnVisit.Status.REFUSED, Status.CLOSED),
    ],
)
def test_the_other_outcomes_are_one_tap(desk, resolved, as_user, outcome, status, case_status):
    case = resolved()
    visit = pending(case)
    r = record(as_user(desk.w.stella), visit, outcome=outcome, note="白天上班")
    assert r.status_code == 302
    visit.refresh_from_db()
    assert visit.status == status
    assert Case.objects.get(pk=case.pk).status == case_status
    attempt = VisitAttempt.objects.get(visit=visit)
    assert (attempt.outcome, attempt.note, attempt.by) == (outcome, "白天上班", desk.w.stella)
    if outcome == "no_answer":
        assert visit.attempts == 1 and visit.next_attempt_at is not None
        assert "已记录无人接听（第 1 次），4 小时后再拨" in texts(as_user(desk.w.stella).get(r["Location"]))


def test_a_call_back_needs_a_time_in_the_future(desk, resolved, as_user):
    visit = pending(resolved())
    client = as_user(desk.w.stella)
    r = record(client, visit, outcome="callback", callback_at="2020-01-01T10:00")
    assert r.context["record_form"].errors["callback_at"] == ["请填写约定回电时间（须晚于现在）"]
    assert not VisitAttempt.objects.exists()
    r = record(client, visit, outcome="callback", callback_at="2099-01-02T19:30")
    assert r.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "pending" and visit.next_attempt_at is not None
    assert visit.next_attempt_at.astimezone(dt.timezone(dt.timedelta(hours=8))).hour == 19


def test_a_stale_form_is_refused_in_chinese(desk, resolved, as_user):
    visit = pending(resolved())
    stale = visit.version
    services.visit_record(actor=desk.w.alice, visit=visit, outcome="no_answer")
    r = record(as_user(desk.w.stella), visit, outcome="refused", version=stale)
    assert r.status_code == 200 and "该回访已被他人更新，请刷新后重试" in r.content.decode()
    assert pending(visit.case).status == "pending" and VisitAttempt.objects.count() == 1
    # The page now shows the colleague's call, and the form carries the current version.
    assert r.context["record_form"]["version"].value() == str(visit.version + 1)


def test_a_finished_visit_shows_its_result_and_no_form(desk, resolved, as_user):
    visit = pending(resolved())
    services.visit_record(actor=desk.w.stella, visit=visit, outcome="reached", score=4, solved=True)
    r = as_user(desk.w.stella).get(f"/visits/{visit.pk}/")
    assert r.context["may_record"] is False and "4 满意" in r.content.decode()
    r = record(as_user(desk.w.stella), visit, outcome="refused")
    assert r.status_code == 200 and "该回访已完成，不能再登记" in r.content.decode()


# Findings and reassigning ------------------------------------------------------------------------------


def test_a_finding_is_added_and_turned_into_a_case(desk, resolved, as_user):
    visit = pending(resolved())
    client = as_user(desk.w.stella)
    r = client.post(f"/visits/{visit.pk}/findings/", {"category": "plumbing", "description": ""})
    assert r.status_code == 200 and "请填写此项" in r.content.decode()
    assert not VisitFinding.objects.exists()
    r = client.post(
        f"/visits/{visit.pk}/findings/", {"category": "plumbing", "description": "厨房下水慢", "to_case": "on"}
    )
    assert r.status_code == 302
    found = VisitFinding.objects.get()
    assert found.case is not None and found.case.title == "[给排水] 厨房下水慢"
    client.post(f"/visits/{visit.pk}/findings/", {"category": "cleaning_greenery", "description": "草坪枯黄"})
    later = VisitFinding.objects.get(case__isnull=True)
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert f'href="/cases/{found.case.number}/"' in page
    assert f'action="/visits/{visit.pk}/findings/{later.pk}/to-case/"' in page
    r = client.post(f"/visits/{visit.pk}/findings/{later.pk}/to-case/")
    later.refresh_from_db()
    assert later.case is not None and later.case.kind == "complaint"
    assert f"已转为工单 {later.case.number}" in texts(client.get(r["Location"]))


def test_a_manager_reassigns_a_visit_and_a_steward_cannot(desk, resolved, as_user):
    visit = pending(resolved())
    assert as_user(desk.w.stella).get(f"/visits/{visit.pk}/").context["reassign_form"] is None
    r = as_user(desk.w.stella).post(f"/visits/{visit.pk}/reassign/", {"assignee": desk.w.carl.pk})
    assert "您没有权限执行此操作" in texts(as_user(desk.w.stella).get(r["Location"]))
    assert ReturnVisit.objects.get(pk=visit.pk).assignee == desk.w.stella
    client = as_user(desk.w.mia)
    assert desk.w.carl in client.get(f"/visits/{visit.pk}/").context["reassign_form"].fields["assignee"].queryset
    client.post(f"/visits/{visit.pk}/reassign/", {"assignee": desk.w.carl.pk})
    assert ReturnVisit.objects.get(pk=visit.pk).assignee == desk.w.carl
    r = client.post(f"/visits/{visit.pk}/reassign/", {"assignee": desk.fred.pk})  # field staff make no visits
    assert ReturnVisit.objects.get(pk=visit.pk).assignee == desk.w.carl


# Sign-off ------------------------------------------------------------------------------------------------


def test_the_supervisor_signs_off_in_bulk_from_the_to_sign_queue(desk, resolved, as_user):
    w = desk.w
    done = [pending(resolved()) for _i in range(2)]
    for v in done:
        services.visit_record(actor=w.stella, visit=v, outcome="reached", score=5, solved=True)
    own = pending(resolved())
    services.visit_record(actor=w.sam, visit=own, outcome="refused")
    client = as_user(w.sam)
    page = client.get("/visits/?queue=to_sign")
    assert {v.pk for v in page.context["page"]} == {v.pk for v in done}  # not the supervisor's own
    assert "审核通过" in page.content.decode()
    r = client.post("/visits/sign-off/", {"visits": []})
    assert "请先勾选要审核的回访" in texts(client.get(r["Location"]))
    r = client.post("/visits/sign-off/", {"visits": [own.pk, done[0].pk], "next": "/visits/?queue=to_sign"})
    assert "不能审核自己完成的回访" in texts(client.get(r["Location"]))
    assert not ReturnVisit.objects.filter(signed_off_at__isnull=False).exists()  # all or nothing
    r = client.post("/visits/sign-off/", {"visits": [v.pk for v in done], "next": "/visits/?queue=to_sign"})
    after = client.get(r["Location"])
    assert "已审核通过 2 条回访" in texts(after) and after.context["page"].paginator.count == 0
    assert set(ReturnVisit.objects.filter(signed_off_by=w.sam).values_list("pk", flat=True)) == {v.pk for v in done}
    # A steward may not sign off, even a visit she can see.
    r = as_user(w.stella).post("/visits/sign-off/", {"visits": [own.pk]})
    assert "您没有权限执行此操作" in texts(as_user(w.stella).get(r["Location"]))
    # The visit page offers the single sign-off to a supervisor, not to the one who made the call.
    assert as_user(w.mia).get(f"/visits/{own.pk}/").context["may_sign"] is True
    assert as_user(w.sam).get(f"/visits/{own.pk}/").context["may_sign"] is False


# Today's calls -------------------------------------------------------------------------------------------


def test_today_lists_my_calls_due_and_the_plan_households_left(desk, resolved, as_user):
    w = desk.w
    mine = pending(resolved())
    not_mine = pending(resolved(unit=w.unit_a2, customer=w.cust_a2))
    fill_zone(w.a1, {"10": 7})  # 8 households: 2 to visit this quarter
    start, end = services.quarter_of(timezone.localdate())
    plan = services.plan_create(actor=w.mia, zone=w.a1, period_start=start, period_end=end, seed=3)
    r = as_user(w.stella).get("/visits/today/")
    cards = [c for c in r.context["cards"] if c["visit"].source == "case"]  # plan visits only on their last day
    assert [c["visit"].pk for c in cards] == [mine.pk]
    assert cards[0]["room"] == "1-1-1201" and cards[0]["subject"] == "卫生间漏水" and cards[0]["late"]
    body = r.content.decode()
    assert 'href="tel:13800001111"' in body and f'href="/visits/{mine.pk}/"' in body
    assert f'href="/visits/plans/{plan.pk}/?status=pending"' in body and "还剩 <b>2</b> 户" in body
    assert not_mine.pk not in [c["visit"].pk for c in cards]


# Plans ---------------------------------------------------------------------------------------------------


def plan_form(world, **kw):
    data = {
        "zone": world.a1.pk,
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "share_percent": "25",
        "exclude_periods": "3",
        "steward": "",
        "name": "",
    }
    data.update(kw)
    return data


def test_a_plan_created_through_the_form_creates_its_tasks(world, as_user):
    fill_zone(world.a1, {"10": 24, "11": 15})  # 39 + the fixture's household = 40
    client = as_user(world.mia)
    form = client.get("/visits/plans/").context["form"]
    start, end = services.quarter_of(timezone.localdate())
    assert form["period_start"].value() == start and form["period_end"].value() == end
    assert form["share_percent"].value() == 25 and form["exclude_periods"].value() == 3
    r = client.post("/visits/plans/", plan_form(world))
    plan = VisitPlan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/visits/plans/{plan.pk}/"
    assert (plan.households, plan.planned, plan.steward) == (40, 10, world.stella)
    assert ReturnVisit.objects.filter(plan=plan, source="plan", assignee=world.stella).count() == 10
    page = client.get(r["Location"])
    assert "已生成走访计划" in texts(page)[0]
    p = page.context["progress"]
    assert (p.households, p.planned, p.done, p.pending) == (40, 10, 0, 10)
    assert sum(b["planned"] for b in page.context["buildings"]) == 10
    assert page.context["page"].paginator.count == 10
    # The list shows it with its figures.
    row = client.get("/visits/plans/").context["page"][0]
    assert (row.planned, row.done, row.coverage, row.completion) == (10, 0, 0.0, 0.0)


def test_plan_form_errors_are_shown_in_chinese_and_nothing_is_created(world, as_user):
    fill_zone(world.a1, {"10": 8})
    client = as_user(world.mia)
    r = client.post("/visits/plans/", plan_form(world, period_end="2026-09-01", share_percent="0"))
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert errors["period_end"] == ["结束日期不能早于开始日期"] and errors["share_percent"] == [
        "走访比例须在 1-100 之间"
    ]
    empty = t.ZoneFactory(project=world.a, code="A3", name="三区")
    r = client.post("/visits/plans/", plan_form(world, zone=empty.pk))
    assert r.context["form"].errors["zone"] == ["该区域没有入住户"]
    assert not VisitPlan.objects.exists()
    assert client.post("/visits/plans/", plan_form(world)).status_code == 302
    r = client.post("/visits/plans/", plan_form(world))
    assert "该区域在此期间已有走访计划" in r.content.decode()
    assert VisitPlan.objects.count() == 1
    # Stewards see plans but may not create them.
    assert as_user(world.stella).get("/visits/plans/").context["form"] is None
    assert as_user(world.stella).post("/visits/plans/", plan_form(world)).status_code == 404


def test_a_plan_shows_findings_by_category_and_is_closed_by_a_manager(world, as_user):
    fill_zone(world.a1, {"10": 12})
    plan = services.plan_create(
        actor=world.mia, zone=world.a1, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 12, 31), seed=5
    )
    first, second = list(plan.visits.order_by("pk")[:2])
    services.visit_record(actor=world.stella, visit=first, outcome="reached", score=4)
    services.finding_add(actor=world.stella, visit=first, category="plumbing", description="下水慢", to_case=True)
    services.finding_add(actor=world.stella, visit=second, category="plumbing", description="水压低")
    page = as_user(world.stella).get(f"/visits/plans/{plan.pk}/")
    assert page.context["by_category"] == [{"category": "plumbing", "n": 2, "cases": 1, "label": "给排水"}]
    assert page.context["progress"].done == 1 and page.context["may_close"] is False
    assert as_user(world.stella).post(f"/visits/plans/{plan.pk}/close/").status_code == 302
    assert VisitPlan.objects.get(pk=plan.pk).status == "active"
    pend = as_user(world.stella).get(f"/visits/plans/{plan.pk}/?status=pending").context["page"].paginator.count
    assert pend == plan.planned - 1
    r = as_user(world.mia).post(f"/visits/plans/{plan.pk}/close/")
    assert f"计划已结束，未走访的 {pend} 户已取消" in texts(as_user(world.mia).get(r["Location"]))
    assert VisitPlan.objects.get(pk=plan.pk).status == "closed"


# Settings ------------------------------------------------------------------------------------------------


def policy_data(**kw):
    data = {
        "policy-scope": "project",
        "policy-kind": "repair",
        "policy-category": "",
        "policy-rule": "always",
        "policy-assign_to": "complaint_officer",
        "policy-due_hours": "12",
        "policy-max_attempts": "2",
        "policy-retry_hours": "3",
        "policy-is_active": "on",
    }
    data.update({f"policy-{k}": v for k, v in kw.items()})
    return data


def test_policies_are_added_and_edited_and_validated(desk, as_user):
    w = desk.w
    client = as_user(w.mia)
    r = client.post("/visits/settings/policies/", policy_data(due_hours="0"))
    assert r.status_code == 200 and r.context["policy_form"].errors["due_hours"] == ["回访时限须在 1-720 小时之间"]
    assert not VisitPolicy.objects.filter(project=w.a).exists()
    r = client.post("/visits/settings/policies/", policy_data())
    assert r.status_code == 302
    policy = VisitPolicy.objects.get(project=w.a)
    assert (policy.kind, policy.assign_to, policy.due_hours) == ("repair", "complaint_officer", 12)
    r = client.post("/visits/settings/policies/", policy_data())
    assert "已有相同范围的回访规则" in r.content.decode()
    client.post(f"/visits/settings/policies/{policy.pk}/", policy_data(due_hours="24", category=desk.leak.pk))
    policy.refresh_from_db()
    assert (policy.due_hours, policy.category) == (24, desk.leak)
    assert client.get(f"/visits/settings/?policy={policy.pk}").context["policy_form"]["due_hours"].value() == 24
    # A project manager may not change the shared rules; the page shows them read-only.
    shared = VisitPolicy.objects.filter(project__isnull=True).first()
    assert client.get(f"/visits/settings/?policy={shared.pk}").status_code == 404
    assert client.post(f"/visits/settings/policies/{shared.pk}/", policy_data()).status_code == 404
    r = client.post("/visits/settings/policies/", policy_data(scope="shared", kind="complaint"))
    assert "您没有权限执行此操作" in r.content.decode()
    # Project B's manager sees the shared rules but not project A's.
    page = as_user(w.mike).get("/visits/settings/")
    assert policy.pk not in [p.pk for p, _may in page.context["policies"]]
    assert as_user(w.mike).get(f"/visits/settings/?policy={policy.pk}").status_code == 404


def test_a_script_with_an_unknown_placeholder_shows_the_error(desk, as_user):
    w = desk.w
    client = as_user(w.mia)
    page = client.get("/visits/settings/")
    assert "{客户称呼}" in page.content.decode() and "{工单摘要}" in page.content.decode()
    data = {
        "script-scope": "project",
        "script-purpose": "case",
        "script-kind": "",
        "script-name": "报修回访",
        "script-body": "{客户称呼}您好，{业主生日}快乐",
        "script-is_active": "on",
    }
    r = client.post("/visits/settings/scripts/", data)
    assert r.status_code == 200 and "话术中有无法识别的占位符：{业主生日}" in r.content.decode()
    assert not VisitScript.objects.filter(project=w.a).exists()
    data["script-body"] = "{客户称呼}您好，关于{工单摘要}"
    assert client.post("/visits/settings/scripts/", data).status_code == 302
    script = VisitScript.objects.get(project=w.a)
    data["script-name"] = "报修回访（新）"
    client.post(f"/visits/settings/scripts/{script.pk}/", data)
    script.refresh_from_db()
    assert script.name == "报修回访（新）" and script.project == w.a


# The case page ---------------------------------------------------------------------------------------------


def test_the_case_page_lists_its_return_visits(desk, resolved, as_user):
    case = resolved()
    visit = pending(case)
    services.visit_record(actor=desk.w.stella, visit=visit, outcome="reached", score=2, solved=False, reason="quality",
                          customer_words="还在滴水")  # fmt: skip
    r = as_user(desk.w.alice).get(f"/cases/{case.number}/")
    body = r.content.decode()
    assert [v.pk for v in r.context["return_visits"]] == [visit.pk]
    assert "回访" in body and f'href="/visits/{visit.pk}/"' in body and "还在滴水" in body and "孙浩" in body
    # Field staff see the case but not its return visits.
    r = as_user(desk.fred).get(f"/cases/{case.number}/")
    assert r.status_code == 200 and r.context["return_visits"] == []


def test_a_colleague_calling_instead_of_the_steward_goes_back_to_the_task_list(desk, resolved, as_user):
    visit = pending(resolved())
    client = as_user(desk.w.alice)
    assert 'class="visit-back" href="/visits/"' in client.get(f"/visits/{visit.pk}/").content.decode()
    r = record(client, visit, outcome="refused")
    assert r["Location"] == "/visits/"
    assert VisitAttempt.objects.get(visit=visit).by == desk.w.alice
