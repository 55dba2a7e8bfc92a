"""知识库 pages: who reaches them, the FAQ editor, the phrases, canned replies, the render endpoint and the
picker on the case page; the portal FAQ for residents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kefu.conftest import login
from kefu.kb import services
from kefu.kb.models import CannedReply, FaqArticle
from kefu.tickets import services as ts

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/kb/", "/kb/faq/", "/kb/phrases/", "/kb/canned/", "/kb/canned/new/"]


@pytest.fixture
def client():
    return Client()


# Who reaches the staff pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_customers_cannot_reach_staff_kb_pages(faq, client, url):
    login(client, faq.zhang)
    assert client.get(url).status_code == 404


def test_customers_cannot_open_an_article_or_render_a_reply_from_the_console(faq, client):
    reply = services.canned_save(actor=faq.w.hera, title="请评价", body="{客户称呼}您好")
    login(client, faq.zhang)
    assert client.get(f"/kb/faq/{faq.parking_fee.pk}/").status_code == 404
    assert client.get(f"/kb/canned/{reply.pk}/render/?case=X").status_code == 404


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, url, db):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "fred", "stella", "quinn"])
def test_every_staff_member_reads_the_faq_and_phrases(faq, client, who):
    login(client, getattr(faq.w, who))
    page = client.get("/kb/faq/").content.decode()
    assert "停车费如何缴纳？" in page and "怎么在微物业上报事？" in page
    assert "停车费怎么交？" not in page  # project B's
    assert "停车费调价说明（草稿）" not in page  # not published, not theirs to manage
    assert "新增问题" not in page
    assert client.get("/kb/phrases/").status_code == 200
    assert client.get("/kb/faq/new/").status_code == 404


def test_the_menu_offers_the_knowledge_base_to_staff(faq, client):
    login(client, faq.w.alice)
    page = client.get("/kb/faq/").content.decode()
    assert 'href="/kb/faq/"' in page and 'href="/kb/phrases/"' in page and 'href="/kb/canned/"' in page


# FAQ editor ----------------------------------------------------------------------------------------------


def test_a_supervisor_adds_edits_and_deletes_an_article(faq, client):
    w = faq.w
    login(client, w.sam)
    page = client.get("/kb/faq/").content.decode()
    assert "停车费调价说明（草稿）" in page and "新增问题" in page
    response = client.post(
        "/kb/faq/new/",
        {
            "scope": "project",
            "category": "装修",
            "question": "装修押金多少？",
            "answer": "2000 元。\n验收合格后退还。",
            "keywords": "押金",
            "sort": "5",
            "is_published": "on",
        },
    )
    article = FaqArticle.objects.get(question="装修押金多少？")
    assert response.status_code == 302 and response["Location"] == f"/kb/faq/{article.pk}/"
    assert article.project == w.a and article.is_published
    detail = client.get(f"/kb/faq/{article.pk}/").content.decode()
    assert "2000 元。<br>验收合格后退还。" in detail
    client.post(
        f"/kb/faq/{article.pk}/edit/",
        {"category": "装修", "question": "装修押金是多少？", "answer": "2000 元。", "sort": "5"},
    )
    article.refresh_from_db()
    assert article.question == "装修押金是多少？" and not article.is_published and article.project == w.a
    assert client.post(f"/kb/faq/{article.pk}/delete/").status_code == 302
    assert not FaqArticle.objects.filter(pk=article.pk).exists()


def test_a_refused_save_shows_the_errors_on_the_form(faq, client):
    login(client, faq.w.sam)
    response = client.post(
        "/kb/faq/new/", {"scope": "shared", "category": "停车", "question": "共用？", "answer": "否"}
    )
    assert response.status_code == 200
    assert "您没有维护知识库的权限" in response.content.decode()
    assert not FaqArticle.objects.filter(question="共用？").exists()


def test_a_manager_of_b_cannot_edit_or_delete_an_article_of_a(faq, client):
    login(client, faq.w.mike)
    assert client.get(f"/kb/faq/{faq.parking_fee.pk}/edit/").status_code == 404
    assert client.post(f"/kb/faq/{faq.parking_fee.pk}/delete/").status_code == 404
    assert FaqArticle.objects.filter(pk=faq.parking_fee.pk).exists()


def test_answers_are_shown_as_text_not_html(faq, client):
    w = faq.w
    article = services.faq_save(
        actor=w.mia, project=w.a, category="其他", question="标签？", answer='<script>alert("x")</script>\n第二行'
    )
    login(client, w.alice)
    page = client.get(f"/kb/faq/{article.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>第二行" in page
    assert '<script>alert("x")' not in page


def test_staff_search_the_faq_by_words(faq, client):
    login(client, faq.w.alice)
    page = client.get("/kb/faq/", {"q": "停车费怎么交"}).content.decode()
    assert page.index("停车费如何缴纳？") < page.index("物业费怎么交？")
    assert "门禁卡丢了" not in page


# Phrases -------------------------------------------------------------------------------------------------


def test_phrases_are_grouped_by_scene_and_searchable(faq, client):
    w = faq.w
    services.phrase_save(
        actor=w.hera, project=None, scene="soothing", title="客户抱怨时", body="对不起，给您造成不便。"
    )
    services.phrase_save(actor=w.mia, project=w.a, scene="arrears", title="物业费催缴", body="提醒您物业费尚未缴纳。")
    services.phrase_save(actor=w.mike, project=w.b, scene="arrears", title="租金催缴", body="中心大厦提醒您。")
    login(client, w.alice)
    page = client.get("/kb/phrases/").content.decode()
    assert "物业费催缴" in page and "租金催缴" not in page
    assert page.index('<h2 id="scene-1">投诉安抚</h2>') < page.index('<h2 id="scene-2">催缴</h2>')  # call order
    found = client.get("/kb/phrases/", {"q": "抱怨"}).content.decode()
    assert "客户抱怨时" in found and "物业费催缴" not in found
    assert "编辑" not in found  # an agent reads only


def test_a_manager_adds_a_phrase(faq, client):
    login(client, faq.w.mia)
    response = client.post(
        "/kb/phrases/new/",
        {"scope": "project", "scene": "greeting", "title": "接听", "body": "您好，阳光花园", "sort": 0},
    )
    assert response.status_code == 302 and "scene=greeting" in response["Location"]
    assert "您好，阳光花园" in client.get("/kb/phrases/").content.decode()


# Canned replies -------------------------------------------------------------------------------------------


def test_an_agent_keeps_personal_replies_and_an_unknown_placeholder_is_refused_on_the_field(faq, client):
    w = faq.w
    login(client, w.alice)
    response = client.post("/kb/canned/new/", {"scope": "personal", "title": "受理", "body": "{客户名}您好", "sort": 0})
    assert response.status_code == 200
    assert "无法识别的占位符：{客户名}" in response.content.decode()
    assert not CannedReply.objects.exists()
    response = client.post(
        "/kb/canned/new/", {"scope": "personal", "title": "受理", "body": "{客户称呼}您好，已受理。", "sort": 0}
    )
    reply = CannedReply.objects.get()
    assert response.status_code == 302 and reply.owner == w.alice
    login(client, w.sam)
    assert "已受理" not in client.get("/kb/canned/").content.decode()
    assert client.get(f"/kb/canned/{reply.pk}/edit/").status_code == 404
    assert client.post(f"/kb/canned/{reply.pk}/delete/").status_code == 404


def test_an_agent_cannot_add_a_shared_reply(faq, client):
    login(client, faq.w.alice)
    page = client.get("/kb/canned/new/").content.decode()
    assert 'value="personal"' in page and 'value="shared"' not in page and 'value="project"' not in page
    response = client.post("/kb/canned/new/", {"scope": "project", "title": "x", "body": "x", "sort": 0})
    assert response.status_code == 200 and not CannedReply.objects.exists()


# The render endpoint and the picker --------------------------------------------------------------------------


@pytest.fixture
def replies(faq, desk, new_case):
    w = faq.w
    case = new_case(preferred_time="今天下午 3 点")
    case = ts.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, now=case.created_at + dt.timedelta(minutes=5))
    b_case = ts.case_create(actor=w.bob, project=w.b, kind="consultation", channel="phone", title="停车咨询")
    return {
        "case": case,
        "b_case": b_case,
        "shared": services.canned_save(
            actor=w.hera, title="报修已受理", body="{客户称呼}您好，工单 {工单号} 已由{处理人}受理，{预约时间}上门。"
        ),
        "a_only": services.canned_save(actor=w.mia, project=w.a, title="补充照片", body="请补充照片，工单 {工单号}。"),
        "b_only": services.canned_save(actor=w.mike, project=w.b, title="大厦回复", body="中心大厦：{工单号}"),
        "mine": services.canned_save(actor=w.alice, personal=True, title="我的签名", body="{坐席姓名}"),
    }


def test_the_render_endpoint_fills_the_reply_in_for_the_case(faq, replies, client):
    case = replies["case"]
    login(client, faq.w.alice)
    data = client.get(f"/kb/canned/{replies['shared'].pk}/render/", {"case": case.number}).json()
    assert data == {
        "id": replies["shared"].pk,
        "title": "报修已受理",
        "text": f"张伟您好，工单 {case.number} 已由黄永刚受理，今天下午 3 点上门。",
        "missing": [],
    }
    assert client.get(f"/kb/canned/{replies['mine'].pk}/render/", {"case": case.number}).json()["text"] == "王丽"


def test_the_render_endpoint_is_404_outside_the_agents_scope(faq, replies, client):
    w = faq.w
    login(client, w.alice)
    shared = replies["shared"].pk
    assert client.get(f"/kb/canned/{shared}/render/", {"case": replies["b_case"].number}).status_code == 404
    assert client.get(f"/kb/canned/{shared}/render/", {"case": "BX20990101-9999"}).status_code == 404
    assert client.get(f"/kb/canned/{shared}/render/").status_code == 404
    # a reply of project B, and another agent's personal reply
    assert client.get(f"/kb/canned/{replies['b_only'].pk}/render/", {"case": replies["case"].number}).status_code == 404
    login(client, w.sam)
    assert client.get(f"/kb/canned/{replies['mine'].pk}/render/", {"case": replies["case"].number}).status_code == 404
    # bob (agent of B) may use the shared reply on his own case, not on A's
    login(client, w.bob)
    assert client.get(f"/kb/canned/{shared}/render/", {"case": replies["b_case"].number}).status_code == 200
    assert client.get(f"/kb/canned/{shared}/render/", {"case": replies["case"].number}).status_code == 404


def test_a_reply_of_another_project_is_not_used_on_this_case(faq, replies, client):
    login(client, faq.w.hera)  # head office sees both projects
    url = f"/kb/canned/{replies['b_only'].pk}/render/"
    assert client.get(url, {"case": replies["case"].number}).status_code == 404
    assert client.get(url, {"case": replies["b_case"].number}).json()["text"] == f"中心大厦：{replies['b_case'].number}"


def test_the_reply_panel_of_the_case_page_offers_the_picker(faq, replies, client):
    case = replies["case"]
    login(client, faq.w.alice)
    panel = client.get(f"/cases/{case.number}/panel/reply/", HTTP_HX_REQUEST="true").content.decode()
    assert "插入常用回复" in panel
    for title in ("报修已受理", "补充照片", "我的签名"):
        assert title in panel
    assert "大厦回复" not in panel
    assert f"/kb/canned/{replies['shared'].pk}/render/?case={case.number}" in panel
    assert "插入常用回复" not in client.get(f"/cases/{case.number}/panel/transfer/").content.decode()
    assert "插入常用回复" in client.get(f"/cases/{case.number}/?panel=comment").content.decode()


# The portal FAQ ------------------------------------------------------------------------------------------------


def test_a_resident_searches_the_faq_of_their_estate(faq, client):
    login(client, faq.zhang)
    page = client.get("/m/faq/", {"q": "停车费怎么交"}).content.decode()
    assert page.index("停车费如何缴纳？") < page.index("物业费怎么交？")
    assert "停车费怎么交？" not in page and "中心大厦" not in page
    assert "找到 3 个相关问题" in page
    home = client.get("/m/faq/").content.decode()
    assert "怎么在微物业上报事？" in home and "门禁卡丢了怎么补办？" in home
    assert "停车费调价说明（草稿）" not in home
    assert client.get("/m/faq/", {"category": "门禁"}).content.decode().count('data-faq="') == 1


def test_a_resident_reads_an_article_and_it_counts(faq, client):
    login(client, faq.zhang)
    page = client.get(f"/m/faq/{faq.parking_fee.pk}/").content.decode()
    assert "在微物业「我的」中续费月卡" in page and "临时停车怎么收费？" in page  # the same category
    faq.parking_fee.refresh_from_db()
    assert faq.parking_fee.view_count == 1


def test_a_resident_gets_not_found_for_another_estates_or_an_unpublished_article(faq, client):
    login(client, faq.zhang)
    assert client.get(f"/m/faq/{faq.b_parking.pk}/").status_code == 404
    assert client.get(f"/m/faq/{faq.draft.pk}/").status_code == 404
    login(client, faq.li)
    assert client.get(f"/m/faq/{faq.parking_fee.pk}/").status_code == 404
    assert client.get(f"/m/faq/{faq.shared_report.pk}/").status_code == 200


def test_the_portal_faq_is_for_logged_in_residents(faq, client):
    response = client.get("/m/faq/")
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
    login(client, faq.w.alice)
    assert client.get("/m/faq/")["Location"] == "/"
