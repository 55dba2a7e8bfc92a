"""定时报表 pages: report readers only, each sees and changes only their own subscriptions, bad input is
refused field by field with nothing saved, and every change says what it did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kefu import testing as t
from kefu.conftest import login
from kefu.reports.models import ReportDelivery, ReportSubscription
from kefu.reports.subscriptions import last_complete_period

URL = "/reports/subscriptions/"


@pytest.fixture
def w(world):
    world.mia.email = "mia@example.com"
    world.mia.save()
    world.mike.email = "mike@example.com"
    world.mike.save()
    return world


def form(**kw):
    data = {
        "report_key": "visits-rate",
        "frequency": "monthly",
        "weekday": "1",
        "day_of_month": "1",
        "hour": "8",
        "project": "all",
        "zone": "",
        "department": "",
        "extra_recipients": "",
        "is_active": "on",
    }
    return data | kw


def said(response) -> list[str]:
    """The messages shown on the page the action redirected to."""
    assert response.redirect_chain == [(URL, 302)]
    return [str(m) for m in response.context["messages"]]


def subscribe(client, user, **kw) -> ReportSubscription:
    r = login(client, user).post(reverse("reports:subscription_new"), form(**kw), follow=True)
    assert r.redirect_chain == [(URL, 302)], r.context["form"].errors
    return ReportSubscription.objects.filter(user=user).latest("pk")


def test_only_report_readers_reach_the_page(client, w):
    assert reverse("reports:subscriptions") == URL
    for user in (w.alice, w.fred, w.stella):  # agent, field staff, steward: no VIEW_REPORTS
        login(client, user)
        assert client.get(URL).status_code == 404
        assert client.post(reverse("reports:subscription_new"), form()).status_code == 404
    assert ReportSubscription.objects.count() == 0
    r = login(client, w.mia).get(URL)
    assert r.status_code == 200
    assert "您还没有订阅任何报表" in r.content.decode()
    # The report list offers the visit reports, the project list only mia's project (and "all").
    choices = dict(r.context["form"].fields["project"].choices)
    assert list(choices.values()) == ["全部项目", "阳光花园"]


def test_a_manager_subscribes_and_sees_the_next_send(client, w):
    login(client, w.mia)
    r = client.post(
        reverse("reports:subscription_new"),
        form(project=str(w.a.pk), zone=str(w.a1.pk), frequency="weekly", weekday="5", hour="17",
             extra_recipients="boss@example.com\nzongbu@example.com"),
        follow=True,
    )  # fmt: skip
    sub = ReportSubscription.objects.get()
    assert (sub.user, sub.report_key, sub.frequency, sub.weekday, sub.day_of_month, sub.hour) == (
        w.mia, "visits-rate", "weekly", 5, None, 17,
    )  # fmt: skip
    assert (sub.project, sub.zone, sub.department) == (w.a, w.a1, None)
    assert sub.extra_recipients == ["boss@example.com", "zongbu@example.com"]
    # Friday 17:00 Beijing, within the coming week.
    local = timezone.localtime(sub.next_run_at)
    assert (local.isoweekday(), local.hour, local.minute) == (5, 17, 0)
    assert dt.timedelta(0) < sub.next_run_at - timezone.now() <= dt.timedelta(days=7)
    assert said(r) == [f"已订阅“回访率与及时率”，下次发送：{local:%Y-%m-%d %H:%M}"]
    page = client.get(URL).content.decode()
    assert "每周五 17:00（发送上周）" in page
    assert "阳光花园 · 一区" in page
    for address in ("mia@example.com", "boss@example.com", "zongbu@example.com"):
        assert address in page
    assert "尚未发送" in page


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"report_key": ""}, "report_key", "请选择要订阅的报表"),
        ({"report_key": "no-such-report"}, "report_key", "请选择要订阅的报表"),
        ({"frequency": "yearly"}, "frequency", "请选择发送频率"),
        ({"frequency": "weekly", "weekday": ""}, "weekday", "每周发送请选择星期几"),
        ({"frequency": "quarterly", "day_of_month": ""}, "day_of_month", "请选择在几号发送（1-31）"),
        ({"hour": "24"}, "hour", "发送时间应在 0 至 23 点之间"),
        ({"frequency": "monthly", "day_of_month": "32"}, "day_of_month", "请选择在几号发送（1-31）"),
        ({"extra_recipients": "boss@example.com, 张三"}, "extra_recipients", "“张三”不是有效的电子邮箱地址"),
        (
            {"extra_recipients": ",".join(f"u{i}@example.com" for i in range(11))},
            "extra_recipients",
            "其他收件人最多 10 个",
        ),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(client, w, data, field, error):
    r = login(client, w.mia).post(reverse("reports:subscription_new"), form(**data))
    assert r.status_code == 200
    assert r.context["form"].errors == {field: [error]}
    assert error in r.content.decode()
    assert ReportSubscription.objects.count() == 0


def test_a_project_or_zone_outside_the_managers_reach_is_refused(client, w):
    b_zone = t.ZoneFactory(project=w.b, code="B1", name="北区")
    login(client, w.mia)
    r = client.post(reverse("reports:subscription_new"), form(project=str(w.b.pk)))
    assert r.context["form"].errors == {"project": ["所选项目不在您的报表范围内"]}
    r = client.post(reverse("reports:subscription_new"), form(zone=str(b_zone.pk)))
    assert r.context["form"].errors == {"zone": ["所选区域不存在或不在您的报表范围内"]}
    r = client.post(reverse("reports:subscription_new"), form(project=str(w.a.pk), zone=str(w.a2.pk)))
    assert r.status_code == 302  # a zone of the chosen project is fine
    assert ReportSubscription.objects.count() == 1
    # Head office reaches project B.
    w.hera.email = "hera@example.com"
    w.hera.save()
    assert subscribe(client, w.hera, project=str(w.b.pk), zone=str(b_zone.pk)).zone == b_zone


def test_without_an_own_address_someone_else_must_receive_it(client, w):
    w.mia.email = ""
    w.mia.save()
    r = login(client, w.mia).post(reverse("reports:subscription_new"), form())
    assert r.context["form"].errors == {"extra_recipients": ["您的账号没有登记电子邮箱，请至少填写一个收件人"]}
    assert ReportSubscription.objects.count() == 0


def test_a_manager_sees_and_changes_only_their_own_subscriptions(client, w):
    mine = subscribe(client, w.mia, project=str(w.a.pk))
    theirs = subscribe(client, w.mike, project=str(w.b.pk))
    login(client, w.mia)
    r = client.get(URL)
    assert [row["sub"] for row in r.context["rows"]] == [mine]
    assert client.get(URL, {"edit": theirs.pk}).status_code == 404
    for name in ("subscription_edit", "subscription_toggle", "subscription_delete", "subscription_send"):
        assert client.post(reverse(f"reports:{name}", args=[theirs.pk]), form()).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.is_active, theirs.frequency, theirs.deliveries.count()) == (True, "monthly", 0)
    assert ReportSubscription.objects.count() == 2
    # Changing is POST only.
    assert client.get(reverse("reports:subscription_delete", args=[mine.pk])).status_code == 405


def test_edit_pause_resume_and_delete(client, w):
    sub = subscribe(client, w.mia)
    login(client, w.mia)
    r = client.get(URL, {"edit": sub.pk})
    assert r.context["form"]["frequency"].value() == "monthly"
    r = client.post(
        reverse("reports:subscription_edit", args=[sub.pk]),
        form(frequency="quarterly", day_of_month="31", hour="7"),
        follow=True,
    )
    sub.refresh_from_db()
    local = timezone.localtime(sub.next_run_at)
    assert (sub.frequency, sub.day_of_month, sub.hour) == ("quarterly", 31, 7)
    assert local.month in (1, 4, 7, 10) and local.hour == 7
    assert said(r) == [f"订阅“回访率与及时率”已保存，下次发送：{local:%Y-%m-%d %H:%M}"]
    # A bad edit changes nothing.
    r = client.post(reverse("reports:subscription_edit", args=[sub.pk]), form(frequency="weekly", weekday=""))
    assert r.context["form"].errors == {"weekday": ["每周发送请选择星期几"]}
    sub.refresh_from_db()
    assert sub.frequency == "quarterly"

    r = client.post(reverse("reports:subscription_toggle", args=[sub.pk]), follow=True)
    sub.refresh_from_db()
    assert not sub.is_active and said(r) == ["已暂停“回访率与及时率”"]
    assert "已暂停" in client.get(URL).content.decode()
    r = client.post(reverse("reports:subscription_toggle", args=[sub.pk]), follow=True)
    sub.refresh_from_db()
    assert sub.is_active and said(r) == [
        f"已恢复“回访率与及时率”，下次发送：{timezone.localtime(sub.next_run_at):%Y-%m-%d %H:%M}"
    ]
    r = client.post(reverse("reports:subscription_delete", args=[sub.pk]), follow=True)
    assert said(r) == ["已删除订阅“回访率与及时率”"]
    assert ReportSubscription.objects.count() == 0


def test_send_now_queues_the_last_complete_period_for_the_worker(client, w, django_capture_on_commit_callbacks):
    sub = subscribe(client, w.mia, project=str(w.a.pk), extra_recipients="boss@example.com")
    login(client, w.mia)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("reports:subscription_send", args=[sub.pk]), follow=True)
    last = last_complete_period("monthly", timezone.localdate())
    label = f"{last.start.year}年{last.start.month}月"
    assert said(r) == [f"已加入发送队列：“回访率与及时率”（{label}），稍后发送到 mia@example.com、boss@example.com"]
    d = ReportDelivery.objects.get()
    assert (d.manual, d.status, d.period_start, d.period_end) == (True, "pending", last.start, last.end)
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs) == ("kefu.reports.tasks.send_report", {"args": [d.pk], "kwargs": {}})
    # A second click while the first is waiting is refused.
    r = client.post(reverse("reports:subscription_send", args=[sub.pk]), follow=True)
    assert said(r) == ["上一次“立即发送”还在进行中，请稍后刷新查看"]
    assert ReportDelivery.objects.count() == 1
    # The list shows it waiting.
    page = client.get(URL).content.decode()
    assert "待发送" in page and f"{label} <span" in page


def test_the_list_shows_a_failed_delivery_with_its_reason(client, w):
    sub = subscribe(client, w.mia)
    ReportDelivery.objects.create(
        subscription=sub, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31), period_kind="month",
        status="failed", attempts=2, last_error="无法连接邮件服务器：ConnectionRefusedError",
        retry_at=timezone.make_aware(dt.datetime(2026, 11, 1, 8, 20)),
    )  # fmt: skip
    page = login(client, w.mia).get(URL).content.decode()
    assert "发送失败" in page and "2026年10月" in page
    assert "无法连接邮件服务器：ConnectionRefusedError · 已尝试 2 次，11-01 08:20 重试" in page
