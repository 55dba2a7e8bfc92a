"""The daily QC jobs run once per day, whoever runs them and however often."""

from __future__ import annotations

import datetime as dt

from kefu.notify.models import Notification
from kefu.quality import jobs
from kefu.quality.models import DailyJob, Reconciliation

BEIJING = dt.timezone(dt.timedelta(hours=8))


def test_the_reconciliation_runs_once_after_half_past_midnight(desk, new_case):
    new_case(now=dt.datetime(2026, 11, 21, 10, 0, tzinfo=BEIJING))
    assert jobs.run_due(dt.datetime(2026, 11, 22, 0, 10, tzinfo=BEIJING)) == []
    ran = jobs.run_due(dt.datetime(2026, 11, 22, 0, 40, tzinfo=BEIJING))
    assert ran == ["reconciled 2026-11-21: 1 rows"]
    row = Reconciliation.objects.get(project=desk.w.a, day=dt.date(2026, 11, 21))
    assert (row.new, row.closing, row.mismatch) == (1, 1, False)
    assert jobs.run_due(dt.datetime(2026, 11, 22, 1, 40, tzinfo=BEIJING)) == []


def test_the_stuck_digest_goes_to_supervisors_once_a_morning(desk, new_case):
    new_case(now=dt.datetime(2026, 11, 21, 10, 0, tzinfo=BEIJING))  # 待派单 since yesterday: stuck
    DailyJob.objects.create(name="reconcile", day=dt.date(2026, 11, 21), done_at=dt.datetime.now(dt.UTC))
    morning = dt.datetime(2026, 11, 22, 8, 5, tzinfo=BEIJING)
    assert jobs.run_due(morning) == ["stuck digest: 1 notifications"]
    note = Notification.objects.get(kind=Notification.Kind.STUCK)
    assert note.recipient == desk.w.sam and "共 1 件" in note.title and "待派单 1 件" in note.body
    assert jobs.run_due(morning + dt.timedelta(hours=1)) == []
