"""The portal's demo data: a pending verification and yezhu1's cases reported from the portal."""

from __future__ import annotations

import io

import pytest

from kefu.portal import demo
from kefu.portal.models import VerificationRequest
from kefu.tickets.models import Case
from kefu.visits.models import CustomerRating

from .conftest import resident

pytestmark = pytest.mark.django_db


def test_the_demo_makes_a_pending_verification_and_three_portal_cases(desk):
    w = desk.w
    yezhu1 = resident("yezhu1", w.cust_a1, "13800001111")
    out = io.StringIO()
    demo.seed(out)
    req = VerificationRequest.objects.get()
    assert (req.status, req.account.username, req.unit, req.name) == ("pending", "13600001234", w.unit_a2, "王芳")
    cases = list(Case.objects.filter(customer=w.cust_a1).order_by("created_at"))
    assert [c.channel for c in cases] == ["portal"] * 3
    assert [c.status for c in cases] == ["resolved", "accepted", "new"]
    assert all(c.attachments.filter(content_type="image/png").exists() for c in cases)
    assert CustomerRating.objects.get(case=cases[0], by=yezhu1).score == 5
    assert out.getvalue() == "微物业：1 个待审核的入住核实申请（账号 13600001234），yezhu1 的 3 件报事（1 件已评价）。"
    demo.seed()  # a second run adds no second newcomer
    assert VerificationRequest.objects.count() == 1
