"""SMS through the configured gateway (KEFU_SMS_GATEWAY_URL, KEFU_SMS_GATEWAY_TOKEN, KEFU_SMS_SIGN)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from . import absolute, gateway

if TYPE_CHECKING:
    from kefu.notify.models import Delivery

MAX_TEXT = 300


class SmsChannel:
    def configured(self) -> bool:
        return bool(getattr(settings, "KEFU_SMS_GATEWAY_URL", ""))

    def send(self, delivery: Delivery) -> str:
        n = delivery.notification
        sign = getattr(settings, "KEFU_SMS_SIGN", "客服中心")
        text = f"【{sign}】{n.title}"
        if n.body:
            text += f"：{n.body}"
        text = text[:MAX_TEXT]
        payload = {"to": delivery.address, "sign": sign, "text": text, "kind": n.kind, "url": absolute(n.url)}
        return gateway.post(
            getattr(settings, "KEFU_SMS_GATEWAY_URL", ""),
            getattr(settings, "KEFU_SMS_GATEWAY_TOKEN", ""),
            delivery.idempotency_key,
            payload,
        )


CHANNEL = SmsChannel()
