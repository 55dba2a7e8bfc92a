"""Scheduled reports: the schedule, and the whole way from the scheduler through the worker (db_worker) to a
real SMTP server (aiosmtpd on 127.0.0.1), with the workbook checked cell by cell."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import signal
import socket
import threading
from io import BytesIO, StringIO
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from kefu import testing as t
from kefu.core.errors import ValidationFailed
from kefu.org.models import Membership, User
from kefu.org.roles import Role
from kefu.reports import jobs, registry
from kefu.reports.base import Filters, Period, month_period
from kefu.reports.models import ReportDelivery, ReportSubscription, shown_period
from kefu.reports.subscriptions import (
    SubscriptionInput,
    delivery_send,
    last_complete_period,
    next_run,
    period_for,
    period_kind,
    subscription_save,
    subscription_send_now,
)
from kefu.reports.tasks import send_report
from kefu.testing_servers import smtp_settings
from kefu.tickets import services as ts
from kefu.tickets.tests.conftest import desk, new_case  # noqa: F401  (fixtures)
from kefu.visits import services as visit_services
from kefu.visits.models import ReturnVisit

Sent = ReportDelivery.Status


def at(y, mo, d, h=0, mi=0):
    """Beijing wall-clock time."""
    return timezone.make_aware(dt.datetime(y, mo, d, h, mi))


# The schedule (hand-written expectations) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "hour", "weekday", "day", "after", "expected"),
    [
        # Daily at 08:00: later the same day, else the next; across the year end.
        ("daily", 8, None, None, at(2026, 12, 31, 7, 59), at(2026, 12, 31, 8)),
        ("daily", 8, None, None, at(2026, 12, 31, 8), at(2027, 1, 1, 8)),
        ("daily", 8, None, None, at(2026, 12, 31, 23, 30), at(2027, 1, 1, 8)),
        # 20:00 UTC on 31 December is already 1 January 04:00 in Beijing.
        ("daily", 8, None, None, dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC), at(2027, 1, 1, 8)),
        # Weekly on Monday 09:00, from Wednesday 30 December 2026: Monday 4 January 2027.
        ("weekly", 9, 1, None, at(2026, 12, 30, 10), at(2027, 1, 4, 9)),
        # Weekly on Sunday 20:00, from Sunday 29 November 20:00 itself: a week later.
        ("weekly", 20, 7, None, at(2026, 11, 29, 20), at(2026, 12, 6, 20)),
        ("weekly", 20, 7, None, at(2026, 11, 29, 19, 59), at(2026, 11, 29, 20)),
        # Monthly on the 31st: the last day of shorter months (February 28, or 29 in a leap year; April 30).
        ("monthly", 8, None, 31, at(2026, 1, 31, 8), at(2026, 2, 28, 8)),
        ("monthly", 8, None, 31, at(2026, 2, 28, 8), at(2026, 3, 31, 8)),
        ("monthly", 8, None, 31, at(2026, 4, 15), at(2026, 4, 30, 8)),
        ("monthly", 8, None, 31, at(2028, 2, 1), at(2028, 2, 29, 8)),
        ("monthly", 8, None, 31, at(2027, 12, 31, 8), at(2028, 1, 31, 8)),
        # Monthly on the 1st at midnight, across the year end.
        ("monthly", 0, None, 1, at(2026, 12, 1), at(2027, 1, 1)),
        ("monthly", 0, None, 1, at(2026, 11, 30, 23, 59), at(2026, 12, 1)),
        # Quarterly: that day of January, April, July, October.
        ("quarterly", 8, None, 1, at(2026, 11, 23, 10), at(2027, 1, 1, 8)),
        ("quarterly", 8, None, 1, at(2026, 10, 1, 7), at(2026, 10, 1, 8)),
        ("quarterly", 8, None, 31, at(2026, 10, 31, 8), at(2027, 1, 31, 8)),
        ("quarterly", 8, None, 31, at(2027, 1, 31, 8), at(2027, 4, 30, 8)),
        ("quarterly", 8, None, 31, at(2027, 5, 10), at(2027, 7, 31, 8)),
    ],
)
def test_the_next_send_time(frequency, hour, weekday, day, after, expected):
    assert next_run(frequency, hour, weekday, day, after) == expected


def test_each_send_reports_on_the_last_complete_period():
    def dates(p):
        return p.kind, p.start, p.end

    d = dt.date
    assert dates(last_complete_period("daily", d(2027, 1, 1))) == ("day", d(2026, 12, 31), d(2026, 12, 31))
    # On Monday 4 January 2027: the week of Monday 28 December to Sunday 3 January.
    assert dates(last_complete_period("weekly", d(2027, 1, 4))) == ("week", d(2026, 12, 28), d(2027, 1, 3))
    assert dates(last_complete_period("weekly", d(2026, 12, 30))) == ("week", d(2026, 12, 21), d(2026, 12, 27))
    assert dates(last_complete_period("monthly", d(2027, 1, 1))) == ("month", d(2026, 12, 1), d(2026, 12, 31))
    assert dates(last_complete_period("monthly", d(2026, 3, 31))) == ("month", d(2026, 2, 1), d(2026, 2, 28))
    assert dates(last_complete_period("quarterly", d(2027, 1, 31))) == ("quarter", d(2026, 10, 1), d(2026, 12, 31))
    assert dates(last_complete_period("quarterly", d(2026, 4, 30))) == ("quarter", d(2026, 1, 1), d(2026, 3, 31))


def _fake_report(periods):
    return registry.Report("x", "X", "G", lambda u, f, n: [], "/x/", periods)


def test_a_report_without_days_or_weeks_is_sent_as_a_custom_range_of_the_same_dates():
    d = dt.date
    visits = registry.get("visits-rate")
    assert visits is not None and visits.periods == ("month", "quarter", "custom")
    assert period_for(visits, "daily", d(2027, 1, 1)) == Period("custom", d(2026, 12, 31), d(2026, 12, 31))
    assert period_for(visits, "weekly", d(2027, 1, 4)) == Period("custom", d(2026, 12, 28), d(2027, 1, 3))
    assert period_for(visits, "monthly", dt.date(2027, 1, 1)) == month_period(2026, 12)
    # Named as the day or the week they are, in the e-mail and on the page.
    assert shown_period(Period("custom", d(2026, 12, 31), d(2026, 12, 31))).label == "2026-12-31"
    assert shown_period(Period("custom", d(2026, 12, 28), d(2027, 1, 3))).label == "2026-12-28 至 01-03 当周"
    assert shown_period(Period("custom", d(2026, 12, 1), d(2026, 12, 7))).label == "2026-12-01 至 2026-12-07"
    # A report offering months only cannot be sent daily.
    assert period_kind(_fake_report(("month",)), "daily") is None
    assert period_kind(_fake_report(("day", "month")), "daily") == "day"


# Subscribing ---------------------------------------------------------------------------------------------------


def monthly(**kw) -> SubscriptionInput:
    """The visit rate report, monthly on the 1st at 08:00, with changes."""
    return dataclasses.replace(
        SubscriptionInput(report_key="visits-rate", frequency="monthly", hour=8, day_of_month=1), **kw
    )


def test_a_subscription_is_refused_outside_the_subscribers_report_scope(world):
    w = world
    w.mia.email = "mia@example.com"
    w.mia.save()
    b_zone = t.ZoneFactory(project=w.b, code="B1", name="北区")
    with pytest.raises(ValidationFailed) as exc:
        subscription_save(actor=w.mia, data=monthly(project=w.b))
    assert exc.value.fields == {"project": ["项目“中心大厦”不在您的报表范围内"]}
    with pytest.raises(ValidationFailed) as exc:
        subscription_save(actor=w.mia, data=monthly(zone=b_zone))
    assert exc.value.fields == {"zone": ["区域“北区”不在您的报表范围内"]}
    with pytest.raises(ValidationFailed) as exc:
        subscription_save(actor=w.mia, data=monthly(project=w.a, frequency="weekly", weekday=None))
    assert exc.value.fields == {"weekday": ["每周发送请选择星期几"]}
    with pytest.raises(ValidationFailed) as exc:
        subscription_save(actor=w.mia, data=monthly(report_key="no-such-report"))
    assert exc.value.fields == {"report_key": ["请选择要订阅的报表"]}
    with pytest.raises(ValidationFailed) as exc:
        subscription_save(actor=w.mia, data=monthly(extra_recipients=("boss@example.com", "boss at example")))
    assert exc.value.fields == {"extra_recipients": ["“boss at example”不是有效的电子邮箱地址"]}
    # Head office reaches project B.
    w.hera.email = "hera@example.com"
    w.hera.save()
    sub = subscription_save(actor=w.hera, data=monthly(project=w.b), now=at(2026, 11, 23, 10))
    assert sub.next_run_at == at(2026, 12, 1, 8)
    assert ReportSubscription.objects.count() == 1


def test_without_an_own_address_someone_else_must_receive_it(world):
    with pytest.raises(ValidationFailed) as exc:
        subscription_save(actor=world.mia, data=monthly())
    assert exc.value.fields == {"extra_recipients": ["您的账号没有登记电子邮箱，请至少填写一个收件人"]}
    sub = subscription_save(actor=world.mia, data=monthly(extra_recipients=("boss@example.com",)))
    assert sub.extra_recipients == ["boss@example.com"]


# From the scheduler to the inbox ---------------------------------------------------------------------------------


class Inbox:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.envelopes: list = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.settings.MAILERS = smtp_settings("127.0.0.1", port)["MAILERS"]

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.envelopes]


@pytest.fixture
def inbox(settings):
    settings.DEFAULT_FROM_EMAIL = "客服中心 <noreply@kefu.example.com>"
    box = Inbox(settings)
    box.start()
    yield box
    box.stop()


def run_worker() -> None:
    """The worker as deployed (`manage.py db_worker`), until the queue is empty."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, queue_name="*", interval=0, verbosity=0
        )
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


LAST = last_complete_period("monthly", timezone.localdate())  # the month the tests' visits happen in
FIRST_OF_THIS_MONTH_8AM = at(*(LAST.end + dt.timedelta(days=1)).timetuple()[:3], 8)


@pytest.fixture
def book(desk, new_case):  # noqa: F811
    """Last month in project A: three repairs resolved by fred; stella's return visits: c1 reached (5),
    c2 reached (4), c3 not yet called. One more case the month before (reached, 5) that is not counted.
    mia (manager of A) subscribes to the visit rate report of A, monthly on the 1st at 08:00, with a copy to
    her boss."""
    w = desk.w
    w.mia.email = "mia@example.com"
    w.mia.save()

    def resolved(day: dt.date) -> object:
        when = at(day.year, day.month, day.day, 10)
        case = new_case(now=when)
        case = ts.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, now=when + dt.timedelta(minutes=5))
        case = ts.case_accept(actor=desk.fred, case=case, now=when + dt.timedelta(minutes=10))
        return ts.case_resolve(actor=desk.fred, case=case, note="已处理", now=when + dt.timedelta(hours=2))

    def reach(case, score, day):
        visit = ReturnVisit.objects.get(case=case, status=ReturnVisit.Status.PENDING)
        visit_services.visit_record(
            actor=w.stella, visit=visit, outcome="reached", score=score, solved=True,
            now=at(day.year, day.month, day.day, 15),
        )  # fmt: skip

    day = LAST.start + dt.timedelta(days=9)
    c = [resolved(day) for _ in range(3)]
    reach(c[0], 5, day)
    reach(c[1], 4, day)
    before = LAST.start - dt.timedelta(days=10)
    reach(resolved(before), 5, before)
    sub = subscription_save(
        actor=w.mia, data=monthly(project=w.a, extra_recipients=("boss@example.com",)), now=at(*day.timetuple()[:3], 9)
    )
    return SimpleNamespace(w=w, sub=sub, cases=c)


def attachment(message) -> tuple[str, bytes]:
    parts = [p for p in message.iter_attachments()]
    assert len(parts) == 1
    return parts[0].get_filename(), parts[0].get_content()


def month_label(p: Period) -> str:
    return f"{p.start.year}年{p.start.month}月"


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_sends_last_months_report_once_with_the_workbook(book, inbox):
    sub, mia = book.sub, book.w.mia
    assert sub.next_run_at == FIRST_OF_THIS_MONTH_8AM
    # A minute early: nothing is due.
    assert jobs.run_due(FIRST_OF_THIS_MONTH_8AM - dt.timedelta(minutes=1)) == []
    # Due: one delivery of last month, and the next send is the 1st of next month. A second scheduler round
    # at the same moment (or a restart) writes nothing more.
    assert len(jobs.run_due(FIRST_OF_THIS_MONTH_8AM)) == 1
    assert jobs.run_due(FIRST_OF_THIS_MONTH_8AM) == []
    sub.refresh_from_db()
    nxt = LAST.end + dt.timedelta(days=1)
    following = month_period(nxt.year, nxt.month).end + dt.timedelta(days=1)
    assert sub.next_run_at == at(following.year, following.month, 1, 8)
    [delivery] = ReportDelivery.objects.all()
    assert (delivery.period_start, delivery.period_end, delivery.status) == (LAST.start, LAST.end, Sent.PENDING)
    assert DBTaskResult.objects.filter(task_path="kefu.reports.tasks.send_report").count() == 1

    run_worker()
    run_worker()  # nothing left to do
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Sent.SENT, 1, "")
    assert delivery.recipients == ["mia@example.com", "boss@example.com"]
    assert len(inbox.envelopes) == 1
    envelope, message = inbox.envelopes[0], inbox.messages[0]
    assert envelope.rcpt_tos == ["mia@example.com", "boss@example.com"]
    assert message["Subject"] == f"【定时报表】回访率与及时率 · {month_label(LAST)} · 阳光花园"
    assert message["To"] == "mia@example.com, boss@example.com"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "陈建国，您好" in body
    assert f"统计周期：{month_label(LAST)}（{LAST.start:%Y-%m-%d} 至 {LAST.end:%Y-%m-%d}）" in body
    assert "项目：阳光花园 · 区域：全部 · 处理部门：全部" in body

    name, data = attachment(message)
    assert name == f"回访率与及时率-{month_label(LAST)}.xlsx"
    wb = load_workbook(BytesIO(data))
    assert wb.sheetnames == ["按项目", "按区域", "按回访人"]
    # Counted by hand: 3 visit tasks, 2 reached (both on time), 1 pending and overdue by now; rate 2/3.
    header = ["项目", "回访任务", "已回访", "无法联系", "拒绝回访", "待回访", "已取消", "回访率(%)", "回访成功率(%)",
              "按时完成", "回访及时率(%)", "超时未回访"]  # fmt: skip
    row = [3, 2, 0, 0, 1, 0, 66.7, 66.7, 2, 100.0, 1]
    by_project = [[c.value for c in r] for r in wb["按项目"].iter_rows()]
    assert by_project == [header, ["阳光花园", *row], ["合计", *row]]
    by_visitor = [[c.value for c in r] for r in wb["按回访人"].iter_rows()]
    assert by_visitor[1:] == [["孙浩", *row], ["合计", *row]]
    # Every sheet equals the report's tables for that period, as the page shows them.
    tables = registry.get("visits-rate").build(
        User.objects.get(pk=mia.pk), Filters(LAST, project=book.w.a), timezone.now()
    )
    for table in tables:
        title, headers, rows = table.sheet()
        assert [[c.value for c in r] for r in wb[title].iter_rows()] == [headers, *rows]

    # Sent is final: neither the task run again nor another round sends it a second time.
    assert delivery_send(delivery.pk) == "skipped: not pending"
    send_report.enqueue(delivery.pk)
    run_worker()
    jobs.run_due(FIRST_OF_THIS_MONTH_8AM + dt.timedelta(hours=2))
    run_worker()
    assert len(inbox.envelopes) == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_write_one_delivery(book, inbox):
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def scheduler():
        try:
            barrier.wait()
            jobs.run_due(FIRST_OF_THIS_MONTH_8AM)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert failures == []
    assert ReportDelivery.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path="kefu.reports.tasks.send_report").count() == 1
    run_worker()
    assert len(inbox.envelopes) == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_command_runs_the_report_round(world, inbox):
    """run_scheduler --once (what bin/run loops) writes and queues a due delivery: a daily report at 00:00,
    subscribed two days ago, is due; it reports on yesterday."""
    world.mia.email = "mia@example.com"
    world.mia.save()
    now = timezone.now()
    sub = subscription_save(actor=world.mia, data=monthly(frequency="daily", hour=0), now=now - dt.timedelta(days=2))
    assert sub.next_run_at <= now
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert f"scheduler: report visits-rate {yesterday}..{yesterday} queued for {world.mia.pk}" in out.getvalue()
    run_worker()
    [message] = inbox.messages
    # Built as a custom range of one day (the visit reports have no days), named as that day.
    assert ReportDelivery.objects.get().period == Period("custom", yesterday, yesterday)
    assert message["Subject"] == f"【定时报表】回访率与及时率 · {yesterday:%Y-%m-%d} · 全部项目"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"统计周期：{yesterday:%Y-%m-%d}（{yesterday:%Y-%m-%d} 至 {yesterday:%Y-%m-%d}）" in body
    name, _data = attachment(message)
    assert name == f"回访率与及时率-{yesterday:%Y-%m-%d}.xlsx"


@pytest.mark.django_db(transaction=True)
def test_when_the_mail_server_is_down_the_delivery_is_retried_and_sent_once(book, inbox):
    inbox.stop()
    jobs.run_due(FIRST_OF_THIS_MONTH_8AM)
    run_worker()
    [delivery] = ReportDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == (Sent.FAILED, 1)
    assert delivery.last_error.startswith("无法连接邮件服务器：ConnectionRefusedError")
    # Retried 5 minutes after the failed attempt, by the scheduler.
    assert delivery.retry_at == delivery.claimed_at + dt.timedelta(minutes=5)
    assert jobs.run_due(delivery.retry_at - dt.timedelta(seconds=1)) == []
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Sent.FAILED

    # Still down at the second attempt: the next wait is 15 minutes.
    assert jobs.run_due(delivery.retry_at) == ["report deliveries retried: 1"]
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Sent.FAILED, 2)
    assert delivery.retry_at == delivery.claimed_at + dt.timedelta(minutes=15)

    inbox.start()
    third = delivery.retry_at
    jobs.run_due(third)
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error, delivery.retry_at) == (Sent.SENT, 3, "", None)
    assert len(inbox.envelopes) == 1
    jobs.run_due(third + dt.timedelta(hours=1))
    run_worker()
    assert len(inbox.envelopes) == 1


@pytest.mark.django_db(transaction=True)
def test_after_five_failed_attempts_it_is_not_tried_again(book, inbox):
    inbox.stop()
    jobs.run_due(FIRST_OF_THIS_MONTH_8AM)
    run_worker()
    delivery = ReportDelivery.objects.get()
    waits = []
    while delivery.retry_at is not None:
        waits.append(delivery.retry_at - delivery.claimed_at)
        jobs.run_due(delivery.retry_at)
        run_worker()
        delivery.refresh_from_db()
    assert [w.total_seconds() / 60 for w in waits] == [5, 15, 60, 240]
    assert (delivery.status, delivery.attempts) == (Sent.FAILED, 5)
    assert inbox.envelopes == []


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_who_lost_the_permission_gets_nothing(book, inbox):
    w = book.w
    Membership.objects.filter(user=w.mia).update(is_active=False)
    jobs.run_due(FIRST_OF_THIS_MONTH_8AM)
    run_worker()
    delivery = ReportDelivery.objects.get()
    assert (delivery.status, delivery.last_error, delivery.retry_at) == (
        Sent.FAILED, "订阅人已没有查看报表的权限，未发送", None,
    )  # fmt: skip
    assert inbox.envelopes == []


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_moved_to_another_project_gets_nothing_of_the_old_one(book, inbox):
    w = book.w
    Membership.objects.filter(user=w.mia).update(is_active=False)
    Membership.objects.create(user=w.mia, project=w.b, role=Role.MANAGER)
    jobs.run_due(FIRST_OF_THIS_MONTH_8AM)
    run_worker()
    delivery = ReportDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (Sent.FAILED, "项目“阳光花园”不在您的报表范围内，未发送")
    assert inbox.envelopes == []


@pytest.mark.django_db(transaction=True)
def test_send_now_sends_the_last_complete_period_once_and_keeps_the_schedule(book, inbox):
    sub, mia = book.sub, book.w.mia
    delivery = subscription_send_now(actor=mia, subscription=sub)
    assert (delivery.manual, delivery.period_start, delivery.period_end) == (True, LAST.start, LAST.end)
    with pytest.raises(Exception, match="上一次“立即发送”还在进行中"):
        subscription_send_now(actor=mia, subscription=sub)
    run_worker()
    assert len(inbox.envelopes) == 1
    assert inbox.messages[0]["Subject"] == f"【定时报表】回访率与及时率 · {month_label(LAST)} · 阳光花园"
    sub.refresh_from_db()
    assert sub.next_run_at == FIRST_OF_THIS_MONTH_8AM
    # The scheduled send of the same month still goes out at its time.
    jobs.run_due(FIRST_OF_THIS_MONTH_8AM)
    run_worker()
    assert len(inbox.envelopes) == 2
    assert list(ReportDelivery.objects.order_by("pk").values_list("manual", "status")) == [
        (True, Sent.SENT), (False, Sent.SENT),
    ]  # fmt: skip


def test_a_delivery_interrupted_while_sending_counts_as_a_failed_attempt(world):
    world.mia.email = "mia@example.com"
    world.mia.save()
    sub = subscription_save(actor=world.mia, data=monthly(is_active=False), now=at(2026, 11, 2))
    claimed = at(2026, 12, 1, 8)
    d = ReportDelivery.objects.create(
        subscription=sub, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30), period_kind="month",
        status=Sent.SENDING, attempts=1, queued_at=claimed, claimed_at=claimed,
    )  # fmt: skip
    assert jobs.run_due(claimed + dt.timedelta(minutes=29)) == []
    assert jobs.run_due(claimed + dt.timedelta(minutes=31)) == ["stale report deliveries handled: 1"]
    d.refresh_from_db()
    assert (d.status, d.last_error) == (Sent.FAILED, "发送过程中断（工作进程停止），稍后重试")
    assert d.retry_at == claimed + dt.timedelta(minutes=36)
