"""WeChat template messages through the configured relay (KEFU_WECHAT_GATEWAY_URL, KEFU_WECHAT_GATEWAY_TOKEN,
KEFU_WECHAT_TEMPLATE_ID): the relay holds the official account's credentials and calls WeChat's
template-message API; Kefu sends the openid, the template and its fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from . import absolute, gateway

if TYPE_CHECKING:
    from kefu.notify.models import Delivery


class WechatChannel:
    def configured(self) -> bool:
        return bool(getattr(settings, "KEFU_WECHAT_GATEWAY_URL", ""))

    def send(self, delivery: Delivery) -> str:
        n = delivery.notification
        payload = {
            "touser": delivery.address,
            "template_id": getattr(settings, "KEFU_WECHAT_TEMPLATE_ID", ""),
            "url": absolute(n.url),
            "data": {
                "thing1": {"value": n.title[:20]},
                "thing2": {"value": (n.body or n.title)[:20]},
                "time3": {"value": timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M")},
            },
        }
        return gateway.post(
            getattr(settings, "KEFU_WECHAT_GATEWAY_URL", ""),
            getattr(settings, "KEFU_WECHAT_GATEWAY_TOKEN", ""),
            delivery.idempotency_key,
            payload,
        )


CHANNEL = WechatChannel()
