"""The notices API: staff read their projects' notices (receipts only for publishers); a customer reads
only the notices addressed to them, and opening one marks it read."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kefu.notices import services
from kefu.notices.models import Notice, NoticeReceipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def publish(e, **kw):
    kw.setdefault("actor", e.w.mia)
    kw.setdefault("project", e.w.a)
    kw.setdefault("audience", Notice.Audience.PROJECT)
    return services.notice_create(title="停水通知", body="明日停水", mode=services.NOW, **kw)


def test_a_publisher_reads_the_receipts_by_building(estate, api):
    n = publish(estate)
    services.notice_read(actor=estate.zhang, notice=n)
    api.force_authenticate(estate.w.sam)
    data = api.get(f"/api/v1/notices/{n.pk}/").json()
    assert data["status"] == "published" and data["audience_size"] == 5
    assert data["receipts"]["total"] == {"label": "合计", "reached": 5, "read": 1, "rate": 0.2}
    assert [(b["label"], b["reached"], b["read"]) for b in data["receipts"]["by_building"]] == [
        ("1栋", 3, 1),
        ("2栋", 1, 0),
        ("3栋", 1, 0),
    ]
    api.force_authenticate(estate.w.alice)
    data = api.get(f"/api/v1/notices/{n.pk}/").json()
    assert data["title"] == "停水通知" and data["receipts"] is None


def test_staff_of_another_project_customers_and_anonymous_callers_do_not_read_staff_notices(estate, api):
    n = publish(estate)
    api.force_authenticate(estate.w.bob)
    assert api.get(f"/api/v1/notices/{n.pk}/").status_code == 404
    assert api.get("/api/v1/notices/").json()["count"] == 0
    api.force_authenticate(estate.zhang)
    assert api.get("/api/v1/notices/").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/v1/notices/").status_code in (401, 403)


def test_a_customer_lists_and_opens_their_notices(estate, api):
    n = publish(estate)
    other = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b2])
    api.force_authenticate(estate.zhang)
    listing = api.get("/api/v1/portal/notices/").json()
    assert [(r["id"], r["read"]) for r in listing["results"]] == [(n.pk, False)]
    data = api.get(f"/api/v1/portal/notices/{n.pk}/").json()
    assert (data["title"], data["read"], data["withdrawn"]) == ("停水通知", True, False)
    assert NoticeReceipt.objects.get(notice=n, account=estate.zhang).read_at is not None
    assert api.get("/api/v1/portal/notices/").json()["results"][0]["read"] is True
    assert api.get(f"/api/v1/portal/notices/{other.pk}/").status_code == 404  # another customer's
    api.force_authenticate(estate.w.mia)
    assert api.get("/api/v1/portal/notices/").status_code == 403  # staff are not portal customers
