"""The return-visit API: who may call each endpoint, bad input that writes nothing, refused state changes,
and the whole loop from a resolved case to the steward's call and back to the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from kefu import testing as t
from kefu.notify.models import Notification
from kefu.org.roles import Role
from kefu.tickets.models import Case, CaseEvent
from kefu.tickets.states import Status
from kefu.visits import api as visits_api
from kefu.visits import services
from kefu.visits.models import (
    CustomerRating,
    ReturnVisit,
    VisitAttempt,
    VisitFinding,
    VisitPlan,
    VisitPolicy,
    VisitScript,
)

from .conftest import NOW, fill_zone

USERS = ["alice", "sam", "stella", "sara", "fred", "bob", "hera", "resident", "anon"]
LATER = NOW + dt.timedelta(hours=5)


def E(alice, sam, stella, sara, fred, bob, hera, resident, anon=403):
    return dict(zip(USERS, [alice, sam, stella, sara, fred, bob, hera, resident, anon], strict=True))


def customer_account(customer, username):
    user = t.UserFactory(kind="customer", username=username)
    customer.account = user
    customer.save(update_fields=["account"])
    return user


@pytest.fixture
def people(desk):
    """desk + sara (steward of zone A2) + resident (the portal account of cust_a1, who lives in unit_a1)."""
    w = desk.w
    w.sara = t.staff(Role.STEWARD, w.a, zones=[w.a2], username="sara", name="周莎")
    w.resident = customer_account(w.cust_a1, "resident_a1")
    return desk


def client_for(desk, who):
    c = APIClient()
    if who != "anon":
        c.force_authenticate(getattr(desk.w, who))
    return c


def pending(case):
    return ReturnVisit.objects.get(case=case, status=ReturnVisit.Status.PENDING)


# Who may call what ------------------------------------------------------------------------------------------


@dataclass
class Row:
    route: str
    method: str
    setup: str
    path: str  # "{id}" is the object the setup made, "{f}" a finding of it
    expect: dict[str, int]
    body: Any = field(default=None)  # dict, or a function of (desk, ctx)

    @property
    def id(self):
        return f"{self.route}-{self.method}-{self.setup}"


EVERYONE = E(200, 200, 200, 200, 200, 200, 200, 200)
A1_READERS = E(200, 200, 200, 404, 404, 404, 200, 404)
A1_VISITORS_201 = E(201, 201, 201, 404, 404, 404, 201, 404)
A2_READERS = E(200, 200, 404, 200, 404, 404, 200, 404)
MANAGERS_ON_A1 = E(403, 200, 403, 404, 404, 404, 200, 404)  # those who see it; only managers may act
MANAGE_ONLY = E(403, 200, 403, 403, 403, 403, 200, 403)
MANAGE_ONLY_201 = E(403, 201, 403, 403, 403, 403, 201, 403)


def policy_body(desk, ctx):
    return {"project": "A", "kind": "repair", "category": desk.leak.pk, "rule": "always", "due_hours": 6}


def script_body(desk, ctx):
    return {"project": "A", "purpose": "case", "kind": "repair", "name": "报修回访", "body": "{客户称呼}您好"}


ROWS = [
    Row("return-visits-list", "GET", "visit", "/api/v1/return-visits/", EVERYONE),
    Row("return-visits-detail", "GET", "visit", "/api/v1/return-visits/{id}/", A1_READERS),
    Row("return-visits-detail", "GET", "visit-a2", "/api/v1/return-visits/{id}/", A2_READERS),
    Row(
        "return-visits-record",
        "POST",
        "visit",
        "/api/v1/return-visits/{id}/record/",
        A1_READERS,
        {"outcome": "refused"},
    ),
    Row(
        "return-visits-record",
        "POST",
        "visit-a2",
        "/api/v1/return-visits/{id}/record/",
        A2_READERS,
        {"outcome": "no_answer"},
    ),
    Row(
        "return-visits-sign-off",
        "POST",
        "done",
        "/api/v1/return-visits/sign-off/",
        MANAGE_ONLY,
        lambda desk, ctx: {"ids": [ctx["obj"].pk]},
    ),
    Row(
        "return-visits-reassign",
        "POST",
        "visit",
        "/api/v1/return-visits/{id}/reassign/",
        MANAGERS_ON_A1,
        lambda desk, ctx: {"assignee": desk.w.alice.pk},
    ),
    Row(
        "return-visits-findings",
        "POST",
        "visit",
        "/api/v1/return-visits/{id}/findings/",
        A1_VISITORS_201,
        {"category": "plumbing", "description": "厨房下水慢"},
    ),
    Row(
        "return-visits-finding-to-case",
        "POST",
        "finding",
        "/api/v1/return-visits/{id}/findings/{f}/to-case/",
        A1_VISITORS_201,
    ),
    Row("visit-plans-list", "GET", "plan", "/api/v1/visit-plans/", EVERYONE),
    Row("visit-plans-detail", "GET", "plan", "/api/v1/visit-plans/{id}/", A1_READERS),
    Row(
        "visit-plans-list",
        "POST",
        "plan",
        "/api/v1/visit-plans/",
        MANAGE_ONLY_201,
        lambda desk, ctx: {
            "zone": desk.w.a1.pk,
            "period_start": "2026-04-01",
            "period_end": "2026-06-30",
            "share_percent": 50,
        },
    ),
    Row("visit-plans-close", "POST", "plan", "/api/v1/visit-plans/{id}/close/", MANAGERS_ON_A1),
    Row("visit-policies-list", "GET", "policy", "/api/v1/visit-policies/", MANAGE_ONLY),
    Row("visit-policies-list", "POST", "none", "/api/v1/visit-policies/", MANAGE_ONLY_201, policy_body),
    Row("visit-policies-detail", "GET", "policy", "/api/v1/visit-policies/{id}/", MANAGE_ONLY),
    Row("visit-policies-detail", "PUT", "policy", "/api/v1/visit-policies/{id}/", MANAGE_ONLY, policy_body),
    Row("visit-scripts-list", "GET", "script", "/api/v1/visit-scripts/", MANAGE_ONLY),
    Row("visit-scripts-list", "POST", "none", "/api/v1/visit-scripts/", MANAGE_ONLY_201, script_body),
    Row("visit-scripts-detail", "GET", "script", "/api/v1/visit-scripts/{id}/", MANAGE_ONLY),
    Row("visit-scripts-detail", "PUT", "script", "/api/v1/visit-scripts/{id}/", MANAGE_ONLY, script_body),
    Row(
        "ratings-list",
        "POST",
        "resolved",
        "/api/v1/ratings/",
        E(403, 403, 403, 403, 403, 403, 403, 201),
        lambda desk, ctx: {"case": ctx["obj"].number, "score": 5, "comment": "很满意"},
    ),
]
MATRIX = [(row, who) for row in ROWS for who in USERS]


def make(desk, resolved, setup):
    """The object a row acts on: {"obj": ..., "finding": ...}."""
    w = desk.w
    ctx: dict[str, Any] = {}
    if setup == "resolved":
        ctx["obj"] = resolved()
    elif setup == "visit":
        ctx["obj"] = pending(resolved())
    elif setup == "visit-a2":
        ctx["obj"] = pending(resolved(unit=w.unit_a2, customer=w.cust_a2))
    elif setup == "done":
        ctx["obj"] = services.visit_record(actor=w.stella, visit=pending(resolved()), outcome="refused", now=LATER)
    elif setup == "finding":
        ctx["obj"] = pending(resolved())
        ctx["finding"] = services.finding_add(
            actor=w.stella, visit=ctx["obj"], category="civil", description="外墙裂缝"
        )
    elif setup == "plan":
        fill_zone(w.a1, {"10": 4})
        start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
        ctx["obj"] = services.plan_create(actor=w.mia, zone=w.a1, period_start=start, period_end=end, seed=1)
    elif setup == "policy":
        ctx["obj"] = VisitPolicy.objects.create(project=w.a, kind="repair", category=desk.leak, due_hours=12)
    elif setup == "script":
        ctx["obj"] = VisitScript.objects.create(project=w.a, purpose="case", name="A 项目话术", body="您好")
    return ctx


@pytest.mark.parametrize(("row", "who"), MATRIX, ids=[f"{row.id}-{who}" for row, who in MATRIX])
def test_it_answers_each_caller_as_the_matrix_says(people, resolved, row, who):
    ctx = make(people, resolved, row.setup)
    obj, finding = ctx.get("obj"), ctx.get("finding")
    path = row.path.format(id=obj.pk if obj else "", f=finding.pk if finding else "")
    body = row.body(people, ctx) if callable(row.body) else (row.body or {})
    c = client_for(people, who)
    r = getattr(c, row.method.lower())(path, body, format="json") if row.method != "GET" else c.get(path)
    assert r.status_code == row.expect[who], r.content.decode()[:300]
    if r.status_code >= 400:
        assert set(r.json()) == {"code", "message", "fields"}


def _published_routes():
    router = DefaultRouter()
    visits_api.register(router)
    out = set()
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            out |= {(pattern.name, method.upper()) for method in actions}
    return out


def test_it_has_an_expectation_for_every_route():
    covered = {(row.route, row.method) for row in ROWS}
    assert _published_routes() - covered == set(), "add rows to ROWS for these endpoints"
    assert covered - _published_routes() == set(), "ROWS name endpoints that do not exist"


def test_it_lists_only_the_visits_each_person_may_see(people, resolved):
    w = people.w
    a1 = pending(resolved())
    a2 = pending(resolved(unit=w.unit_a2, customer=w.cust_a2))
    expected = {
        "alice": {a1.pk, a2.pk},
        "sam": {a1.pk, a2.pk},
        "stella": {a1.pk},
        "sara": {a2.pk},
        "fred": set(),
        "bob": set(),
        "hera": {a1.pk, a2.pk},
        "resident": set(),
    }
    for who, ids in expected.items():
        r = client_for(people, who).get("/api/v1/return-visits/")
        assert r.status_code == 200
        assert {v["id"] for v in r.json()["results"]} == ids, who
    r = client_for(people, "sam").get("/api/v1/return-visits/", {"zone": w.a2.pk, "source": "case"})
    assert [v["id"] for v in r.json()["results"]] == [a2.pk]
    r = client_for(people, "sam").get("/api/v1/return-visits/", {"queue": "tomorrow"})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"queue"}
    r = client_for(people, "bob").get("/api/v1/return-visits/", {"project": "A"})
    assert r.status_code == 400 and r.json()["fields"] == {"project": ["项目不存在"]}


# The loop: resolved case → today's list → dissatisfied → rework ----------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Timezone-aware "now" that the test moves forward (services and selectors read timezone.now())."""
    state = {"now": dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


def test_a_resolved_case_reaches_the_stewards_today_list_and_a_dissatisfied_call_sends_it_back(people, new_case, clock):
    w = people.w
    w.cust_a1.gender = "M"
    w.cust_a1.save(update_fields=["gender"])
    case = new_case(now=clock["now"])
    alice, fred, stella = client_for(people, "alice"), client_for(people, "fred"), client_for(people, "stella")
    dispatch = {"assignee": w.fred.pk, "department": people.gc.pk}
    r = alice.post(f"/api/v1/cases/{case.number}/dispatch/", dispatch, format="json")
    assert r.status_code == 200, r.json()
    assert fred.post(f"/api/v1/cases/{case.number}/accept/", {}, format="json").status_code == 200
    clock["now"] += dt.timedelta(hours=2)
    r = fred.post(f"/api/v1/cases/{case.number}/resolve/", {"note": "已更换水管接头"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "resolved"

    # Due in 48 hours: on stella's own list at once, on her "today" list on the day it is due.
    mine = stella.get("/api/v1/return-visits/", {"queue": "mine"}).json()["results"]
    assert [v["case"] for v in mine] == [case.number]
    assert mine[0]["assignee_name"] == "孙浩" and mine[0]["contact_phone"] == "138****1111"
    assert stella.get("/api/v1/return-visits/", {"queue": "today"}).json()["results"] == []
    clock["now"] += dt.timedelta(days=2)
    today = stella.get("/api/v1/return-visits/", {"queue": "today"}).json()["results"]
    assert [v["case"] for v in today] == [case.number]
    assert client_for(people, "alice").get("/api/v1/return-visits/", {"queue": "today"}).json()["results"] == []

    visit_id = today[0]["id"]
    detail = stella.get(f"/api/v1/return-visits/{visit_id}/").json()
    assert detail["status"] == "pending" and detail["case_status"] == "resolved"
    assert detail["script"].startswith("您好，请问是张先生吗？我是阳光花园客服中心的孙浩。")
    assert "已更换水管接头" in detail["script"]

    r = stella.post(
        f"/api/v1/return-visits/{visit_id}/record/",
        {
            "outcome": "reached",
            "score": 2,
            "solved": True,
            "reason": "quality",
            "customer_words": "还在滴水",
            "version": detail["version"],
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "done" and body["score"] == 2 and body["reason"] == "quality"
    assert body["case_status"] == "in_progress" and body["completed_by_name"] == "孙浩"
    assert [a["outcome"] for a in body["attempt_log"]] == ["reached"]
    case_now = alice.get(f"/api/v1/cases/{case.number}/").json()
    assert case_now["status"] == "in_progress" and case_now["assignee"] == w.fred.pk
    assert Notification.objects.filter(recipient=w.fred, kind=Notification.Kind.REOPENED, case=case).exists()
    assert stella.get("/api/v1/return-visits/", {"queue": "today"}).json()["results"] == []


# Recording a call ------------------------------------------------------------------------------------------


def test_a_reached_call_without_its_result_is_refused_field_by_field_and_writes_nothing(people, resolved):
    case = resolved()
    visit = pending(case)
    events = case.events.count()
    stella = client_for(people, "stella")
    url = f"/api/v1/return-visits/{visit.pk}/record/"
    r = stella.post(url, {"outcome": "reached"}, format="json")
    assert r.status_code == 400
    assert r.json()["fields"] == {"score": [services.MSG_SCORE], "solved": [services.MSG_SOLVED]}
    r = stella.post(url, {"outcome": "reached", "score": 1, "solved": True}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"reason": [services.MSG_REASON]}
    r = stella.post(url, {"outcome": "hung_up"}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["outcome"]
    r = stella.post(url, {"outcome": "callback", "callback_at": "2020-01-01T09:00:00+08:00"}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"callback_at": [services.MSG_CALLBACK_AT]}
    r = stella.post(url, {"outcome": "reached", "score": "很好", "solved": True}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["score"]
    assert not VisitAttempt.objects.exists() and case.events.count() == events
    visit.refresh_from_db()
    assert visit.status == ReturnVisit.Status.PENDING and visit.version == 1


def test_a_stale_version_or_a_finished_visit_is_a_conflict(people, resolved):
    visit = pending(resolved())
    stella, alice = client_for(people, "stella"), client_for(people, "alice")
    url = f"/api/v1/return-visits/{visit.pk}/record/"
    r = stella.post(url, {"outcome": "no_answer", "version": 1}, format="json")
    assert r.status_code == 200 and r.json()["attempts"] == 1 and r.json()["version"] == 2
    r = alice.post(url, {"outcome": "no_answer", "version": 1}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "stale" and r.json()["message"] == services.MSG_STALE
    assert VisitAttempt.objects.count() == 1
    assert stella.post(url, {"outcome": "wrong_number"}, format="json").status_code == 200
    r = stella.post(url, {"outcome": "refused"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert r.json()["message"] == services.MSG_CLOSED_VISIT
    assert Case.objects.get(pk=visit.case_id).status == Status.CLOSED


def test_an_unknown_visit_id_is_not_found(people):
    for path in ("/api/v1/return-visits/999999/", "/api/v1/return-visits/abc/"):
        r = client_for(people, "sam").get(path)
        assert r.status_code == 404 and r.json()["code"] == "not_found"


# Sign-off and reassigning -------------------------------------------------------------------------------------


def test_sign_off_is_all_or_nothing_and_never_ones_own(people, resolved):
    w = people.w
    sam = client_for(people, "sam")
    done = services.visit_record(actor=w.stella, visit=pending(resolved()), outcome="refused", now=LATER)
    still_open = pending(resolved())
    r = sam.post("/api/v1/return-visits/sign-off/", {"ids": [done.pk, still_open.pk]}, format="json")
    assert r.status_code == 409 and r.json()["message"] == services.MSG_SIGN_OPEN
    done.refresh_from_db()
    assert done.signed_off_at is None
    r = sam.post("/api/v1/return-visits/sign-off/", {"ids": []}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["ids"]
    r = sam.post("/api/v1/return-visits/sign-off/", {"ids": [done.pk, 999999]}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"ids": ["回访不存在：999999"]}
    to_sign = sam.get("/api/v1/return-visits/", {"queue": "to_sign"}).json()["results"]
    assert [v["id"] for v in to_sign] == [done.pk]
    r = sam.post("/api/v1/return-visits/sign-off/", {"ids": [done.pk]}, format="json")
    assert r.status_code == 200 and r.json() == {"signed": 1}
    done.refresh_from_db()
    assert done.signed_off_by == w.sam
    assert sam.get("/api/v1/return-visits/", {"queue": "to_sign"}).json()["results"] == []
    own = services.visit_record(actor=w.sam, visit=still_open, outcome="refused", now=LATER)
    r = sam.post("/api/v1/return-visits/sign-off/", {"ids": [own.pk]}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "own_visit"
    # A manager of another project cannot name project A's visits.
    r = client_for(people, "mike").post("/api/v1/return-visits/sign-off/", {"ids": [own.pk]}, format="json")
    assert r.status_code == 400 and "ids" in r.json()["fields"]


def test_reassigning_needs_a_visitor_of_the_project(people, resolved):
    w = people.w
    visit = pending(resolved())
    sam = client_for(people, "sam")
    url = f"/api/v1/return-visits/{visit.pk}/reassign/"
    r = sam.post(url, {"assignee": w.fred.pk}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"assignee": [services.MSG_ASSIGNEE]}
    r = sam.post(url, {"assignee": w.bob.pk}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"assignee": ["回访人不存在"]}
    r = sam.post(url, {"assignee": w.resident.pk}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"assignee": ["回访人不存在"]}
    visit.refresh_from_db()
    assert visit.assignee == w.stella and visit.version == 1
    r = sam.post(url, {"assignee": w.carl.pk}, format="json")
    assert r.status_code == 200 and r.json()["assignee_name"] == "赵敏"
    assert Notification.objects.filter(recipient=w.carl, kind=Notification.Kind.VISIT).exists()
    services.visit_record(actor=w.carl, visit=visit, outcome="refused", now=LATER)
    r = sam.post(url, {"assignee": w.alice.pk}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


# Findings -----------------------------------------------------------------------------------------------------


def test_a_finding_is_checked_then_turned_into_a_case_once(people, resolved):
    w = people.w
    visit = pending(resolved())
    stella = client_for(people, "stella")
    url = f"/api/v1/return-visits/{visit.pk}/findings/"
    r = stella.post(url, {"category": "roof", "description": ""}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["category"]
    r = stella.post(url, {"category": "civil", "description": "  "}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"description": [services.MSG_DESCRIPTION]}
    assert not VisitFinding.objects.exists()
    r = stella.post(url, {"category": "security_parking", "description": "地库车位被占"}, format="json")
    assert r.status_code == 201 and r.json()["case"] is None and r.json()["category_label"] == "秩序与停车"
    finding_id = r.json()["id"]
    to_case = f"/api/v1/return-visits/{visit.pk}/findings/{finding_id}/to-case/"
    r = stella.post(to_case, {}, format="json")
    assert r.status_code == 201
    case = Case.objects.get(number=r.json()["case"])
    assert case.kind == "complaint" and case.channel == "visit" and case.created_by == w.stella
    assert case.title == "[秩序与停车] 地库车位被占"
    r = stella.post(to_case, {}, format="json")
    assert r.status_code == 409 and r.json()["message"] == services.MSG_FINDING_DONE
    assert Case.objects.filter(channel="visit").count() == 1
    # A finding seen through another visit's address does not exist.
    other = pending(resolved())
    r = stella.post(f"/api/v1/return-visits/{other.pk}/findings/{finding_id}/to-case/", {}, format="json")
    assert r.status_code == 404
    r = stella.post(url, {"category": "plumbing", "description": "厨房下水慢", "to_case": True}, format="json")
    assert r.status_code == 201 and Case.objects.get(number=r.json()["case"]).kind == "repair"
    detail = stella.get(f"/api/v1/return-visits/{visit.pk}/").json()
    assert [f["category"] for f in detail["findings"]] == ["security_parking", "plumbing"]


# Plans --------------------------------------------------------------------------------------------------------


def test_a_plan_made_through_the_api_has_its_tasks_and_progress(people):
    w = people.w
    fill_zone(w.a1, {"10": 12, "11": 8})  # + unit_a1: 21 households
    sam = client_for(people, "sam")
    body = {"zone": w.a1.pk, "period_start": "2026-10-01", "period_end": "2026-12-31", "seed": 7}
    r = sam.post("/api/v1/visit-plans/", body, format="json")
    assert r.status_code == 201, r.json()
    plan = r.json()
    assert (plan["households"], plan["planned"], plan["steward_name"]) == (21, 5, "孙浩")  # 25% of 21 = 5.25
    assert plan["name"] == "一区 2026年第4季度走访" and plan["seed"] == 7
    assert plan["progress"]["pending"] == 5 and plan["progress"]["coverage"] == 0
    tasks = sam.get("/api/v1/return-visits/", {"plan": plan["id"]}).json()["results"]
    assert len(tasks) == 5 and {t_["source"] for t_ in tasks} == {"plan"}
    visit = ReturnVisit.objects.get(pk=tasks[0]["id"])
    r = client_for(people, "stella").post(
        f"/api/v1/return-visits/{visit.pk}/record/", {"outcome": "reached", "score": 5}, format="json"
    )
    assert r.status_code == 200  # a planned visit has no case: "solved" is not asked
    progress = sam.get(f"/api/v1/visit-plans/{plan['id']}/").json()["progress"]
    assert (progress["done"], progress["pending"], progress["coverage"]) == (1, 4, 1 / 21)
    # The same zone and period again; a zone of another project; an impossible period.
    assert sam.post("/api/v1/visit-plans/", body, format="json").status_code == 409
    r = sam.post("/api/v1/visit-plans/", {**body, "zone": 999999}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"zone": ["责任区域不存在"]}
    bad = {**body, "period_start": "2027-03-31", "period_end": "2027-01-01", "share_percent": 0}
    r = sam.post("/api/v1/visit-plans/", bad, format="json")
    assert r.status_code == 400 and set(r.json()["fields"]) == {"period_end", "share_percent"}
    other_quarter = {**body, "period_start": "2027-01-01", "period_end": "2027-03-31", "steward": w.alice.pk}
    r = sam.post("/api/v1/visit-plans/", other_quarter, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"steward": [services.MSG_NOT_STEWARD]}
    assert VisitPlan.objects.count() == 1
    r = sam.post(f"/api/v1/visit-plans/{plan['id']}/close/", format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["progress"]["cancelled"] == 4
    assert sam.post(f"/api/v1/visit-plans/{plan['id']}/close/", format="json").status_code == 409


# Policies and scripts ---------------------------------------------------------------------------------------


def test_policies_are_checked_and_shared_ones_belong_to_head_office(people):
    sam, hera = client_for(people, "sam"), client_for(people, "hera")
    before = VisitPolicy.objects.count()
    bad = {"project": "A", "kind": "repair", "category": people.attitude.pk, "due_hours": 0, "max_attempts": 11}
    r = sam.post("/api/v1/visit-policies/", bad, format="json")
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"category", "due_hours", "max_attempts"}
    r = sam.post("/api/v1/visit-policies/", {"project": "A", "kind": "repair", "category": 999999}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"category": ["分类不存在"]}
    r = sam.post("/api/v1/visit-policies/", {"kind": "repair", "rule": "never"}, format="json")
    assert r.status_code == 403  # a shared rule: head office only
    assert VisitPolicy.objects.count() == before
    body = {"project": "A", "kind": "repair", "category": people.leak.pk, "assign_to": "complaint_officer"}
    r = sam.post("/api/v1/visit-policies/", body, format="json")
    assert r.status_code == 201 and r.json()["project"] == "A" and r.json()["category_name"] == "漏水渗水"
    policy_id = r.json()["id"]
    assert sam.post("/api/v1/visit-policies/", body, format="json").status_code == 400  # same scope twice
    r = sam.put(f"/api/v1/visit-policies/{policy_id}/", {**body, "project": "B", "due_hours": 8}, format="json")
    assert r.status_code == 200 and r.json()["project"] == "A" and r.json()["due_hours"] == 8
    shared = VisitPolicy.objects.get(project__isnull=True, kind="repair", category__isnull=True)
    r = sam.put(f"/api/v1/visit-policies/{shared.pk}/", {"kind": "repair", "rule": "never"}, format="json")
    assert r.status_code == 403
    r = hera.put(f"/api/v1/visit-policies/{shared.pk}/", {"kind": "repair", "due_hours": 24}, format="json")
    assert r.status_code == 200 and r.json()["project"] is None
    listed = {p["id"] for p in client_for(people, "mike").get("/api/v1/visit-policies/").json()}
    assert shared.pk in listed and policy_id not in listed
    assert client_for(people, "mike").get(f"/api/v1/visit-policies/{policy_id}/").status_code == 404


def test_a_script_with_an_unknown_placeholder_is_refused(people):
    sam = client_for(people, "sam")
    body = {"project": "A", "purpose": "case", "name": "报修回访", "body": "您好{客户称呼}，{业主生日}快乐"}
    r = sam.post("/api/v1/visit-scripts/", body, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"body": ["话术中有无法识别的占位符：{业主生日}"]}
    r = sam.post("/api/v1/visit-scripts/", {**body, "name": "", "purpose": "letter"}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["purpose"]
    assert not VisitScript.objects.filter(project__isnull=False).exists()
    r = sam.post("/api/v1/visit-scripts/", {**body, "body": "{客户称呼}您好"}, format="json")
    assert r.status_code == 201 and r.json()["kind"] == ""
    script_id = r.json()["id"]
    r = sam.put(f"/api/v1/visit-scripts/{script_id}/", {**body, "body": "{客户称呼}您好，{工单摘要}"}, format="json")
    assert r.status_code == 200 and r.json()["body"] == "{客户称呼}您好，{工单摘要}"


# Ratings ---------------------------------------------------------------------------------------------------------


def test_a_resident_rates_their_own_resolved_case_once(people, resolved, new_case):
    w = people.w
    resident = client_for(people, "resident")
    open_case = new_case()
    r = resident.post("/api/v1/ratings/", {"case": open_case.number, "score": 5}, format="json")
    assert r.status_code == 409 and r.json()["message"] == services.MSG_NOT_RESOLVED
    case = resolved()
    r = resident.post("/api/v1/ratings/", {"case": case.number, "score": 9}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"score": [services.MSG_SCORE]}
    assert not CustomerRating.objects.exists()
    r = resident.post(
        "/api/v1/ratings/",
        {"case": case.number.lower(), "score": 1, "comment": "没修好", "solved": False},
        format="json",
    )
    assert r.status_code == 201 and r.json()["case"] == case.number and r.json()["score"] == 1
    assert Notification.objects.filter(recipient=w.stella, title__startswith="客户评价不满意").exists()
    assert CaseEvent.objects.filter(case=case, kind="rating").count() == 1
    r = resident.post("/api/v1/ratings/", {"case": case.number, "score": 5}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "already_rated"
    # Someone else's case does not exist for this account; staff do not rate.
    neighbour = customer_account(w.cust_a2, "resident_a2")
    c = APIClient()
    c.force_authenticate(neighbour)
    r = c.post("/api/v1/ratings/", {"case": case.number, "score": 5}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"case": ["工单不存在"]}
    r = client_for(people, "alice").post("/api/v1/ratings/", {"case": case.number, "score": 5}, format="json")
    assert r.status_code == 403 and r.json()["message"] == visits_api.MSG_CUSTOMERS_ONLY
    assert CustomerRating.objects.count() == 1
