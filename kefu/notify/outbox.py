"""Sending the outbox: deliveries written beside notifications (services.notify) go out here, on the worker.

- A delivery is *claimed* by one conditional UPDATE (pending → sending, attempts + 1); only the process whose
  update matched sends it, so two workers never send the same delivery.
- Success: sent. A temporary failure: pending again after a back-off (1, 5, 15, 60 min, then dead). A
  permanent failure: dead at once. Dead letters stay visible to administrators (/notifications/outbox/), who
  can send one again.
- A crash between the claim and the result leaves the row "sending". After LEASE it is recovered: SMS and
  WeChat go back to pending (their gateways drop a repeated Idempotency-Key, so the retry cannot send twice);
  an e-mail cannot be taken back from an SMTP server, so it becomes a dead letter marked "result unknown"
  for a person to check rather than risk sending it twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import channels
from .models import ChannelPreference, Delivery, Notification

BACKOFF_MINUTES = (1, 5, 15, 60)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
LEASE = dt.timedelta(minutes=5)
IDEMPOTENT_CHANNELS = {Delivery.Channel.SMS, Delivery.Channel.WECHAT}
UNKNOWN_RESULT = "发送结果未知：发送进程在发送时中断。邮件无法撤回，为避免重复发送未自动重试，请核实后手动重发。"


def address_of(channel: str, pref: ChannelPreference) -> str:
    user: Any = pref.user
    if channel == Delivery.Channel.EMAIL:
        return str(user.email or "")
    if channel == Delivery.Channel.SMS:
        return str(user.mobile or "")
    return pref.wechat_openid


def queue_deliveries(notification: Notification) -> int:
    """Write the deliveries of a new notification on the recipient's chosen channels (inside the caller's
    transaction, like the notification itself). Returns how many were written."""
    pref = ChannelPreference.objects.filter(user_id=notification.recipient_id).select_related("user").first()
    if pref is None:
        return 0
    if pref.kinds and notification.kind not in pref.kinds:
        return 0
    now = timezone.now()
    rows = []
    for channel in Delivery.Channel:
        if not getattr(pref, channel.value) or not channels.get(channel.value).configured():
            continue
        address = address_of(channel.value, pref)
        if address:
            rows.append(
                Delivery(notification=notification, channel=channel.value, address=address, next_attempt_at=now)
            )
    if rows:
        Delivery.objects.bulk_create(rows)
        transaction.on_commit(_wake_worker)
    return len(rows)


def _wake_worker() -> None:
    """Ask the task worker to send now (the scheduler sweeps the outbox too, so a lost wake-up only delays)."""
    from .tasks import send_outbox

    try:
        send_outbox.enqueue()
    except Exception:
        return


@dataclass
class OutboxResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    recovered: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retried or self.dead or self.recovered)


def recover_stale(now: dt.datetime | None = None) -> int:
    """Deliveries left "sending" by a crashed worker (claimed more than LEASE ago)."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - LEASE)
    retried = stale.filter(channel__in=IDEMPOTENT_CHANNELS).update(
        status=Delivery.Status.PENDING, next_attempt_at=now, last_error="发送进程中断，重新发送（网关按幂等键去重）"
    )
    dead = stale.exclude(channel__in=IDEMPOTENT_CHANNELS).update(status=Delivery.Status.DEAD, last_error=UNKNOWN_RESULT)
    return retried + dead


def _due_ids(now: dt.datetime, limit: int) -> list[int]:
    qs = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            return list(qs.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
    return list(qs.values_list("pk", flat=True)[:limit])


def claim(pk: int, now: dt.datetime) -> bool:
    return bool(
        Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def send_one(pk: int, now: dt.datetime | None = None) -> str:
    """Claim and send one delivery; returns its new status ("" when another worker had it)."""
    now = now or timezone.now()
    if not claim(pk, now):
        return ""
    delivery = Delivery.objects.select_related("notification").get(pk=pk)
    try:
        ref = channels.get(delivery.channel).send(delivery)
    except channels.PermanentError as exc:
        _finish(delivery, Delivery.Status.DEAD, error=str(exc))
        return Delivery.Status.DEAD
    except channels.TemporaryError as exc:
        if delivery.attempts >= MAX_ATTEMPTS:
            _finish(delivery, Delivery.Status.DEAD, error=str(exc))
            return Delivery.Status.DEAD
        retry_at = now + dt.timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1])
        _finish(delivery, Delivery.Status.PENDING, error=str(exc), next_attempt_at=retry_at)
        return Delivery.Status.PENDING
    _finish(delivery, Delivery.Status.SENT, ref=ref)
    return Delivery.Status.SENT


def _finish(
    delivery: Delivery, status: str, *, error: str = "", ref: str = "", next_attempt_at: dt.datetime | None = None
) -> None:
    fields: dict[str, Any] = {"status": status, "last_error": error[:2000]}
    if status == Delivery.Status.SENT:
        fields.update(sent_at=timezone.now(), provider_ref=ref[:100], last_error="")
    if next_attempt_at is not None:
        fields["next_attempt_at"] = next_attempt_at
    # Only the claimer finishes: the row is still "sending" under our claim.
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(**fields)


def send_due(now: dt.datetime | None = None, limit: int = 100) -> OutboxResult:
    """One sweep: recover stale claims, then send what is due (at most `limit`)."""
    now = now or timezone.now()
    result = OutboxResult(recovered=recover_stale(now))
    for pk in _due_ids(now, limit):
        status = send_one(pk, now)
        if status == Delivery.Status.SENT:
            result.sent += 1
        elif status == Delivery.Status.PENDING:
            result.retried += 1
        elif status == Delivery.Status.DEAD:
            result.dead += 1
    return result


def resend(delivery: Delivery) -> None:
    """An administrator sends a dead letter again: a fresh round of attempts, from now."""
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.DEAD).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )
    transaction.on_commit(_wake_worker)
