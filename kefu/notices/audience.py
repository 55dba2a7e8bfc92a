"""Who a notice reaches, and writing what reaches them in bulk.

The audience is the set of portal accounts (Customer.account, active customer accounts only) of
- PROJECT:   customers living in any unit of the project now (a current Occupancy);
- BUILDINGS: customers living now in a unit of one of the chosen buildings;
- TAGS:      the project's customers carrying any of the chosen tags (wherever they live).
An account linked to several archives or units is reached once; its receipt names the first unit found
(ordered by building and unit code) so that per-building read rates add up to the whole.

Publishing writes one NoticeReceipt and one in-app Notification per account with bulk inserts, and the
outside deliveries the same way kefu.notify.outbox.queue_deliveries would write them one by one (the
recipient's ChannelPreference: its channels that are configured, its kinds filter, its address).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from kefu.customers.models import Customer, Occupancy
from kefu.notify import channels
from kefu.notify.models import ChannelPreference, Delivery, Notification
from kefu.notify.outbox import address_of
from kefu.org.models import User

from .models import Notice, NoticeReceipt

BATCH = 500


@dataclass(frozen=True)
class Reached:
    account_id: int
    customer_id: int | None
    unit_id: int | None
    building_id: int | None


def _occupancies(notice: Notice) -> QuerySet[Occupancy]:
    qs = Occupancy.objects.filter(
        move_out__isnull=True,
        unit__project_id=notice.project_id,
        customer__is_active=True,
        customer__account__isnull=False,
        customer__account__is_active=True,
        customer__account__kind=User.Kind.CUSTOMER,
    )
    return qs.order_by("customer__account_id", "unit__building__code", "unit__code", "pk")


def recipients(notice: Notice) -> list[Reached]:
    """The accounts the notice reaches now, each once."""
    seen: dict[int, Reached] = {}
    if notice.audience in (Notice.Audience.PROJECT, Notice.Audience.BUILDINGS):
        occ = _occupancies(notice)
        if notice.audience == Notice.Audience.BUILDINGS:
            occ = occ.filter(unit__building__in=notice.buildings.all())
        rows = occ.values_list("customer__account_id", "customer_id", "unit_id", "unit__building_id")
        for account_id, customer_id, unit_id, building_id in rows:
            if account_id not in seen:
                seen[account_id] = Reached(account_id, customer_id, unit_id, building_id)
        return list(seen.values())
    customers = (
        Customer.objects.filter(
            project_id=notice.project_id,
            is_active=True,
            account__isnull=False,
            account__is_active=True,
            account__kind=User.Kind.CUSTOMER,
            tags__in=notice.tags.all(),
        )
        .order_by("account_id", "code")
        .values_list("account_id", "pk")
        .distinct()
    )
    first_archive: dict[int, int] = {}
    for account_id, customer_id in customers:
        first_archive.setdefault(account_id, customer_id)
    homes: dict[int, tuple[int | None, int | None]] = {}
    for chunk in _chunks(list(first_archive.values())):
        lived = (
            _occupancies(notice)
            .filter(customer_id__in=chunk)
            .values_list("customer_id", "unit_id", "unit__building_id")
        )
        for customer_id, unit_id, building_id in lived:
            homes.setdefault(customer_id, (unit_id, building_id))
    for account_id, customer_id in first_archive.items():
        home_unit, home_building = homes.get(customer_id, (None, None))
        seen[account_id] = Reached(account_id, customer_id, home_unit, home_building)
    return list(seen.values())


def _chunks[T](items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def write(notice: Notice, reached: Sequence[Reached], now: dt.datetime) -> int:
    """Receipts, in-app notifications and outside deliveries for everyone reached, in the caller's
    transaction. Returns the number of receipts written."""
    NoticeReceipt.objects.bulk_create(
        [
            NoticeReceipt(
                notice=notice,
                account_id=r.account_id,
                customer_id=r.customer_id,
                unit_id=r.unit_id,
                building_id=r.building_id,
                created_at=now,
            )
            for r in reached
        ],
        batch_size=BATCH,
    )
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=r.account_id,
                kind=Notification.Kind.NOTICE,
                title=notice.title[:200],
                body=excerpt(notice.body),
                url=notice.url,
                dedupe_key=notice.dedupe_key,
            )
            for r in reached
        ],
        batch_size=BATCH,
    )
    if notice.push:
        queue_deliveries(notifications, now)
    return len(reached)


def excerpt(body: str, length: int = 120) -> str:
    text = " ".join(body.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def queue_deliveries(notifications: Iterable[Notification], now: dt.datetime) -> int:
    """kefu.notify.outbox.queue_deliveries for many notifications at once: one query for the preferences of
    each batch of recipients, one insert for the deliveries."""
    by_user = {n.recipient_id: n for n in notifications}
    configured = [c for c in Delivery.Channel if channels.get(c.value).configured()]
    if not by_user or not configured:
        return 0
    written = 0
    for chunk in _chunks(sorted(by_user)):
        rows: list[Delivery] = []
        prefs = ChannelPreference.objects.filter(user_id__in=chunk).select_related("user")
        for pref in prefs:
            n = by_user[pref.user_id]
            if pref.kinds and n.kind not in pref.kinds:
                continue
            for channel in configured:
                if not getattr(pref, channel.value):
                    continue
                address = address_of(channel.value, pref)
                if address:
                    rows.append(Delivery(notification=n, channel=channel.value, address=address, next_attempt_at=now))
        Delivery.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    if written:
        transaction.on_commit(_wake_worker)
    return written


def _wake_worker() -> None:
    """As outbox._wake_worker: ask the task worker to send now (the scheduler sweeps the outbox too)."""
    from kefu.notify.tasks import send_outbox

    try:
        send_outbox.enqueue()
    except Exception:
        return


def withdraw_unsent(notice: Notice) -> tuple[int, int]:
    """A withdrawn notice: outside messages not yet sent are not sent, and unread in-app notifications that
    nothing went out for are removed. Returns (deliveries, notifications) removed."""
    ours = Notification.objects.filter(
        recipient_id__in=notice.receipts.values("account_id"), dedupe_key=notice.dedupe_key
    )
    deliveries, _ = Delivery.objects.filter(notification__in=ours, status=Delivery.Status.PENDING).delete()
    unread = ours.filter(read_at__isnull=True, deliveries__isnull=True)
    removed = unread.delete()[1].get("notify.Notification", 0)
    return deliveries, removed
