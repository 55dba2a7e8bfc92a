"""How durations read on Kefu's pages: 2天3小时, 5小时, 40分钟."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _


def duration_zh(value: dt.timedelta | float | None, *, minutes: bool = False) -> str:
    """A duration (timedelta or seconds) as staff read it: 2天3小时 / 5小时 / 40分钟.

    minutes=False (countdowns beside a case): whole hours under a day, at least 1分钟.
    minutes=True (measured times in reports): 5小时20分钟, 不足1分钟, 0分钟; — when there is none."""
    if value is None:
        return "—"
    secs = int(abs(value.total_seconds())) if isinstance(value, dt.timedelta) else max(0, int(value))
    days, rem = divmod(secs, 86400)
    hours, rem = divmod(rem, 3600)
    mins = rem // 60
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours} if hours else _("%(d)s天") % {"d": days}
    if hours:
        if minutes and mins:
            return _("%(h)s小时%(m)s分钟") % {"h": hours, "m": mins}
        return _("%(h)s小时") % {"h": hours}
    if not minutes:
        return _("%(m)s分钟") % {"m": max(mins, 1)}
    if mins:
        return _("%(m)s分钟") % {"m": mins}
    return _("0分钟") if secs == 0 else _("不足1分钟")
