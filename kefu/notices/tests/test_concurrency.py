"""Two schedulers running at the same moment publish a due notice once (real threads, real connections)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from kefu.notices import services
from kefu.notices.models import Notice, NoticeReceipt
from kefu.notify.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_schedulers_at_once_publish_a_due_notice_once(estate):
    now = timezone.now()
    n = services.notice_create(
        actor=estate.w.mia,
        project=estate.w.a,
        title="停电通知",
        body="配电房检修",
        mode=services.SCHEDULE,
        publish_at=now + dt.timedelta(minutes=1),
        now=now,
    )
    due = now + dt.timedelta(minutes=2)
    start = threading.Barrier(2)
    lines: list[list[str]] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            start.wait()
            lines.append(services.run_due(due))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert errors == []
    assert sorted(len(x) for x in lines) == [0, 1]  # one of them published it, the other found nothing to do
    n.refresh_from_db()
    assert n.status == Notice.Status.PUBLISHED and n.audience_size == 5
    assert NoticeReceipt.objects.filter(notice=n).count() == 5
    assert Notification.objects.filter(dedupe_key=f"notice-{n.pk}").count() == 5
