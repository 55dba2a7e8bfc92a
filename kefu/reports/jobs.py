"""The scheduled-report round of the scheduler (run_scheduler calls run_due() every minute).

1. Subscriptions whose next_run_at has come: write the delivery of the last complete period (unique per
   subscription and period), move next_run_at on, queue the delivery for the worker.
2. Failed deliveries whose back-off is over: back to pending, queued again.
3. Deliveries stuck for STALE_AFTER (queued but the task was lost, or a worker died while sending): queued
   again, or counted as a failed attempt.

Several schedulers may run at once: each subscription is taken under its row lock (SKIP LOCKED on PostgreSQL),
and every change of a delivery's status is a conditional UPDATE, so only one of them acts."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import registry
from .models import ReportDelivery, ReportSubscription
from .subscriptions import STALE_AFTER, delivery_fail, delivery_open, enqueue, next_run, period_for

DEFAULT_LIMIT = 200


def _take(pk: int, now: dt.datetime) -> ReportSubscription | None:
    qs = ReportSubscription.objects.filter(pk=pk, is_active=True, next_run_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    else:
        qs = qs.select_for_update()
    return qs.first()


def _run_subscription(pk: int, now: dt.datetime) -> str | None:
    with transaction.atomic():
        sub = _take(pk, now)
        if sub is None:  # another scheduler has it, or it is no longer due
            return None
        sub.next_run_at = next_run(sub.frequency, sub.hour, sub.weekday, sub.day_of_month, now)
        sub.save(update_fields=["next_run_at"])
        report = registry.get(sub.report_key)
        period = period_for(report, sub.frequency, timezone.localdate(now)) if report else None
        if period is None:
            return f"subscription {sub.pk}: report {sub.report_key!r} cannot be sent {sub.frequency}"
        delivery = delivery_open(sub, period, manual=False, now=now)
        if delivery is None:
            return None
        return f"report {sub.report_key} {period.start}..{period.end} queued for {sub.user_id}"


def _retry(pk: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        moved = ReportDelivery.objects.filter(pk=pk, status=ReportDelivery.Status.FAILED, retry_at__lte=now).update(
            status=ReportDelivery.Status.PENDING, retry_at=None, queued_at=now
        )
        if moved:
            enqueue(pk)
    return bool(moved)


def _recover(now: dt.datetime, limit: int) -> int:
    """Queue again what was queued long ago and never picked up; count a send that never finished as a failed
    attempt (it is retried like any other)."""
    stale = now - STALE_AFTER
    n = 0
    for pk, queued_at in ReportDelivery.objects.filter(
        status=ReportDelivery.Status.PENDING, queued_at__lt=stale
    ).values_list("pk", "queued_at")[:limit]:
        with transaction.atomic():
            if ReportDelivery.objects.filter(pk=pk, status=ReportDelivery.Status.PENDING, queued_at=queued_at).update(
                queued_at=now
            ):
                enqueue(pk)
                n += 1
    for delivery in ReportDelivery.objects.filter(status=ReportDelivery.Status.SENDING, claimed_at__lt=stale)[:limit]:
        delivery_fail(delivery, _("发送过程中断（工作进程停止），稍后重试"), now, retry=True)
        n += 1
    return n


def run_due(now: dt.datetime | None = None, *, limit: int = DEFAULT_LIMIT) -> list[str]:
    """One round. Returns what it did (for the scheduler's log)."""
    now = now or timezone.now()
    done: list[str] = []
    due = ReportSubscription.objects.filter(is_active=True, next_run_at__lte=now).order_by("next_run_at", "pk")
    for pk in due.values_list("pk", flat=True)[:limit]:
        line = _run_subscription(pk, now)
        if line:
            done.append(line)
    retries = ReportDelivery.objects.filter(status=ReportDelivery.Status.FAILED, retry_at__lte=now).order_by("retry_at")
    retried = sum(_retry(pk, now) for pk in retries.values_list("pk", flat=True)[:limit])
    if retried:
        done.append(f"report deliveries retried: {retried}")
    recovered = _recover(now, limit)
    if recovered:
        done.append(f"stale report deliveries handled: {recovered}")
    return done
