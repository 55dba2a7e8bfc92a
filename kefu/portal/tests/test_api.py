"""/api/v1/portal/: the same scoping as the pages. One customer gets 404 for another's case; staff
tokens get 403; customers get nothing from the staff case API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kefu.tickets import services as ts
from kefu.tickets.models import Case

from .conftest import png

pytestmark = pytest.mark.django_db


def api(user=None, token=False):
    c = APIClient()
    if user is not None:
        if token:
            c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        else:
            c.force_authenticate(user)
    return c


def test_one_customer_gets_not_found_for_anothers_case_by_api(portal, reported):
    case = reported()
    wang = api(portal.wang, token=True)
    base = f"/api/v1/portal/cases/{case.number}"
    assert wang.get(f"{base}/").status_code == 404
    assert wang.post(f"{base}/comments/", {"body": "看看"}).status_code == 404
    assert wang.post(f"{base}/cancel/", {"reason": "不需要"}).status_code == 404
    assert wang.post(f"{base}/rate/", {"score": 1}).status_code == 404
    assert wang.get("/api/v1/portal/cases/BX20990101-0001/").status_code == 404  # missing looks the same
    assert wang.get("/api/v1/portal/cases/").json()["results"] == []
    assert api(portal.zhang, token=True).get(f"{base}/").status_code == 200
    case.refresh_from_db()
    assert case.status == "new"


def test_staff_tokens_and_anonymous_callers_are_refused(portal, reported):
    number = reported().number
    for client in (api(portal.w.alice, token=True), api(portal.w.hera, token=True), api()):
        assert client.get("/api/v1/portal/cases/").status_code == 403
        assert client.get(f"/api/v1/portal/cases/{number}/").status_code == 403
        assert client.post(f"/api/v1/portal/cases/{number}/cancel/", {"reason": "x"}).status_code == 403
    assert Case.objects.get(number=number).status == "new"


def test_customers_cannot_list_or_read_staff_cases(portal, reported, new_case):
    mine = reported()  # created_by zhang
    staff_case = new_case()  # alice took it in for zhang's unit
    zhang = api(portal.zhang, token=True)
    r = zhang.get("/api/v1/cases/?queue=all")
    assert r.status_code in (200, 403) and (r.status_code == 403 or r.json()["results"] == [])
    for number in (mine.number, staff_case.number):
        assert zhang.get(f"/api/v1/cases/{number}/").status_code == 404
        assert zhang.get(f"/api/v1/cases/{number}/events/").status_code == 404
    assert zhang.post(f"/api/v1/cases/{mine.number}/comments/", {"body": "x"}, format="json").status_code == 404


def test_the_portal_api_lists_creates_and_follows_my_cases(portal, resolve):
    w = portal.w
    zhang = api(portal.zhang, token=True)
    options = zhang.get("/api/v1/portal/cases/options/").json()
    assert [u["code"] for u in options["units"]] == [w.unit_a1.code]
    assert {"value": "repair", "label": "报修"} in options["kinds"]
    r = zhang.post(
        "/api/v1/portal/cases/",
        {
            "kind": "repair",
            "unit": w.unit_a1.pk,
            "category": portal.desk.leak.pk,
            "description": "厨房水管漏水",
            "preferred_time": "明天上午",
            "photos": [SimpleUploadedFile("a.png", png(), content_type="image/png")],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    number = body["number"]
    assert (body["status_label"], body["may_cancel"], body["steps"][0]) == (
        "已受理",
        True,
        {"label": "已受理", "state": "current"},
    )
    assert body["attachments"][0]["url"] == f"/m/cases/{number}/files/{body['attachments'][0]['id']}/"
    r = zhang.post("/api/v1/portal/cases/", {"kind": "repair", "unit": w.unit_a2.pk, "description": "x"}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"unit": [ts.MSG_CUSTOMER_UNIT]}

    case = Case.objects.get(number=number)
    ts.case_comment(actor=w.alice, case=case, body="内部备注", is_public=False)
    r = zhang.post(f"/api/v1/portal/cases/{number}/comments/", {"body": "越来越严重"}, format="json")
    kinds = [e["kind"] for e in r.json()["timeline"]]
    assert kinds == ["create", "customer_comment"]  # no internal note (the photo is shown with the report)
    assert zhang.post(f"/api/v1/portal/cases/{number}/rate/", {"score": 5}, format="json").status_code == 409
    resolve(portal.desk, case)
    r = zhang.post(
        f"/api/v1/portal/cases/{number}/rate/",
        {"score": 2, "tags": ["没修好"], "comment": "还在滴水", "solved": False},
        format="json",
    )
    assert r.status_code == 200 and r.json()["rating"]["comment"] == "没修好；还在滴水"
    assert zhang.post(f"/api/v1/portal/cases/{number}/cancel/", {"reason": "x"}, format="json").status_code == 409
    listed = zhang.get("/api/v1/portal/cases/").json()["results"]
    assert [c["number"] for c in listed] == [number]


def test_a_customer_cancels_a_new_case_by_api(portal, reported):
    case = reported()
    r = api(portal.zhang).post(f"/api/v1/portal/cases/{case.number}/cancel/", {"reason": "重复提交"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["steps"] == []
