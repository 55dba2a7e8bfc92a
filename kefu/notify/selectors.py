"""Reads of notifications. The recipient is the scope: nobody reads anyone else's."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from kefu.customers.models import Customer
from kefu.org.models import Membership
from kefu.org.roles import Perm
from kefu.org.scope import access

from .models import Delivery, Notification


def inbox(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("case")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, user: Any) -> int:
    """One indexed count on (recipient, read_at): the badge on 我的消息."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def outbox(*, user: Any, status: str = "", channel: str = "") -> QuerySet[Delivery]:
    """Outside deliveries an administrator may see (MANAGE_ORG): all for head office; otherwise those about
    cases of their projects, or to staff or portal customers of their projects. Nobody else sees any."""
    a = access(user, Perm.MANAGE_ORG)
    qs = Delivery.objects.select_related("notification", "notification__recipient", "notification__case")
    if a.is_empty:
        return qs.none()
    if not a.all_projects:
        ids = sorted(a.project_ids)
        members = Membership.objects.filter(project_id__in=ids, is_active=True).values("user_id")
        customers = Customer.objects.filter(project_id__in=ids, account__isnull=False).values("account_id")
        qs = qs.filter(
            Q(notification__case__project_id__in=ids)
            | Q(notification__recipient_id__in=members)
            | Q(notification__recipient_id__in=customers)
        )
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-pk")


def outbox_counts(*, user: Any) -> dict[str, int]:
    """Deliveries per status within the reader's scope (one grouped query)."""
    rows = outbox(user=user).order_by().values("status").annotate(n=Count("pk"))
    counts = {s.value: 0 for s in Delivery.Status}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts
