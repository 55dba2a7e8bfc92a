"""Knowledge-base writes: who may change what, Chinese field errors, placeholders refused at save."""

from __future__ import annotations

import pytest

from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.kb import selectors, services
from kefu.kb.models import CannedReply, FaqArticle, Phrase

pytestmark = pytest.mark.django_db


def faq_kwargs(**kw):
    return {"category": "停车", "question": "车位怎么租？", "answer": "到前台登记。", **kw}


def test_a_supervisor_manages_the_faq_of_her_project_only(world):
    w = world
    article = services.faq_save(actor=w.sam, project=w.a, **faq_kwargs())
    assert article.project == w.a and article.created_by == w.sam
    with pytest.raises(Forbidden) as exc:
        services.faq_save(actor=w.sam, project=w.b, **faq_kwargs())
    assert exc.value.message == "您没有维护知识库的权限"
    with pytest.raises(Forbidden):
        services.faq_delete(actor=w.mike, article=article)  # manager of B


@pytest.mark.parametrize("who", ["alice", "stella", "fred", "quinn"])
def test_staff_without_the_permission_cannot_write_the_faq_or_phrases(world, who):
    user = getattr(world, who)
    with pytest.raises(Forbidden):
        services.faq_save(actor=user, project=world.a, **faq_kwargs())
    with pytest.raises(Forbidden):
        services.phrase_save(actor=user, project=world.a, scene="greeting", title="接听", body="您好")
    assert not FaqArticle.objects.exists() and not Phrase.objects.exists()


def test_shared_rows_are_for_head_office(world):
    w = world
    with pytest.raises(Forbidden):
        services.faq_save(actor=w.mia, project=None, **faq_kwargs())
    shared = services.faq_save(actor=w.hera, project=None, **faq_kwargs())
    assert shared.project is None
    with pytest.raises(Forbidden):
        services.faq_save(actor=w.mia, article=shared, **faq_kwargs(question="改一下"))


def test_an_edit_keeps_the_project(world):
    w = world
    article = services.faq_save(actor=w.mia, project=w.a, **faq_kwargs())
    edited = services.faq_save(actor=w.mia, article=article, project=w.b, **faq_kwargs(question="车位出租"))
    assert edited.project == w.a and edited.question == "车位出租"


def test_missing_and_too_long_fields_are_refused_in_chinese(world):
    with pytest.raises(ValidationFailed) as exc:
        services.faq_save(actor=world.mia, project=world.a, category=" ", question="x" * 201, answer="", sort=10**5)
    assert exc.value.fields == {
        "category": ["请填写分类"],
        "question": ["问题不能超过 200 个字"],
        "answer": ["请填写解答"],
        "sort": ["排序须为 -9999 到 9999 之间的整数"],
    }
    assert not FaqArticle.objects.exists()


def test_a_phrase_needs_a_known_scene(world):
    with pytest.raises(ValidationFailed) as exc:
        services.phrase_save(actor=world.mia, project=world.a, scene="chat", title="闲聊", body="……")
    assert exc.value.fields == {"scene": ["请选择有效的场景"]}


def test_every_staff_member_reads_phrases_of_their_projects_and_shared_ones(world):
    w = world
    a = services.phrase_save(actor=w.mia, project=w.a, scene="arrears", title="催缴", body="您好，提醒您……")
    shared = services.phrase_save(actor=w.hera, project=None, scene="closing", title="结束语", body="再见！")
    b = services.phrase_save(actor=w.mike, project=w.b, scene="greeting", title="接听", body="您好，中心大厦")
    assert set(selectors.phrases_for(w.fred)) == {a, shared}
    assert set(selectors.phrases_for(w.bob)) == {b, shared}
    assert list(selectors.phrase_list(user=w.alice, q="催缴")) == [a]
    with pytest.raises(NotFound):
        selectors.phrase_get(user=w.bob, pk=a.pk)


def test_an_unknown_placeholder_is_refused_with_the_known_ones_listed(world):
    with pytest.raises(ValidationFailed) as exc:
        services.canned_save(
            actor=world.alice, personal=True, title="受理", body="{客户名}您好，您的工单{工单号}已受理，{预约}上门。"
        )
    (message,) = exc.value.fields["body"]
    assert message.startswith("无法识别的占位符：{客户名}、{预约}。可用的占位符：{客户称呼}、{客户姓名}、")
    assert "{预约时间}" in message and "{处理人}" in message
    assert not CannedReply.objects.exists()


def test_a_personal_reply_is_its_owners_alone(world):
    w = world
    mine = services.canned_save(actor=w.alice, personal=True, title="签名", body="{坐席姓名}，{项目名称}")
    assert mine.owner == w.alice and mine.project is None
    assert list(selectors.canned_for(w.alice)) == [mine]
    assert list(selectors.canned_for(w.sam)) == []
    with pytest.raises(NotFound):
        selectors.canned_get(user=w.sam, pk=mine.pk)
    with pytest.raises(NotFound):  # even a manager cannot touch it: it does not exist for them
        services.canned_save(actor=w.mia, reply=mine, title="改", body="改")
    with pytest.raises(NotFound):
        services.canned_delete(actor=w.mia, reply=mine)
    services.canned_delete(actor=w.alice, reply=mine)
    assert not CannedReply.objects.exists()


def test_shared_replies_need_the_permission_and_reach_their_projects(world):
    w = world
    with pytest.raises(Forbidden):
        services.canned_save(actor=w.alice, project=w.a, title="已受理", body="已受理")
    a = services.canned_save(actor=w.sam, project=w.a, title="已受理", body="{客户称呼}您好")
    shared = services.canned_save(actor=w.hera, project=None, title="请评价", body="请评价")
    assert set(selectors.canned_for(w.alice)) == {a, shared}
    assert set(selectors.canned_for(w.bob)) == {shared}
    assert list(selectors.canned_list(user=w.alice, q="受理")) == [a]


def test_customers_have_no_canned_replies(faq):
    with pytest.raises(Forbidden):
        services.canned_save(actor=faq.zhang, personal=True, title="x", body="x")
    assert list(selectors.canned_for(faq.zhang)) == []
    assert list(selectors.phrases_for(faq.zhang)) == []


def test_reading_an_article_counts_a_view(faq):
    services.faq_viewed(actor=faq.zhang, article=faq.parking_fee)
    services.faq_viewed(actor=faq.zhang, article=faq.parking_fee)
    faq.parking_fee.refresh_from_db()
    assert faq.parking_fee.view_count == 2
