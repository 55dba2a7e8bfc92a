"""Reads of notifications. The recipient is the scope: nobody reads anyone else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def inbox(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("case")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, user: Any) -> int:
    """One indexed count on (recipient, read_at): the badge on 我的消息."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
