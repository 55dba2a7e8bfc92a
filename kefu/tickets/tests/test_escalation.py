"""The SLA sweep: warnings and escalations up the chain, each exactly once (restart, crash, two workers)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from kefu.notify.models import Notification
from kefu.tickets import escalation, services
from kefu.tickets.models import Case, CaseEvent, Escalation

BJ = ZoneInfo("Asia/Shanghai")
OPENED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=BJ)  # a Friday
H = dt.timedelta(hours=1)


def esc(case):
    return sorted(Escalation.objects.filter(case=case).values_list("target", "level"))


def events(case, kind=None):
    qs = CaseEvent.objects.filter(case=case, kind__in=[kind] if kind else ["warn", "escalate"])
    return [(e.data["target"], e.data["level"], e.data["to"]) for e in qs]


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(kind=kind).count() if kind else qs.count()


def test_complaint_first_reply_escalates_up_the_chain_once_per_level(desk, new_case):
    w = desk.w
    case = new_case("complaint", now=OPENED)  # first reply due +24h, 3 working days: Wed 25th 10:00
    assert escalation.sweep(OPENED + 23 * H).escalated == 0

    r = escalation.sweep(OPENED + 24 * H)
    assert r.done == [(case.number, "first_reply", 1)]
    assert events(case) == [("first_reply", 1, [w.sam.display_name])]
    assert inbox(w.sam, Notification.Kind.ESCALATION) == 1
    case.refresh_from_db()
    assert case.escalation_level == 1

    assert escalation.sweep(OPENED + 30 * H).done == []  # 1.25 × 24 h: nothing new
    assert escalation.sweep(OPENED + 36 * H).done == [(case.number, "first_reply", 2)]  # 1.5 × → manager
    assert inbox(w.mia, Notification.Kind.ESCALATION) == 1
    assert escalation.sweep(OPENED + 48 * H).done == [(case.number, "first_reply", 3)]  # 2 × → head office
    assert inbox(w.hera, Notification.Kind.ESCALATION) == 1
    for _ in range(3):
        assert escalation.sweep(OPENED + 60 * H).done == []
    assert esc(case) == [("first_reply", 1), ("first_reply", 2), ("first_reply", 3)]
    assert len(events(case)) == 3
    case.refresh_from_db()
    assert case.escalation_level == 3


def test_a_reply_stops_the_first_reply_clock(desk, new_case):
    w = desk.w
    case = new_case("complaint", now=OPENED)
    services.case_reply(actor=w.carl, case=case, body="您好，已收到，正在处理", now=OPENED + 2 * H)
    assert escalation.sweep(OPENED + 30 * H).done == []


def test_warning_goes_to_the_handler_then_resolution_escalates(desk, new_case):
    w = desk.w
    case = new_case("repair", now=OPENED)  # 24 natural hours, warn at 80%
    case = services.case_dispatch(actor=w.alice, case=case, mode="person", assignee=desk.fred, now=OPENED)
    assert case.warn_at == OPENED + dt.timedelta(hours=19.2)
    assert escalation.sweep(OPENED + 19 * H).done == []
    assert escalation.sweep(OPENED + 20 * H).done == [(case.number, "resolution", 0)]
    assert inbox(desk.fred, Notification.Kind.WARNING) == 1
    assert events(case, "warn") == [("resolution", 0, [desk.fred.display_name])]
    assert escalation.sweep(OPENED + 21 * H).done == []
    assert escalation.sweep(OPENED + 24 * H).done == [(case.number, "resolution", 1)]
    case.refresh_from_db()
    assert case.escalation_level == 1


def test_unassigned_warning_goes_to_the_supervisors(desk, new_case):
    w = desk.w
    case = new_case("repair", now=OPENED)
    assert escalation.sweep(OPENED + 20 * H).done == [(case.number, "resolution", 0)]
    assert inbox(w.sam, Notification.Kind.WARNING) == 1


def test_a_late_sweep_catches_up_every_level_at_once(desk, new_case):
    w = desk.w
    case = new_case("repair", now=OPENED)
    r = escalation.sweep(OPENED + 100 * H)
    assert sorted(r.done) == [(case.number, "resolution", lv) for lv in range(4)]
    assert [inbox(u, Notification.Kind.ESCALATION) for u in (w.sam, w.mia, w.hera)] == [1, 1, 1]
    assert escalation.sweep(OPENED + 200 * H).done == []


def test_waiting_stops_the_clock_and_is_left_out_of_the_multiples(desk, new_case):
    w = desk.w
    case = new_case("repair", now=OPENED)
    case = services.case_dispatch(actor=w.alice, case=case, mode="person", assignee=desk.fred, now=OPENED)
    case = services.case_accept(actor=desk.fred, case=case, now=OPENED)
    case = services.case_hold(actor=desk.fred, case=case, reason="parts", now=OPENED + 1 * H)
    assert escalation.sweep(OPENED + 100 * H).done == []  # waiting: paused, nothing escalates
    case = services.case_resume(actor=desk.fred, case=case, now=OPENED + 11 * H)  # waited 10 h
    case.refresh_from_db()
    assert case.resolution_due == OPENED + 34 * H
    # Elapsed running time 24 h is reached at 34 h; 1.5 × 24 = 36 h of running time at 46 h.
    assert [d[1:] for d in escalation.sweep(OPENED + 34 * H).done] == [("resolution", 0), ("resolution", 1)]
    assert escalation.sweep(OPENED + 45 * H).done == []
    assert escalation.sweep(OPENED + 46 * H).done == [(case.number, "resolution", 2)]


def test_closed_cases_and_custom_multiples(desk, new_case):
    w = desk.w
    done = new_case("repair", now=OPENED)
    services.case_solve_at_once(actor=w.alice, case=done, answer="已告知", now=OPENED)
    case = new_case("repair", now=OPENED)
    case.sla_policy.escalate_multiples = "2"
    case.sla_policy.save()
    assert [d[1:] for d in escalation.sweep(OPENED + 30 * H).done] == [("resolution", 0)]
    assert escalation.sweep(OPENED + 48 * H).done == [(case.number, "resolution", 1)]
    assert escalation.sweep(OPENED + 500 * H).done == []  # one level only
    assert esc(done) == []


def test_major_complaint_goes_to_the_manager_at_once(desk, new_case):
    w = desk.w
    case = new_case("complaint", now=OPENED, is_major=True)
    assert esc(case) == [("major", 2)]
    assert inbox(w.mia, Notification.Kind.MAJOR) == 1
    escalation.sweep(OPENED + 24 * H)
    assert inbox(w.mia, Notification.Kind.MAJOR) == 1


def test_a_crash_between_cases_then_a_restart_repeats_nothing(desk, new_case):
    w = desk.w
    cases = [new_case("complaint", now=OPENED + dt.timedelta(minutes=i)) for i in range(4)]
    handled: list[int] = []

    def crash_after_two(case_id):
        handled.append(case_id)
        if len(handled) == 2:
            raise KeyboardInterrupt("the worker was killed")

    with pytest.raises(KeyboardInterrupt):
        escalation.sweep(OPENED + 25 * H, after_case=crash_after_two)
    assert Escalation.objects.count() == 2
    r = escalation.sweep(OPENED + 25 * H)  # the restarted worker
    assert len(r.done) == 2
    r = escalation.sweep(OPENED + 25 * H)
    assert r.done == []
    for case in cases:
        assert esc(case) == [("first_reply", 1)]
        assert len(events(case)) == 1
    assert inbox(w.sam, Notification.Kind.ESCALATION) == 4


def test_the_batch_limit_leaves_the_rest_for_the_next_sweep(desk, new_case):
    cases = [new_case("complaint", now=OPENED) for _ in range(5)]
    r = escalation.sweep(OPENED + 25 * H, limit=2)
    assert (r.cases, r.more) == (2, True)
    r = escalation.sweep(OPENED + 25 * H, limit=10)
    assert (r.cases, r.more) == (3, False)
    assert all(esc(c) == [("first_reply", 1)] for c in cases)


def test_candidates_use_the_indexes_and_skip_fully_escalated_cases(desk, new_case, django_assert_max_num_queries):
    for _ in range(3):
        new_case("repair", now=OPENED)
    escalation.sweep(OPENED + 100 * H)
    # Everything is at the top level: three index range scans find nothing, whatever the table size.
    with django_assert_max_num_queries(3):
        r = escalation.sweep(OPENED + 200 * H)
    assert r.candidates == 0


# Real concurrency and a real restart: transactional tests, other threads and processes ----------------


def _make_cases(w, desk, n, opened):
    from kefu.tickets.models import Category

    attitude = Category.objects.get(project__isnull=True, kind="complaint", code="FW")
    return [
        services.case_create(
            actor=w.alice, project=w.a, kind="complaint", channel="phone", title=f"投诉 {i}", category=attitude,
            unit=w.unit_a1, customer=w.cust_a1, now=opened,
        )
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_escalate_each_case_once(desk):
    w = desk.w
    cases = _make_cases(w, desk, 6, OPENED)
    when = OPENED + 25 * H
    barrier = threading.Barrier(2)
    results: list[escalation.SweepResult] = []
    failures: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(escalation.sweep(when))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not failures
    assert sum(r.escalated for r in results) == 6
    assert sum(r.errors for r in results) == 0
    for case in cases:
        assert esc(case) == [("first_reply", 1)]
        assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 1
    assert inbox(w.sam, Notification.Kind.ESCALATION) == 6


def _subprocess_env() -> dict[str, str]:
    """Point a child process at this test's database."""
    s = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kefu.settings", PYTHONUNBUFFERED="1")
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{s['NAME']}"
    else:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    return env


def _manage(*args: str, **kw):
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]


@pytest.mark.django_db(transaction=True)
def test_breach_escalated_by_the_worker_exactly_once_across_a_restart(desk):
    """The scheduler runs as a real process: one sweep, then a loop that is stopped with SIGTERM, then
    another sweep. A complaint 30 h old without a reply is escalated to the supervisor once."""
    w = desk.w
    (case,) = _make_cases(w, desk, 1, timezone.now() - 30 * H)
    env = _subprocess_env()

    first = subprocess.run(  # noqa: S603
        _manage("run_scheduler", "--once"), env=env, capture_output=True, text=True, timeout=120
    )
    assert first.returncode == 0, first.stderr
    assert "escalated 1" in first.stdout
    assert esc(case) == [("first_reply", 1)]

    # The worker restarts as a long-running loop; it finds nothing new and stops cleanly on SIGTERM.
    loop = subprocess.Popen(  # noqa: S603
        _manage("run_scheduler", "--interval", "0.2", "-v", "2"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # Wait until a round has run (the first start can be slow on a busy machine), then stop it.
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = loop.stdout.readline() if loop.stdout else ""
            if not line:
                break
            seen.append(line)
            if "checked" in line:
                break
        loop.send_signal(signal.SIGTERM)
        out, err = loop.communicate(timeout=60)
        out = "".join(seen) + out
    finally:
        if loop.poll() is None:
            loop.kill()
    assert loop.returncode == 0, err
    assert "checked" in out and "scheduler: stopped" in out
    assert "escalated 1" not in out

    again = subprocess.run(  # noqa: S603
        _manage("run_scheduler", "--once"), env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr

    assert esc(case) == [("first_reply", 1)]
    assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 1
    assert Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATION).count() == 1
    assert inbox(w.sam, Notification.Kind.ESCALATION) == 1
    assert Case.objects.get(pk=case.pk).escalation_level == 1
