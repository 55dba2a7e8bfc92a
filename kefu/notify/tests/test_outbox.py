"""Notifications on outside channels: a real local SMTP server and a local HTTP gateway receive them; the
outbox retries with back-off, keeps dead letters, and never sends twice after a crash."""

import datetime as dt

import pytest
from django.utils import timezone

from kefu.notify import outbox
from kefu.notify.models import ChannelPreference, Delivery, Notification
from kefu.notify.services import notify
from kefu.testing import ProjectFactory, staff
from kefu.testing_servers import free_port, gateway_server, smtp_server, smtp_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with smtp_server() as server:
        for key, value in server.settings().items():
            setattr(settings, key, value)
        yield server


@pytest.fixture
def sms(settings):
    with gateway_server() as gw:
        settings.KEFU_SMS_GATEWAY_URL = gw.url
        settings.KEFU_SMS_GATEWAY_TOKEN = "t0ken"
        settings.KEFU_SMS_SIGN = "阳光物业"
        yield gw


@pytest.fixture
def wechat(settings):
    with gateway_server() as gw:
        settings.KEFU_WECHAT_GATEWAY_URL = gw.url
        settings.KEFU_WECHAT_TEMPLATE_ID = "TPL-1"
        yield gw


@pytest.fixture
def fred():
    user = staff("field_staff", ProjectFactory())
    user.email, user.mobile = "fred@example.com", "13800000001"
    user.save()
    return user


def prefer(user, **channels):
    return ChannelPreference.objects.create(user=user, **channels)


def tell(user, title="新派单 BX20261123-0001", kind=Notification.Kind.ASSIGNED, key=""):
    notify([user], kind=kind, title=title, body="3号楼1单元 厨房漏水", url="/cases/BX20261123-0001/", dedupe_key=key)
    return Notification.objects.filter(recipient=user).latest("pk")


def test_an_assignment_reaches_the_handler_by_email_through_a_real_smtp_server(smtp, fred, settings):
    settings.KEFU_BASE_URL = "https://kefu.example.com"
    prefer(fred, email=True)
    n = tell(fred)
    delivery = n.deliveries.get()
    assert (delivery.channel, delivery.address, delivery.status) == ("email", "fred@example.com", "pending")
    assert smtp.received == []  # nothing leaves inside the business transaction

    result = outbox.send_due()
    assert result.sent == 1
    [got] = smtp.received
    assert got.recipients == ["fred@example.com"]
    assert got.message["Subject"] == "新派单 BX20261123-0001"
    assert "3号楼1单元 厨房漏水" in got.message.get_content()
    assert "https://kefu.example.com/cases/BX20261123-0001/" in got.message.get_content()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None
    assert outbox.send_due().sent == 0 and len(smtp.received) == 1  # a second sweep sends nothing


def test_sms_and_wechat_go_through_the_gateways_with_a_key_per_delivery(sms, wechat, fred):
    prefer(fred, sms=True, wechat=True, wechat_openid="o-fred")
    n = tell(fred)
    assert outbox.send_due().sent == 2
    [text] = sms.delivered
    assert text["to"] == "13800000001"
    assert text["text"] == "【阳光物业】新派单 BX20261123-0001：3号楼1单元 厨房漏水"
    assert sms.requests[0]["auth"] == "Bearer t0ken"
    [template] = wechat.delivered
    assert template["touser"] == "o-fred" and template["template_id"] == "TPL-1"
    assert template["data"]["thing1"]["value"] == "新派单 BX20261123-0001"
    keys = {r["key"] for r in sms.requests + wechat.requests}
    assert keys == {f"kefu-delivery-{d.pk}" for d in n.deliveries.all()}


def test_a_server_that_is_down_is_retried_with_back_off_and_the_message_arrives_once(fred, settings):
    port = free_port()  # nothing listens there yet
    settings.MAILERS = smtp_settings("127.0.0.1", port)["MAILERS"]
    prefer(fred, email=True)
    tell(fred)
    t0 = timezone.now()
    result = outbox.send_due(t0)
    assert (result.sent, result.retried) == (0, 1)
    d = Delivery.objects.get()
    assert d.status == "pending" and d.attempts == 1 and "无法连接邮件服务器" in d.last_error
    assert dt.timedelta(seconds=50) < d.next_attempt_at - t0 < dt.timedelta(seconds=70)  # 1 minute later
    assert outbox.send_due(t0 + dt.timedelta(seconds=30)).sent == 0  # not yet due

    with smtp_server(port) as smtp:
        assert outbox.send_due(t0 + dt.timedelta(minutes=2)).sent == 1
    assert len(smtp.received) == 1
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 2 and d.last_error == ""


def test_after_the_last_attempt_the_delivery_is_a_dead_letter_that_an_admin_can_resend(sms, fred):
    prefer(fred, sms=True)
    tell(fred)
    sms.fail(503, times=outbox.MAX_ATTEMPTS)
    now = timezone.now()
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.send_due(now)
        d = Delivery.objects.get()
        if d.status == "pending":
            waits.append(round((d.next_attempt_at - now).total_seconds() / 60))
            now = d.next_attempt_at
    assert waits == [1, 5, 15, 60]
    d.refresh_from_db()
    assert d.status == "dead" and d.attempts == outbox.MAX_ATTEMPTS and "HTTP 503" in d.last_error
    assert sms.delivered == []

    outbox.resend(d)
    assert outbox.send_due().sent == 1
    assert len(sms.delivered) == 1


def test_a_refused_request_is_dead_at_once(sms, fred):
    prefer(fred, sms=True)
    tell(fred)
    sms.fail(400)
    assert outbox.send_due().dead == 1
    d = Delivery.objects.get()
    assert d.status == "dead" and d.attempts == 1 and "网关拒绝" in d.last_error


def test_a_worker_killed_after_the_gateway_accepted_an_sms_does_not_send_it_twice(sms, fred):
    prefer(fred, sms=True)
    tell(fred)
    d = Delivery.objects.get()
    t0 = timezone.now()
    # The worker claims the delivery and the gateway accepts the message; then the worker dies before it
    # can write "sent".
    assert outbox.claim(d.pk, t0)
    d.refresh_from_db()
    from kefu.notify import channels

    channels.get("sms").send(d)
    assert len(sms.delivered) == 1
    assert outbox.send_due(t0 + dt.timedelta(minutes=1)).sent == 0  # still leased to the dead worker

    result = outbox.send_due(t0 + outbox.LEASE + dt.timedelta(seconds=1))
    assert result.recovered == 1 and result.sent == 1
    assert len(sms.requests) == 2 and len(sms.delivered) == 1  # the repeat was dropped by its key
    d.refresh_from_db()
    assert d.status == "sent" and d.provider_ref == "msg-1"


def test_a_worker_killed_while_sending_an_email_leaves_a_dead_letter_not_a_second_email(smtp, fred):
    prefer(fred, email=True)
    tell(fred)
    d = Delivery.objects.get()
    t0 = timezone.now()
    assert outbox.claim(d.pk, t0)
    d.refresh_from_db()
    from kefu.notify import channels

    channels.get("email").send(d)
    result = outbox.send_due(t0 + outbox.LEASE + dt.timedelta(seconds=1))
    assert result.recovered == 1 and result.sent == 0
    assert len(smtp.received) == 1
    d.refresh_from_db()
    assert d.status == "dead" and d.last_error == outbox.UNKNOWN_RESULT


def test_two_workers_cannot_both_claim_a_delivery(sms, fred):
    prefer(fred, sms=True)
    tell(fred)
    d = Delivery.objects.get()
    now = timezone.now()
    assert outbox.claim(d.pk, now) is True
    assert outbox.claim(d.pk, now) is False
    assert outbox.send_one(d.pk, now) == ""


def test_only_chosen_configured_channels_with_an_address_get_a_delivery(smtp, sms, fred, settings):
    settings.KEFU_WECHAT_GATEWAY_URL = ""  # WeChat not configured here
    nobody = staff("agent", ProjectFactory())  # no preference: in-app only
    prefer(fred, email=True, sms=True, wechat=True, wechat_openid="o-fred", kinds=[Notification.Kind.ESCALATION])
    tell(nobody)
    tell(fred, kind=Notification.Kind.ASSIGNED)
    assert Delivery.objects.count() == 0  # fred wants escalations only outside the inbox
    tell(fred, title="超时升级", kind=Notification.Kind.ESCALATION)
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["email", "sms"]
    fred.mobile = ""
    fred.save()
    tell(fred, title="再次升级", kind=Notification.Kind.ESCALATION)
    assert Delivery.objects.count() == 3  # no mobile: no SMS
