"""Publishing notices: who they reach (counted by hand from the estate in conftest.py), read receipts,
scheduled publishing exactly once, withdrawing, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.notices import selectors, services
from kefu.notices.models import Notice, NoticeReceipt
from kefu.notify.models import ChannelPreference, Delivery, Notification
from kefu.testing_servers import free_port, smtp_settings

pytestmark = pytest.mark.django_db


def publish(e, **kw):
    kw.setdefault("actor", e.w.mia)
    kw.setdefault("project", e.w.a)
    kw.setdefault("title", "3号楼停水通知")
    kw.setdefault("body", "因管道检修，11月25日 9:00-17:00 停水，请提前储水。")
    kw.setdefault("category", Notice.Category.OUTAGE)
    kw.setdefault("mode", services.NOW)
    return services.notice_create(**kw)


def reached(notice):
    return set(notice.receipts.values_list("account__username", flat=True))


def test_a_notice_to_the_whole_project_reaches_every_account_living_there_once(estate):
    n = publish(estate, audience=Notice.Audience.PROJECT)
    assert n.status == Notice.Status.PUBLISHED and n.published_by == estate.w.mia and n.published_at
    # Not: 1-1203 (no account), the resident who moved out, 钱老 (lives nowhere), project B's 李娜.
    assert reached(n) == {"zhang", "zhao", "wang", "chen", "sun"}
    assert n.audience_size == 5
    by_building = {f.label: (f.reached, f.read) for f in selectors.read_by_building(n)}
    assert by_building == {"1栋": (3, 0), "2栋": (1, 0), "3栋": (1, 0)}  # 孙丽 counted once, at 1-1204


def test_a_notice_to_some_buildings_reaches_only_their_residents(estate):
    one = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b1])
    assert reached(one) == {"zhang", "zhao", "sun"}
    two = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b2])
    assert reached(two) == {"wang"}  # the moved-out resident of 2-0802 is not reached
    both = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b1, estate.b3])
    assert reached(both) == {"zhang", "zhao", "sun", "chen"} and both.audience_size == 4
    sun = both.receipts.get(account=estate.sun)
    assert sun.building == estate.b1 and sun.unit.number == "1204"


def test_a_notice_to_a_customer_group_reaches_the_tagged_customers_wherever_they_live(estate):
    n = publish(estate, audience=Notice.Audience.TAGS, tags=[estate.elderly], category=Notice.Category.ACTIVITY)
    assert reached(n) == {"zhang", "chen", "qian"}
    qian = n.receipts.get(account=estate.qian)
    assert qian.building is None and qian.unit is None and qian.customer.name == "钱老"
    labels = {f.label: f.reached for f in selectors.read_by_building(n)}
    assert labels == {"1栋": 1, "3栋": 1, "未关联楼栋": 1}


def test_each_recipient_gets_one_in_app_notification_linking_to_the_portal_page(estate):
    n = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b1])
    got = Notification.objects.filter(kind=Notification.Kind.NOTICE)
    assert sorted(got.values_list("recipient__username", flat=True)) == ["sun", "zhang", "zhao"]
    one = got.get(recipient=estate.zhang)
    assert (one.title, one.url, one.dedupe_key) == ("3号楼停水通知", f"/m/notices/{n.pk}/", f"notice-{n.pk}")
    assert one.body.startswith("因管道检修")


def test_read_receipts_are_counted_once_per_customer(estate):
    n = publish(estate)
    assert services.notice_read(actor=estate.zhang, notice=n) is True
    first = n.receipts.get(account=estate.zhang).read_at
    assert services.notice_read(actor=estate.zhang, notice=n) is False  # opening again changes nothing
    assert n.receipts.get(account=estate.zhang).read_at == first
    services.notice_read(actor=estate.chen, notice=n)
    total = selectors.read_figures(n)
    assert (total.reached, total.read, total.unread) == (5, 2, 3)
    assert total.rate == pytest.approx(0.4)
    assert {f.label: (f.reached, f.read) for f in selectors.read_by_building(n)}["3栋"] == (1, 1)
    assert set(selectors.receipts(n, read="yes").values_list("account__username", flat=True)) == {"chen", "zhang"}
    assert set(selectors.receipts(n, read="no").values_list("account__username", flat=True)) == {"zhao", "wang", "sun"}
    # Reading it marks the in-app notification read too.
    assert Notification.objects.get(recipient=estate.zhang, dedupe_key=f"notice-{n.pk}").read_at is not None
    assert Notification.objects.get(recipient=estate.zhao, dedupe_key=f"notice-{n.pk}").read_at is None


def test_a_customer_not_addressed_cannot_read_it(estate):
    n = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b2])
    with pytest.raises(NotFound):
        services.notice_read(actor=estate.zhang, notice=n)
    with pytest.raises(NotFound):
        selectors.my_notice_get(estate.zhang, n.pk)
    assert selectors.my_notice_get(estate.wang, n.pk) == n


def test_a_scheduled_notice_is_published_once_when_due_by_the_scheduler(estate):
    now = timezone.now()
    at = now + dt.timedelta(hours=2)
    n = publish(estate, mode=services.SCHEDULE, publish_at=at, now=now)
    assert n.status == Notice.Status.SCHEDULED and n.receipts.count() == 0
    assert services.run_due(now + dt.timedelta(hours=1)) == []  # not yet due
    n.refresh_from_db()
    assert n.status == Notice.Status.SCHEDULED
    # A resident who moves in before the time is reached: the audience is fixed when it is published.
    lines = services.run_due(at + dt.timedelta(seconds=30))
    assert lines == [f"notice {n.pk} published to 5 accounts"]
    assert services.run_due(at + dt.timedelta(minutes=1)) == []  # a second round publishes nothing
    n.refresh_from_db()
    assert n.status == Notice.Status.PUBLISHED and n.published_at == at + dt.timedelta(seconds=30)
    assert n.published_by == estate.w.mia  # who scheduled it
    assert n.receipts.count() == 5
    assert Notification.objects.filter(dedupe_key=f"notice-{n.pk}").count() == 5


def test_two_schedulers_that_both_saw_it_due_publish_it_once(estate):
    now = timezone.now()
    n = publish(estate, mode=services.SCHEDULE, publish_at=now + dt.timedelta(minutes=5), now=now)
    later = now + dt.timedelta(minutes=6)
    # Both read the due list; the first publishes, the second's claim (a conditional update) matches nothing.
    assert services._publish(n, None, later, from_status=Notice.Status.SCHEDULED) is True
    assert services._publish(n, None, later, from_status=Notice.Status.SCHEDULED) is False
    with pytest.raises(Conflict):  # and a manager pressing 发布 on it now is refused
        services.notice_publish(actor=estate.w.mia, notice=n)
    assert NoticeReceipt.objects.filter(notice=n).count() == 5
    assert Notification.objects.filter(dedupe_key=f"notice-{n.pk}").count() == 5


def test_a_scheduled_time_must_be_in_the_future(estate):
    with pytest.raises(ValidationFailed) as exc:
        publish(estate, mode=services.SCHEDULE, publish_at=timezone.now() - dt.timedelta(minutes=1))
    assert exc.value.fields == {"publish_at": ["定时发布时间须晚于现在"]}
    with pytest.raises(ValidationFailed) as exc:
        publish(estate, mode=services.SCHEDULE, publish_at=None)
    assert exc.value.fields == {"publish_at": ["请填写定时发布时间"]}
    assert not Notice.objects.exists()


def test_a_draft_is_edited_then_published(estate):
    n = publish(estate, mode=services.DRAFT)
    assert n.status == Notice.Status.DRAFT and n.receipts.count() == 0
    assert not Notification.objects.filter(kind=Notification.Kind.NOTICE).exists()
    n = services.notice_update(
        actor=estate.w.sam,
        notice=n,
        title="2号楼停电通知",
        body="配电房检修",
        category=Notice.Category.OUTAGE,
        audience=Notice.Audience.BUILDINGS,
        buildings=[estate.b2],
    )
    assert (n.title, n.status) == ("2号楼停电通知", Notice.Status.DRAFT)
    n = services.notice_publish(actor=estate.w.sam, notice=n)
    assert n.status == Notice.Status.PUBLISHED and reached(n) == {"wang"}
    with pytest.raises(Conflict) as exc:
        services.notice_update(actor=estate.w.sam, notice=n, title="x", body="y", category="tip", audience="project")
    assert exc.value.message == "已发布或已撤回的通知不能修改"


def test_withdrawing_takes_it_off_the_portal_and_stops_what_is_not_yet_sent(estate, settings):
    settings.MAILERS = smtp_settings("127.0.0.1", free_port())["MAILERS"]  # configured; nothing is sent here
    estate.zhao.email = "zhao@example.com"
    estate.zhao.save()
    ChannelPreference.objects.create(user=estate.zhang, email=True)
    ChannelPreference.objects.create(user=estate.zhao, email=True)
    n = publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[estate.b1])
    assert Delivery.objects.filter(status="pending").count() == 2
    Delivery.objects.filter(notification__recipient=estate.zhao).update(status="sent")
    services.notice_read(actor=estate.sun, notice=n)
    n = services.notice_withdraw(actor=estate.w.mia, notice=n, reason="检修改期")
    assert (n.status, n.withdrawn_by, n.withdraw_reason) == (Notice.Status.WITHDRAWN, estate.w.mia, "检修改期")
    assert list(Delivery.objects.values_list("status", flat=True)) == ["sent"]  # zhang's e-mail will not go
    # zhang's unread notification (nothing went out) is gone; zhao's (e-mailed) and sun's (read) stay.
    left = Notification.objects.filter(dedupe_key=f"notice-{n.pk}").values_list("recipient__username", flat=True)
    assert sorted(left) == ["sun", "zhao"]
    assert not selectors.my_notices(estate.zhang).exists()
    assert selectors.my_notice_get(estate.zhang, n.pk).status == Notice.Status.WITHDRAWN
    assert selectors.read_figures(n).reached == 3  # receipts stay for the record
    with pytest.raises(Conflict):
        services.notice_withdraw(actor=estate.w.mia, notice=n)


def test_a_scheduled_notice_withdrawn_is_never_published(estate):
    now = timezone.now()
    n = publish(estate, mode=services.SCHEDULE, publish_at=now + dt.timedelta(minutes=5), now=now)
    services.notice_withdraw(actor=estate.w.sam, notice=n)
    assert services.run_due(now + dt.timedelta(hours=1)) == []
    assert NoticeReceipt.objects.count() == 0


def test_only_managers_supervisors_and_head_office_of_the_project_publish(estate):
    w = estate.w
    for who in (w.alice, w.stella, w.fred, w.bob, w.mike, estate.zhang):
        with pytest.raises(Forbidden):
            publish(estate, actor=who)
    assert not Notice.objects.exists()
    for who in (w.mia, w.sam, w.hera):
        assert publish(estate, actor=who).status == Notice.Status.PUBLISHED
    n = Notice.objects.first()
    with pytest.raises(Forbidden):
        services.notice_withdraw(actor=w.mike, notice=n)


def test_buildings_and_tags_of_another_project_are_refused(estate):
    other = estate.w.unit_b.building
    with pytest.raises(ValidationFailed) as exc:
        publish(estate, audience=Notice.Audience.BUILDINGS, buildings=[other])
    assert exc.value.fields == {"buildings": ["所选楼栋或分组不属于该项目"]}
    with pytest.raises(ValidationFailed) as exc:
        publish(estate, audience=Notice.Audience.TAGS, tags=[estate.b_tag])
    assert exc.value.fields == {"tags": ["所选楼栋或分组不属于该项目"]}
    with pytest.raises(ValidationFailed) as exc:
        publish(estate, audience=Notice.Audience.BUILDINGS)
    assert exc.value.fields == {"buildings": ["请选择楼栋"]}
    with pytest.raises(ValidationFailed) as exc:
        publish(estate, title=" ")
    assert exc.value.fields == {"title": ["请填写标题"]}
    assert not Notice.objects.exists()


def test_staff_see_only_their_projects_notices(estate):
    w = estate.w
    a = publish(estate)
    b = publish(estate, actor=w.mike, project=w.b, audience=Notice.Audience.PROJECT)
    assert reached(b) == {"lina"}
    assert set(selectors.notices_for(w.alice)) == {a}  # the front desk reads them
    assert set(selectors.notices_for(w.stella)) == {a}  # a steward through her zone's project
    assert set(selectors.notices_for(w.bob)) == {b}
    assert set(selectors.notices_for(w.hera)) == {a, b}
    assert not selectors.notices_for(w.fred).exists()  # field staff have no desk
    assert not selectors.notices_for(estate.zhang).exists()
    with pytest.raises(NotFound):
        selectors.notice_get(w.bob, a.pk)
    assert selectors.may_see_receipts(w.sam, a) and not selectors.may_see_receipts(w.alice, a)
