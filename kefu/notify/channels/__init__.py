"""The outside channels a notification can go out on, one module each: email (SMTP), sms and wechat (an HTTP
gateway each). A channel turns a Delivery into one message and says how a failure should be treated:

- `TemporaryError`: try again later (the outbox backs off);
- `PermanentError`: no point retrying (a refused address, a gateway saying the request is wrong): dead letter.

A channel is *configured* when its settings are there (SMTP always is; a gateway needs its URL); deliveries
are only written for configured channels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from kefu.notify.models import Delivery


class TemporaryError(Exception):
    """The message may go through later: the server is down, busy or timed out."""


class PermanentError(Exception):
    """The message will never go through as it is: a bad address, a refused request."""


class Channel(Protocol):
    def configured(self) -> bool: ...

    def send(self, delivery: Delivery) -> str:
        """Send the message; return the provider's reference (may be empty)."""
        ...


def base_url() -> str:
    """Where links in outside messages point: KEFU_BASE_URL (default http://127.0.0.1:8000)."""
    return str(getattr(settings, "KEFU_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return base_url() + (url if url.startswith("/") else "/" + url)


def get(name: str) -> Channel:
    from . import email, sms, wechat

    channels: dict[str, Channel] = {"email": email.CHANNEL, "sms": sms.CHANNEL, "wechat": wechat.CHANNEL}
    return channels[name]
