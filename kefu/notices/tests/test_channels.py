"""A published notice goes out on the channels each customer chose: e-mail through a real local SMTP server,
SMS through a local gateway; nothing for a customer who chose none, and nothing when push is off."""

from __future__ import annotations

import pytest

from kefu.notices import services
from kefu.notices.models import Notice
from kefu.notify import outbox
from kefu.notify.models import ChannelPreference, Delivery
from kefu.testing_servers import gateway_server, smtp_server

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


def publish(e, **kw):
    return services.notice_create(
        actor=e.w.mia,
        project=e.w.a,
        title="1号楼停水通知",
        body="因二次供水设备检修，11月25日 9:00-17:00 1号楼停水，请提前储水。",
        category=Notice.Category.OUTAGE,
        audience=Notice.Audience.BUILDINGS,
        buildings=[e.b1],
        mode=services.NOW,
        **kw,
    )


def test_a_customer_who_chose_email_receives_the_notice_from_a_real_smtp_server(estate, smtp, sms, settings):
    settings.KEFU_BASE_URL = "https://wuye.example.com"
    ChannelPreference.objects.create(user=estate.zhang, email=True)  # zhang@example.com
    estate.zhao.mobile = "13900009999"
    estate.zhao.save()
    ChannelPreference.objects.create(user=estate.zhao, sms=True)
    # 孙丽 chose no outside channel: the portal and the in-app notice only.
    n = publish(estate)
    assert smtp.received == []  # nothing leaves inside the publishing transaction

    result = outbox.send_due()
    assert result.sent == 2
    [mail] = smtp.received
    assert mail.recipients == ["zhang@example.com"]
    assert mail.message["Subject"] == "1号楼停水通知"
    content = mail.message.get_content()
    assert "11月25日 9:00-17:00 1号楼停水" in content
    assert f"https://wuye.example.com/m/notices/{n.pk}/" in content
    [text] = sms.delivered
    assert text["to"] == "13900009999" and text["text"].startswith("【阳光物业】1号楼停水通知：因二次供水设备检修")
    assert outbox.send_due().sent == 0 and len(smtp.received) == 1  # sent once


def test_a_customer_who_limited_the_kinds_gets_no_notice_email(estate, smtp):
    ChannelPreference.objects.create(user=estate.zhang, email=True, kinds=["resolved"])
    publish(estate)
    assert not Delivery.objects.exists()


def test_with_push_off_only_the_portal_and_in_app_notice_are_written(estate, smtp):
    ChannelPreference.objects.create(user=estate.zhang, email=True)
    n = publish(estate, push=False)
    assert n.audience_size == 3
    assert not Delivery.objects.exists()
    assert outbox.send_due().sent == 0 and smtp.received == []
