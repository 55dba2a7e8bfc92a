"""通知设置 and 外发消息: each person sets only their own channels; administrators see the outbox of their
projects and send dead letters again."""

import pytest

from kefu.conftest import login
from kefu.notify.models import ChannelPreference, Delivery, Notification
from kefu.notify.services import notify
from kefu.testing_servers import gateway_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(settings):
    with gateway_server() as gw:
        settings.KEFU_SMS_GATEWAY_URL = gw.url
        yield gw


def test_a_person_chooses_sms_for_escalations_only(client, world, sms):
    world.alice.mobile = "13800000001"
    world.alice.save()
    login(client, world.alice)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and "13800000001" in page.content.decode()
    r = client.post("/notifications/preferences/", {"sms": "on", "kinds": ["escalation"]})
    assert r.status_code == 302
    pref = ChannelPreference.objects.get(user=world.alice)
    assert pref.sms and not pref.email and pref.kinds == ["escalation"]
    notify([world.alice], kind=Notification.Kind.ESCALATION, title="超时升级")
    assert Delivery.objects.filter(notification__recipient=world.alice, channel="sms").count() == 1


def test_a_channel_without_an_address_or_configuration_is_refused_and_nothing_saved(client, world, settings):
    settings.KEFU_WECHAT_GATEWAY_URL = ""
    login(client, world.bob)
    r = client.post("/notifications/preferences/", {"email": "on", "wechat": "on"})
    body = r.content.decode()
    assert r.status_code == 200
    assert "您的账号没有邮箱" in body
    assert "选择微信通知时请填写微信 OpenID" in body
    assert not ChannelPreference.objects.filter(user=world.bob).exists()


def _dead_letter(user):
    n = Notification.objects.create(recipient=user, kind=Notification.Kind.ASSIGNED, title=f"给{user.username}的派单")
    return Delivery.objects.create(notification=n, channel="sms", address="13800000009", status="dead", attempts=5)


def test_the_outbox_shows_dead_letters_of_ones_own_projects_only(client, world):
    mine = _dead_letter(world.alice)
    theirs = _dead_letter(world.bob)
    login(client, world.mia)  # manager of A
    body = client.get("/notifications/outbox/").content.decode()
    assert f'data-delivery="{mine.pk}"' in body and f'data-delivery="{theirs.pk}"' not in body
    login(client, world.hera)  # head office
    body = client.get("/notifications/outbox/?status=dead").content.decode()
    assert f'data-delivery="{mine.pk}"' in body and f'data-delivery="{theirs.pk}"' in body
    for user in (world.alice, world.sam, world.fred):
        login(client, user)
        assert client.get("/notifications/outbox/").status_code == 404


def test_an_administrator_sends_a_dead_letter_again_and_the_gateway_gets_it(client, world, sms):
    d = _dead_letter(world.alice)
    login(client, world.mike)  # manager of B: not theirs
    assert client.post(f"/notifications/outbox/{d.pk}/resend/").status_code == 404
    login(client, world.mia)
    r = client.post(f"/notifications/outbox/{d.pk}/resend/")
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "pending" and d.attempts == 0
    from kefu.notify import outbox

    assert outbox.send_due().sent == 1
    assert [m["to"] for m in sms.delivered] == ["13800000009"]
