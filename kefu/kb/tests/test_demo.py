"""The demo knowledge base: what seed_demo gets, valid throughout, made once."""

from __future__ import annotations

import pytest

from kefu.kb import demo, placeholders, selectors
from kefu.kb.models import CannedReply, FaqArticle, Phrase

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_knowledge_base(demo_kb):
    assert demo_kb.counts == {"faq": len(demo.FAQ), "phrases": len(demo.PHRASES), "canned": len(demo.CANNED)}
    assert FaqArticle.objects.count() >= 20 and Phrase.objects.count() >= 12 and CannedReply.objects.count() >= 8
    assert all(placeholders.unknown_placeholders(r.body) == [] for r in CannedReply.objects.all())
    assert CannedReply.objects.get(title="我的签名").owner == demo_kb.kefu1
    assert demo.seed() == {"faq": 0, "phrases": 0, "canned": 0}  # once only


def test_a_demo_resident_finds_the_parking_fee_article_first(demo_kb):
    found = list(selectors.faq_list(user=demo_kb.yezhu, q="停车费怎么交"))
    assert found[0].question == "停车费怎么交？月卡怎么续费？"
    assert all(a.project_id in (None, demo_kb.yg.pk) for a in found)
    assert list(selectors.faq_list(user=demo_kb.yezhu, q="加班空调")) == []  # the office tower's
