"""The daily reconciliation gives the same day however it starts: from the timeline (the first night), from the
day before, or from a day some nights back; it keeps counts of the live statuses only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.quality import reconcile
from kefu.quality.models import Reconciliation
from kefu.tickets import services as ts

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Beijing
DAY = dt.date(2026, 11, 2)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
FIELDS = reconcile.VALUES[:-1]  # all but computed_at


@pytest.fixture
def history(desk, new_case):
    """Four days of cases in A: created, dispatched, resolved, closed, reopened, cancelled, some left open; a case
    in B; and a channel (walk-in) busy on the first day only."""
    w = desk.w
    for day in range(4):
        start = T0 + day * D
        for i in range(3):
            case = new_case(now=start + i * H, channel="phone" if i else "walk_in" if day == 0 else "wechat")
            if i == 2:
                continue  # left open: 待派单
            case = ts.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, now=start + i * H + H / 2)
            if (day + i) % 2:
                case = ts.case_accept(actor=desk.fred, case=case, now=start + 4 * H)
                case = ts.case_resolve(actor=desk.fred, case=case, note="好了", now=start + 5 * H)
                if day < 2:
                    case = ts.case_close(actor=w.alice, case=case, note="已回访", now=start + D + 2 * H)
                    if day == 0 and i == 1:
                        ts.case_reopen(actor=w.alice, case=case, reason="又漏了", now=start + 2 * D + 3 * H)
        consult = new_case(kind="consultation", now=start + 6 * H)
        ts.case_solve_at_once(actor=w.alice, case=consult, answer="已解答", now=start + 6 * H + H / 4)
    cancelled = new_case(now=T0 + D + 7 * H)
    ts.case_cancel(actor=w.alice, case=cancelled, reason="重复报修", now=T0 + 2 * D + 7 * H)
    ts.case_create(actor=w.bob, project=w.b, kind="repair", channel="phone", title="办公室漏水", unit=w.unit_b,
                   now=T0 + 2 * D)  # fmt: skip
    return desk


def rows(project, day):
    found = Reconciliation.objects.filter(project=project, day=day)
    return {r.channel: tuple(getattr(r, f) for f in FIELDS) for r in found}


def test_the_first_night_the_chain_and_a_gap_give_the_same_day(history):
    a, last = history.w.a, DAY + 3 * D
    now = T0 + 5 * D
    reconcile.reconcile_day(a, last, now=now)  # the first night: from the timeline
    first = rows(a, last)
    assert first and sum(v[FIELDS.index("closing")] for v in first.values()) > 0
    Reconciliation.objects.all().delete()
    for day in range(4):  # every night
        reconcile.reconcile_day(a, DAY + day * D, now=now)
    assert rows(a, last) == first
    Reconciliation.objects.filter(day__gt=DAY).delete()
    reconcile.reconcile_day(a, last, now=now)  # two nights missed: carried over their events
    assert rows(a, last) == first
    assert not any(v[FIELDS.index("mismatch")] for v in first.values())


def test_the_day_keeps_counts_of_the_live_statuses_only(history):
    for day in range(4):
        reconcile.reconcile(DAY + day * D, now=T0 + 5 * D)
    for r in Reconciliation.objects.all():
        assert set(r.states) <= reconcile.LIVE, r.states
        assert r.state_new + r.state_in_progress + r.state_waiting == r.closing
    walk_in = Reconciliation.objects.filter(channel="walk_in").order_by("day")
    assert [r.day for r in walk_in] == [DAY + i * D for i in range(4)]  # still open: carried on every day


def test_a_recomputed_day_keeps_its_sign_off(history):
    a = history.w.a
    reconcile.reconcile_day(a, DAY, now=T0 + D)
    Reconciliation.objects.filter(project=a, day=DAY).update(signed_off_by=history.w.sam, note="核对无误")
    again = reconcile.reconcile_day(a, DAY, now=T0 + 2 * D)
    assert {r.pk for r in again} == set(Reconciliation.objects.filter(day=DAY).values_list("pk", flat=True))
    assert all(r.signed_off_by_id == history.w.sam.pk for r in Reconciliation.objects.filter(day=DAY))


def test_every_project_reads_each_period_once(history):
    with CaptureQueriesContext(connection) as ctx:
        reconcile.reconcile(DAY + 3 * D, now=T0 + 5 * D)
    event_reads = [q for q in ctx.captured_queries if 'FROM "tickets_caseevent"' in q["sql"].split("WHERE")[0]]
    # the day, the days after it, the cases changed since it (once, not per project); and, per project, the
    # live cases' last events before the day
    assert len(event_reads) == 3 + 2, [q["sql"][:100] for q in event_reads]
