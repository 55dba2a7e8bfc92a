"""/api/v1/faq/ and /api/v1/canned-replies/: each user sees only their own share."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from kefu.kb import services
from kefu.kb.models import CannedReply
from kefu.tickets import services as ts

pytestmark = pytest.mark.django_db


def as_user(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def questions(response):
    assert response.status_code == 200, response.content
    return [r["question"] for r in response.json()["results"]]


# FAQ -----------------------------------------------------------------------------------------------------------


def test_a_resident_reads_the_shared_faq_and_their_estates(faq):
    found = questions(as_user(faq.zhang).get("/api/v1/faq/"))
    assert set(found) == {
        "停车费如何缴纳？",
        "临时停车怎么收费？",
        "物业费怎么交？",
        "门禁卡丢了怎么补办？",
        "怎么在微物业上报事？",
    }
    assert set(questions(as_user(faq.li).get("/api/v1/faq/"))) == {"停车费怎么交？", "怎么在微物业上报事？"}


def test_the_api_searches_with_q_best_first(faq):
    data = as_user(faq.zhang).get("/api/v1/faq/", {"q": "停车费怎么交"}).json()["results"]
    assert data[0]["question"] == "停车费如何缴纳？" and data[0]["project"] == "A"
    assert data[0]["score"] >= 100 and all(r["question"] != "停车费怎么交？" for r in data)
    assert [r["score"] for r in data] == sorted((r["score"] for r in data), reverse=True)


def test_a_resident_gets_404_for_another_estates_article_and_counts_a_view_of_their_own(faq):
    api = as_user(faq.zhang)
    assert api.get(f"/api/v1/faq/{faq.b_parking.pk}/").status_code == 404
    assert api.get(f"/api/v1/faq/{faq.draft.pk}/").status_code == 404
    assert api.get(f"/api/v1/faq/{faq.parking_fee.pk}/").json()["answer"].startswith("在微物业")
    faq.parking_fee.refresh_from_db()
    assert faq.parking_fee.view_count == 1


def test_staff_read_the_published_faq_of_their_projects(faq):
    w = faq.w
    alice = questions(as_user(w.alice).get("/api/v1/faq/", {"q": "停车费"}))
    assert "停车费如何缴纳？" in alice and "停车费怎么交？" not in alice and "停车费调价说明（草稿）" not in alice
    assert as_user(w.alice).get(f"/api/v1/faq/{faq.b_parking.pk}/").status_code == 404
    hera = as_user(w.hera)
    assert set(questions(hera.get("/api/v1/faq/", {"project": "B"}))) == {"停车费怎么交？", "怎么在微物业上报事？"}
    assert as_user(w.alice).get("/api/v1/faq/", {"project": "B"}).json()["code"] == "invalid"
    assert staff_views_do_not_count(faq)


def staff_views_do_not_count(faq):
    as_user(faq.w.alice).get(f"/api/v1/faq/{faq.parking_fee.pk}/")
    faq.parking_fee.refresh_from_db()
    return faq.parking_fee.view_count == 0


def test_anonymous_callers_get_nothing(faq):
    assert APIClient().get("/api/v1/faq/").status_code in (401, 403)
    assert APIClient().get("/api/v1/canned-replies/").status_code in (401, 403)


# Canned replies --------------------------------------------------------------------------------------------------


@pytest.fixture
def canned(faq, desk, new_case):
    w = faq.w
    case = new_case()
    case = ts.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, now=case.created_at + dt.timedelta(minutes=5))
    return {
        "case": case,
        "b_case": ts.case_create(actor=w.bob, project=w.b, kind="consultation", channel="phone", title="停车咨询"),
        "shared": services.canned_save(actor=w.hera, title="已受理", body="{客户称呼}您好，{工单号}已由{处理人}受理。"),
        "a_only": services.canned_save(actor=w.mia, project=w.a, title="补充照片", body="请补充照片。"),
        "b_only": services.canned_save(actor=w.mike, project=w.b, title="大厦回复", body="中心大厦"),
        "alice": services.canned_save(actor=w.alice, personal=True, title="王丽签名", body="{坐席姓名}"),
        "sam": services.canned_save(actor=w.sam, personal=True, title="主管签名", body="{坐席姓名}"),
    }


def titles(response):
    assert response.status_code == 200, response.content
    return [r["title"] for r in response.json()["results"]]


def test_each_staff_member_lists_their_own_and_the_shared_replies(faq, canned):
    w = faq.w
    assert titles(as_user(w.alice).get("/api/v1/canned-replies/")) == ["王丽签名", "已受理", "补充照片"]
    assert set(titles(as_user(w.bob).get("/api/v1/canned-replies/"))) == {"已受理", "大厦回复"}
    assert set(titles(as_user(w.hera).get("/api/v1/canned-replies/"))) == {"已受理", "补充照片", "大厦回复"}
    mine = as_user(w.alice).get("/api/v1/canned-replies/").json()["results"][0]
    assert mine["personal"] is True and mine["project"] is None


def test_customers_get_403_from_canned_replies(faq, canned):
    assert as_user(faq.zhang).get("/api/v1/canned-replies/").status_code == 403
    assert as_user(faq.zhang).get(f"/api/v1/canned-replies/{canned['shared'].pk}/").status_code == 403


def test_someone_elses_personal_reply_and_another_projects_are_404(faq, canned):
    api = as_user(faq.w.alice)
    for key in ("sam", "b_only"):
        assert api.get(f"/api/v1/canned-replies/{canned[key].pk}/").status_code == 404
        assert api.delete(f"/api/v1/canned-replies/{canned[key].pk}/").status_code == 404
    assert api.get("/api/v1/canned-replies/abc/").status_code == 404


def test_the_list_for_a_case_and_the_render_action(faq, canned):
    w = faq.w
    api = as_user(w.alice)
    case = canned["case"]
    assert titles(api.get("/api/v1/canned-replies/", {"case": case.number})) == ["王丽签名", "已受理", "补充照片"]
    assert api.get("/api/v1/canned-replies/", {"case": canned["b_case"].number}).status_code == 404
    data = api.get(f"/api/v1/canned-replies/{canned['shared'].pk}/render/", {"case": case.number}).json()
    assert data["text"] == f"张伟您好，{case.number}已由黄永刚受理。" and data["missing"] == []
    url = f"/api/v1/canned-replies/{canned['shared'].pk}/render/"
    assert api.get(url, {"case": canned["b_case"].number}).status_code == 404
    assert api.get(url).json()["fields"] == {"case": ["请填写工单号（case）"]}
    hera = as_user(w.hera)
    assert hera.get(f"/api/v1/canned-replies/{canned['b_only'].pk}/render/", {"case": case.number}).status_code == 404


def test_creating_and_changing_replies_through_the_api(faq, canned):
    w = faq.w
    api = as_user(w.alice)
    response = api.post("/api/v1/canned-replies/", {"title": "催单", "body": "{客户名}您好"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["body"][0].startswith("无法识别的占位符：{客户名}")
    response = api.post("/api/v1/canned-replies/", {"title": "催单", "body": "{客户称呼}您好"}, format="json")
    assert response.status_code == 201 and response.json()["personal"] is True
    pk = response.json()["id"]
    assert api.put(f"/api/v1/canned-replies/{pk}/", {"title": "催单", "body": "改了"}, format="json").status_code == 200
    assert CannedReply.objects.get(pk=pk).body == "改了"
    shared = {"title": "共用", "body": "x", "scope": "project", "project": "A"}
    assert api.post("/api/v1/canned-replies/", shared, format="json").status_code == 403
    assert as_user(w.sam).post("/api/v1/canned-replies/", shared, format="json").status_code == 201
    assert api.put(f"/api/v1/canned-replies/{canned['a_only'].pk}/", shared, format="json").status_code == 403
    assert api.delete(f"/api/v1/canned-replies/{pk}/").status_code == 204
