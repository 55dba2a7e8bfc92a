"""FAQ search: Chinese words (jieba), ranked question > keywords > answer, never outside the reader's scope.
Runs on SQLite and on PostgreSQL (bin/test with DATABASE_URL)."""

from __future__ import annotations

import pytest

from kefu.kb import search, selectors, services

pytestmark = pytest.mark.django_db


def questions(qs):
    return [a.question for a in qs]


def test_it_ranks_the_parking_fee_article_first_for_a_resident_of_a(faq):
    found = questions(selectors.faq_list(user=faq.zhang, q="停车费怎么交"))
    assert found[0] == "停车费如何缴纳？"
    assert "停车费怎么交？" not in found  # project B's article, same words: not this resident's estate
    assert "停车费调价说明（草稿）" not in found  # unpublished


def test_a_specific_word_outranks_a_one_character_one(faq):
    found = questions(selectors.faq_list(user=faq.zhang, q="停车费怎么交"))
    assert found == ["停车费如何缴纳？", "临时停车怎么收费？", "物业费怎么交？"]  # 停车 > 交


def test_it_gives_the_resident_of_b_their_own_estates_article(faq):
    found = questions(selectors.faq_list(user=faq.li, q="停车费怎么交"))
    assert found == ["停车费怎么交？"]


def test_a_word_in_the_question_outranks_keywords_and_keywords_outrank_the_answer(faq):
    w = faq.w
    in_answer = services.faq_save(
        actor=w.mia, project=w.a, category="其他", question="小区有几个出入口？", answer="东门、北门，北门可走车。"
    )
    in_keywords = services.faq_save(
        actor=w.mia, project=w.a, category="其他", question="夜间如何进出小区？", answer="刷卡进入。", keywords="北门"
    )
    in_question = services.faq_save(
        actor=w.mia, project=w.a, category="其他", question="北门几点关闭？", answer="23:00 关闭。"
    )
    found = list(selectors.faq_list(user=faq.zhang, q="北门"))
    assert found == [in_question, in_keywords, in_answer]
    assert [a.search_rank for a in found] == [200, 20, 2]  # weight x word length


def test_question_words_alone_do_not_match_everything(faq):
    # 怎么 is in several questions; with a real word beside it only that word counts.
    found = questions(selectors.faq_list(user=faq.zhang, q="门禁卡怎么办"))
    assert found == ["门禁卡丢了怎么补办？"]


def test_a_query_of_only_question_words_still_finds_something(faq):
    assert "物业费怎么交？" in questions(selectors.faq_list(user=faq.zhang, q="怎么"))


def test_punctuation_and_query_syntax_are_plain_text(faq):
    assert questions(selectors.faq_list(user=faq.zhang, q="？？！")) == []
    assert questions(selectors.faq_list(user=faq.zhang, q="%")) == []
    assert questions(selectors.faq_list(user=faq.zhang, q='"门禁" OR *')) == ["门禁卡丢了怎么补办？"]


def test_shared_articles_are_found_by_every_resident(faq):
    assert questions(selectors.faq_list(user=faq.li, q="报事")) == ["怎么在微物业上报事？"]
    assert questions(selectors.faq_list(user=faq.zhang, q="报事")) == ["怎么在微物业上报事？"]


def test_the_category_is_searchable_like_a_keyword(faq):
    assert "门禁卡丢了怎么补办？" in questions(selectors.faq_list(user=faq.zhang, q="门禁"))
    assert faq.access_card.search_keywords.strip().split() == ["补卡", "挂失", "门禁"]


def test_an_edit_reindexes_the_article(faq):
    services.faq_save(
        actor=faq.w.mia,
        article=faq.access_card,
        category="门禁",
        question="人脸识别怎么登记？",
        answer="在微物业录入人脸。",
    )
    assert questions(selectors.faq_list(user=faq.zhang, q="人脸")) == ["人脸识别怎么登记？"]
    assert questions(selectors.faq_list(user=faq.zhang, q="补办")) == []


def test_staff_search_their_projects_and_managers_see_drafts(faq):
    w = faq.w
    agent = questions(selectors.faq_list(user=w.alice, q="停车费"))
    assert "停车费调价说明（草稿）" not in agent and "停车费怎么交？" not in agent
    assert "停车费调价说明（草稿）" in questions(selectors.faq_list(user=w.mia, q="停车费"))
    assert questions(selectors.faq_list(user=w.bob, q="停车费")) == ["停车费怎么交？"]
    head_office = questions(selectors.faq_list(user=w.hera, q="停车费"))
    assert {"停车费如何缴纳？", "停车费怎么交？", "停车费调价说明（草稿）"} <= set(head_office)


def test_index_words_are_space_delimited_words_once_each():
    assert search.index_words("卫生间漏水，卫生间") == " 卫生 卫生间 漏水 "
    assert search.index_words("？！") == ""
    assert search.terms("停车费怎么交") == ["停车", "车费", "停车费", "交"]


def test_categories_come_in_the_usual_order_with_others_last(faq):
    services.faq_save(actor=faq.w.mia, project=faq.w.a, category="快递", question="快递放哪？", answer="北门驿站。")
    assert selectors.faq_categories(selectors.faq_for(faq.zhang)) == ["物业费", "停车", "门禁", "快递", "其他"]
