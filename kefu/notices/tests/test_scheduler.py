"""`manage.py run_scheduler --once` publishes a notice that fell due, and a second run repeats nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kefu.notices import services
from kefu.notices.models import Notice
from kefu.notify.models import Notification

pytestmark = pytest.mark.django_db


def test_the_scheduler_publishes_a_due_notice_once(estate):
    now = timezone.now()
    due = services.notice_create(
        actor=estate.w.sam,
        project=estate.w.a,
        title="周六消杀通知",
        body="周六上午小区公共区域消杀，请关好门窗。",
        audience=Notice.Audience.BUILDINGS,
        buildings=[estate.b1],
        mode=services.SCHEDULE,
        publish_at=now - dt.timedelta(minutes=1),
        now=now - dt.timedelta(minutes=10),
    )
    later = services.notice_create(
        actor=estate.w.sam,
        project=estate.w.a,
        title="下周停水",
        body="下周二停水。",
        mode=services.SCHEDULE,
        publish_at=now + dt.timedelta(days=1),
    )
    first, second = StringIO(), StringIO()
    call_command("run_scheduler", "--once", stdout=first, stderr=first)
    call_command("run_scheduler", "--once", stdout=second, stderr=second)
    assert f"scheduler: notice {due.pk} published to 3 accounts" in first.getvalue()
    assert "notice" not in second.getvalue() and "failed" not in first.getvalue() + second.getvalue()
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.audience_size) == ("published", 3)
    assert later.status == "scheduled" and later.receipts.count() == 0
    assert Notification.objects.filter(dedupe_key=f"notice-{due.pk}").count() == 3
