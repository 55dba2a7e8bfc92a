"""Writing notifications. Always called inside the business action's transaction (the outbox rule)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from . import outbox
from .models import Notification


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    case: Any = None,
    url: str = "",
    dedupe_key: str = "",
) -> int:
    """Queue a notification for each recipient (once per dedupe_key). Returns how many were written."""
    written = 0
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                n = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    case=case,
                    url=url or (f"/cases/{case.number}/" if case is not None else ""),
                    dedupe_key=dedupe_key,
                )
                outbox.queue_deliveries(n)
        except IntegrityError:
            continue  # a concurrent writer queued the same (recipient, dedupe_key) first
        written += 1
    return written


def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
