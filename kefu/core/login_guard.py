"""Login throttling and lockout for the staff login form.

Every refused login is a row (`LoginFailure`: time, username as typed, client address, outcome), so the
database both counts and records them: several web processes share the count without a shared cache, and the
rows stay for audit. A username with `KEFU_LOGIN_FAILURES_PER_USER` failed logins within
`KEFU_LOGIN_WINDOW_SECONDS`, or a client address with `KEFU_LOGIN_FAILURES_PER_IP`, is locked for
`KEFU_LOGIN_LOCK_SECONDS` from the failure that reached the limit. While locked, every try is refused before
the password is checked, with one message whether or not the username exists; refused tries are recorded
(`locked`) but do not extend the lock. A successful login does not erase the record.

The clock is `now()` below: tests move it (no sleeping) by replacing `login_guard.clock`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LoginFailure

log = logging.getLogger(__name__)

MSG_LOCKED = _("登录失败次数过多，账号或本机已被暂时锁定，请 {minutes} 分钟后再试")

clock: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return clock()


@dataclass(frozen=True)
class Limits:
    per_user: int
    per_ip: int
    window: timedelta
    lock: timedelta

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            per_user=settings.KEFU_LOGIN_FAILURES_PER_USER,
            per_ip=settings.KEFU_LOGIN_FAILURES_PER_IP,
            window=timedelta(seconds=settings.KEFU_LOGIN_WINDOW_SECONDS),
            lock=timedelta(seconds=settings.KEFU_LOGIN_LOCK_SECONDS),
        )


def _norm(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _locked_until(times: list[datetime], limit: int, window: timedelta, lock: timedelta) -> datetime | None:
    """`times` ascending: the end of the latest lock, if `limit` failures ever fell within one window."""
    until = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            until = times[i] + lock
    return until


def locked_until(username: str, ip: str | None, *, at: datetime | None = None) -> datetime | None:
    """When the lock on this username or client address ends, or None when neither is locked."""
    at = at or now()
    lim = Limits.from_settings()
    since = at - lim.window - lim.lock
    base = LoginFailure.objects.filter(outcome=LoginFailure.Outcome.FAILED, at__gt=since, at__lte=at)
    ends = []
    name = _norm(username)
    if name:
        times = list(base.filter(username=name).order_by("at").values_list("at", flat=True))
        ends.append(_locked_until(times, lim.per_user, lim.window, lim.lock))
    if ip:
        times = list(base.filter(ip=ip).order_by("at").values_list("at", flat=True))
        ends.append(_locked_until(times, lim.per_ip, lim.window, lim.lock))
    live = [e for e in ends if e is not None and e > at]
    return max(live) if live else None


def record(username: str, ip: str | None, outcome: str, *, at: datetime | None = None) -> LoginFailure:
    """One refused login, as a row (counted by locked_until, kept for audit) and a log line."""
    row = LoginFailure.objects.create(at=at or now(), username=_norm(username), ip=ip or None, outcome=outcome)
    log.warning("staff login refused (%s): username=%r ip=%s", outcome, row.username, row.ip)
    return row


def locked_message(until: datetime, *, at: datetime | None = None) -> str:
    seconds = (until - (at or now())).total_seconds()
    minutes = max(1, int(-(-seconds // 60)))
    return str(MSG_LOCKED).format(minutes=minutes)
