"""The survey API: who may call each endpoint, answering through the API and figures that equal a count made
by hand, bad answers that write nothing, refused state changes, and a resident answering their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from kefu import testing as t
from kefu.org.roles import Role
from kefu.surveys import api as surveys_api
from kefu.surveys import services
from kefu.surveys.models import Answer, Response, Survey
from kefu.visits.models import ReturnVisit
from kefu.visits.tests.conftest import fill_zone

USERS = ["alice", "sam", "stella", "sara", "fred", "bob", "hera", "resident", "anon"]


def E(alice, sam, stella, sara, fred, bob, hera, resident, anon=403):
    return dict(zip(USERS, [alice, sam, stella, sara, fred, bob, hera, resident, anon], strict=True))


def customer_account(customer, username):
    user = t.UserFactory(kind="customer", username=username)
    customer.account = user
    customer.save(update_fields=["account"])
    return user


@pytest.fixture
def people(world):
    """world + sara (steward of zone A2) + resident (the portal account of cust_a1, who lives in unit_a1)."""
    world.sara = t.staff(Role.STEWARD, world.a, zones=[world.a2], username="sara", name="周莎")
    world.resident = customer_account(world.cust_a1, "resident_a1")
    return world


def client_for(world, who):
    c = APIClient()
    if who != "anon":
        c.force_authenticate(getattr(world, who))
    return c


CREATE = {"project": "A", "name": "2026年下半年满意度调查", "period_start": "2026-12-01", "period_end": "2026-12-31"}


def draft(world):
    return services.survey_create(
        actor=world.mia,
        project=world.a,
        name=CREATE["name"],
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 31),
    )


def opened(world, seed=42):
    return services.survey_open(actor=world.mia, survey=draft(world), seed=seed)


def q(survey, kind, dimension=""):
    return survey.questions.get(kind=kind, **({"dimension": dimension} if dimension else {}))


def answers(survey, overall, *, service=5, repair=5, nps=9, text=""):
    """A whole questionnaire in the API's shape: one {question, score} or {question, text} per question."""
    scores = {
        q(survey, "rating", "客服接待").pk: service,
        q(survey, "rating", "工程维修").pk: repair,
        q(survey, "rating", "秩序停车").pk: 4,
        q(survey, "rating", "保洁绿化").pk: 4,
        q(survey, "overall").pk: overall,
        q(survey, "nps").pk: nps,
    }
    return [{"question": pk, "score": s} for pk, s in scores.items()] + [
        {"question": q(survey, "text").pk, "text": text}
    ]


# Who may call what ------------------------------------------------------------------------------------------


@dataclass
class Row:
    route: str
    method: str
    setup: str
    path: str
    expect: dict[str, int]
    body: Any = field(default=None)

    @property
    def id(self):
        return f"{self.route}-{self.method}-{self.setup}"


EVERYONE = E(200, 200, 200, 200, 200, 200, 200, 200)
SURVEY_READERS = E(200, 200, 200, 200, 404, 404, 200, 404)
MANAGERS = E(403, 200, 403, 403, 404, 404, 200, 404)  # those who see it; only managers may act
A1_ANSWERERS = E(200, 200, 200, 404, 404, 404, 200, 200)  # resident: their own household


def submit_body(world, ctx):
    return {"answers": answers(ctx["obj"].survey, 5), "channel": "phone"}


ROWS = [
    Row("surveys-list", "GET", "open", "/api/v1/surveys/", EVERYONE),
    Row("surveys-list", "POST", "none", "/api/v1/surveys/", E(403, 201, 403, 403, 403, 403, 201, 403), CREATE),
    Row("surveys-detail", "GET", "open", "/api/v1/surveys/{id}/", SURVEY_READERS),
    Row("surveys-detail", "PUT", "draft", "/api/v1/surveys/{id}/", MANAGERS, {**CREATE, "name": "改名"}),
    Row("surveys-open", "POST", "draft", "/api/v1/surveys/{id}/open/", MANAGERS),
    Row("surveys-close", "POST", "open", "/api/v1/surveys/{id}/close/", MANAGERS),
    Row("surveys-figures", "GET", "open", "/api/v1/surveys/{id}/figures/", SURVEY_READERS),
    Row("surveys-responses", "GET", "open", "/api/v1/surveys/{id}/responses/", SURVEY_READERS),
    Row("survey-responses-list", "GET", "open", "/api/v1/survey-responses/", E(403, 403, 403, 403, 403, 403, 403, 200)),
    Row("survey-responses-detail", "GET", "a1", "/api/v1/survey-responses/{id}/", A1_ANSWERERS),
    Row(
        "survey-responses-detail",
        "GET",
        "a2",
        "/api/v1/survey-responses/{id}/",
        E(200, 200, 404, 200, 404, 404, 200, 404),
    ),
    Row("survey-responses-submit", "POST", "a1", "/api/v1/survey-responses/{id}/submit/", A1_ANSWERERS, submit_body),
    Row(
        "survey-responses-submit",
        "POST",
        "a2",
        "/api/v1/survey-responses/{id}/submit/",
        E(200, 200, 404, 200, 404, 404, 200, 404),
        submit_body,
    ),
    Row(
        "survey-responses-decline",
        "POST",
        "a1",
        "/api/v1/survey-responses/{id}/decline/",
        E(200, 200, 200, 404, 404, 404, 200, 403),
    ),
]
MATRIX = [(row, who) for row in ROWS for who in USERS]


def make(world, setup):
    if setup == "none":
        return {}
    if setup == "draft":
        return {"obj": draft(world)}
    survey = opened(world)
    if setup == "open":
        return {"obj": survey}
    unit = world.unit_a1 if setup == "a1" else world.unit_a2
    return {"obj": survey.responses.get(unit=unit)}


@pytest.mark.parametrize(("row", "who"), MATRIX, ids=[f"{row.id}-{who}" for row, who in MATRIX])
def test_it_answers_each_caller_as_the_matrix_says(people, row, who):
    ctx = make(people, row.setup)
    path = row.path.format(id=ctx["obj"].pk if ctx else "")
    body = row.body(people, ctx) if callable(row.body) else (row.body or {})
    c = client_for(people, who)
    r = getattr(c, row.method.lower())(path, body, format="json") if row.method != "GET" else c.get(path)
    assert r.status_code == row.expect[who], r.content.decode()[:300]
    if r.status_code >= 400:
        assert set(r.json()) == {"code", "message", "fields"}


def test_it_has_an_expectation_for_every_route():
    router = DefaultRouter()
    surveys_api.register(router)
    published = set()
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            published |= {(pattern.name, method.upper()) for method in actions}
    covered = {(row.route, row.method) for row in ROWS}
    assert published == covered


# Answering through the API, then the figures -------------------------------------------------------------------


@pytest.fixture
def estate(people):
    fill_zone(people.a1, {"10": 6, "11": 4})  # zone A1: 10 + the fixture's unit_a1 = 11 households
    fill_zone(people.a2, {"20": 8})  # zone A2: 8 + unit_a2 = 9 households
    return people


def test_survey_answered_through_the_api_gives_figures_equal_to_a_count_by_hand(estate):
    w = estate
    sam = client_for(w, "sam")
    r = sam.post("/api/v1/surveys/", CREATE, format="json")
    assert r.status_code == 201, r.json()
    survey = r.json()
    assert survey["status"] == "draft" and [x["kind"] for x in survey["questions"]] == [
        "rating", "rating", "rating", "rating", "overall", "nps", "text",
    ]  # fmt: skip
    r = sam.post(f"/api/v1/surveys/{survey['id']}/open/", {"seed": 42}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["seed"] == 42
    s = Survey.objects.get(pk=survey["id"])

    listing = sam.get(f"/api/v1/surveys/{s.pk}/responses/", {"page_size": 100}).json()
    assert listing["count"] == 20  # every household of project A
    by_zone = {"A1": [], "A2": []}
    for row in sorted(listing["results"], key=lambda x: x["unit"]):
        by_zone[row["zone"]].append(row["id"])
    a1, a2 = by_zone["A1"], by_zone["A2"]
    assert (len(a1), len(a2)) == (11, 9)

    # Zone A1: 8 answers, overall 5,5,4,4,4,3,2,1 (NPS 10 for a 5, 7 for 3-4, 2 below); 1 declined; 2 not reached.
    a1_overall = [5, 5, 4, 4, 4, 3, 2, 1]
    for rid, score in zip(a1, a1_overall, strict=False):
        nps = 10 if score == 5 else 7 if score >= 3 else 2
        body = {"answers": answers(s, score, nps=nps, text="电梯太旧" if score <= 2 else ""), "channel": "phone"}
        r = sam.post(f"/api/v1/survey-responses/{rid}/submit/", body, format="json")
        assert r.status_code == 200, r.json()
    assert sam.post(f"/api/v1/survey-responses/{a1[8]}/decline/", format="json").json()["status"] == "declined"
    # Zone A2: 5 answers, overall 5,4,4,3,3, 客服接待 3, NPS 8, by a home visit.
    a2_overall = [5, 4, 4, 3, 3]
    for rid, score in zip(a2, a2_overall, strict=False):
        body = {"answers": answers(s, score, service=3, nps=8), "channel": "visit"}
        r = sam.post(f"/api/v1/survey-responses/{rid}/submit/", body, format="json")
        assert r.status_code == 200 and r.json()["channel"] == "visit" and r.json()["overall"] == score

    f = sam.get(f"/api/v1/surveys/{s.pk}/figures/").json()
    answered = a1_overall + a2_overall
    satisfied = [x for x in answered if x >= 4]
    assert (f["overall"]["invited"], f["overall"]["answered"], f["overall"]["satisfied"]) == (20, 13, len(satisfied))
    assert f["overall"]["response_rate"] == 13 / 20 and f["overall"]["csat"] == len(satisfied) / 13
    assert f["overall"]["mean"] == pytest.approx(sum(answered) / 13)
    zones = {z["label"]: z for z in f["by_zone"]}
    assert (zones["一区"]["invited"], zones["一区"]["answered"], zones["一区"]["satisfied"]) == (11, 8, 5)
    assert zones["一区"]["csat"] == 5 / 8 and zones["一区"]["mean"] == pytest.approx(28 / 8)
    assert (zones["二区"]["invited"], zones["二区"]["answered"], zones["二区"]["csat"]) == (9, 5, 3 / 5)
    assert sum(b["invited"] for b in f["by_building"]) == 20 and len(f["by_building"]) == 5
    dims = {d["label"]: d for d in f["by_dimension"]}
    assert dims["客服接待"]["scored"] == 13 and dims["客服接待"]["csat"] == 8 / 13  # 5 ×8 in A1, 3 ×5 in A2
    assert dims["秩序停车"]["csat"] == 1.0
    # NPS: promoters (9-10) are A1's two 5s; detractors (0-6) A1's 2 and 1; the other 9 are passives.
    assert f["nps"] == {"answers": 13, "promoters": 2, "passives": 9, "detractors": 2, "score": 0.0}

    # The steward sees the questionnaires and the figures of her own zone only.
    stella = client_for(w, "stella")
    mine = stella.get(f"/api/v1/surveys/{s.pk}/responses/", {"page_size": 100}).json()
    assert mine["count"] == 11 and {x["zone"] for x in mine["results"]} == {"A1"}
    f1 = stella.get(f"/api/v1/surveys/{s.pk}/figures/").json()
    assert (f1["overall"]["invited"], f1["overall"]["answered"]) == (11, 8)
    assert [z["label"] for z in f1["by_zone"]] == ["一区"]
    # The two dissatisfied respondents are waiting for her follow-up call.
    follow = stella.get("/api/v1/return-visits/", {"source": "survey", "queue": "mine"}).json()["results"]
    assert len(follow) == 2 and {v["survey_response"] for v in follow} == {a1[6], a1[7]}


def test_bad_answers_are_refused_question_by_question_and_nothing_is_written(people):
    survey = opened(people)
    response = survey.responses.get(unit=people.unit_a1)
    sam = client_for(people, "sam")
    url = f"/api/v1/survey-responses/{response.pk}/submit/"
    overall, nps = q(survey, "overall"), q(survey, "nps")
    body = answers(survey, 6, nps=11)
    r = sam.post(url, {"answers": body}, format="json")
    assert r.status_code == 400
    assert r.json()["fields"] == {f"q{overall.pk}": ["分数须在 1-5 之间"], f"q{nps.pk}": ["分数须在 0-10 之间"]}
    r = sam.post(url, {"answers": [a for a in answers(survey, 4) if a["question"] != overall.pk]}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {f"q{overall.pk}": [services.MSG_REQUIRED]}
    r = sam.post(url, {"answers": [*answers(survey, 4), {"question": 999999, "score": 5}]}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"answers": ["含有不属于本调查的题目"]}
    r = sam.post(url, {"answers": [*answers(survey, 4), {"question": overall.pk, "score": 5}]}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["answers"]
    r = sam.post(url, {"answers": answers(survey, 4), "channel": "fax"}, format="json")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["channel"]
    response.refresh_from_db()
    assert response.status == Response.Status.PENDING and not Answer.objects.exists()
    assert sam.post(url, {"answers": answers(survey, 4)}, format="json").status_code == 200
    r = sam.post(url, {"answers": answers(survey, 5)}, format="json")
    assert r.status_code == 409 and r.json()["message"] == services.MSG_ANSWERED
    assert Answer.objects.filter(response=response, question=overall).get().score == 4


def test_a_closed_survey_takes_no_answers_and_an_open_one_no_edits(people):
    survey = opened(people)
    sam = client_for(people, "sam")
    r = sam.put(f"/api/v1/surveys/{survey.pk}/", {**CREATE, "name": "改名"}, format="json")
    assert r.status_code == 409 and r.json()["message"] == services.MSG_NOT_DRAFT
    assert sam.post(f"/api/v1/surveys/{survey.pk}/open/", format="json").status_code == 409
    assert sam.post(f"/api/v1/surveys/{survey.pk}/close/", format="json").json()["status"] == "closed"
    response = survey.responses.get(unit=people.unit_a2)
    r = sam.post(f"/api/v1/survey-responses/{response.pk}/submit/", {"answers": answers(survey, 5)}, format="json")
    assert r.status_code == 409 and r.json()["message"] == services.MSG_NOT_OPEN
    assert sam.post(f"/api/v1/surveys/{survey.pk}/close/", format="json").status_code == 409


def test_a_draft_is_checked_and_edited_with_its_version(people):
    sam = client_for(people, "sam")
    r = sam.post("/api/v1/surveys/", {**CREATE, "questions": [{"kind": "rating", "text": "客服？"}]}, format="json")
    assert r.status_code == 400
    assert r.json()["fields"] == {
        "questions": ["第 1 题：分项评分须填写维度", "请至少设置一道总体满意度题目（且只能有一道）"]
    }
    r = sam.post("/api/v1/surveys/", {**CREATE, "name": " ", "period_end": "2026-11-30"}, format="json")
    assert r.status_code == 400 and set(r.json()["fields"]) == {"name", "period_end"}
    r = sam.post("/api/v1/surveys/", {**CREATE, "project": "B"}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"project": ["项目不存在"]}
    assert not Survey.objects.exists()
    questions = [
        {"kind": "overall", "text": "总体满意度？"},
        {"kind": "text", "text": "建议？", "required": False},
    ]
    r = sam.post("/api/v1/surveys/", {**CREATE, "questions": questions}, format="json")
    assert r.status_code == 201 and [x["kind"] for x in r.json()["questions"]] == ["overall", "text"]
    sid, version = r.json()["id"], r.json()["version"]
    update = {**CREATE, "name": "年终调查", "sample": "share", "share_percent": 50, "version": version}
    r = sam.put(f"/api/v1/surveys/{sid}/", update, format="json")
    assert r.status_code == 200 and r.json()["name"] == "年终调查" and r.json()["share_percent"] == 50
    assert [x["kind"] for x in r.json()["questions"]] == ["overall", "text"]  # questions left out: unchanged
    r = sam.put(f"/api/v1/surveys/{sid}/", {**update, "name": "又改名"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "stale"
    assert Survey.objects.get(pk=sid).name == "年终调查"


def test_a_resident_answers_their_own_questionnaire_in_the_portal_and_no_one_elses(people):
    survey = opened(people)
    resident = client_for(people, "resident")
    waiting = resident.get("/api/v1/survey-responses/").json()["results"]
    assert [x["unit_code"] for x in waiting] == [people.unit_a1.code]
    rid = waiting[0]["id"]
    detail = resident.get(f"/api/v1/survey-responses/{rid}/").json()
    assert len(detail["questions"]) == 7 and detail["answers"] == []
    r = resident.post(f"/api/v1/survey-responses/{rid}/decline/", format="json")
    assert r.status_code == 403
    r = resident.post(
        f"/api/v1/survey-responses/{rid}/submit/",
        {"answers": answers(survey, 5, text="管家很负责"), "channel": "phone"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["channel"] == "portal"
    assert {a["text"] for a in r.json()["answers"]} >= {"管家很负责"}
    assert Response.objects.get(pk=rid).answered_by == people.resident
    assert resident.get("/api/v1/survey-responses/").json()["results"] == []
    neighbour = survey.responses.get(unit=people.unit_a2)
    assert resident.get(f"/api/v1/survey-responses/{neighbour.pk}/").status_code == 404
    r = resident.post(f"/api/v1/survey-responses/{neighbour.pk}/submit/", {"answers": []}, format="json")
    assert r.status_code == 404
    assert not ReturnVisit.objects.exists()  # a satisfied answer brings no follow-up
