"""Reads of notices, filtered by who asks.

Staff: the notices of the projects where they publish notices (PUBLISH_NOTICES) or work the desk
(VIEW_CASES, a steward through the projects of their zones), so the front desk can answer "why is the water
off?"; the read receipts only for those who may publish there. Customers: only the published notices
addressed to one of their portal accounts (a receipt); anything else is "not found".

Read rate = receipts read / receipts written (the audience reached when the notice was published).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from kefu.core.errors import NotFound
from kefu.org.models import User, Zone
from kefu.org.roles import Perm
from kefu.org.scope import access

from .models import Notice, NoticeReceipt
from .services import MSG_NOT_FOUND, may_publish


@dataclass(frozen=True)
class ReadFigures:
    label: str
    reached: int = 0
    read: int = 0

    @property
    def unread(self) -> int:
        return self.reached - self.read

    @property
    def rate(self) -> float | None:
        return self.read / self.reached if self.reached else None


# Staff ------------------------------------------------------------------------------------------------


def notices_for(user: User) -> QuerySet[Notice]:
    p = access(user, Perm.PUBLISH_NOTICES)
    v = access(user, Perm.VIEW_CASES)
    q = p.q("project") | v.q("project")
    if v.zone_ids:
        q |= Q(project__in=Zone.objects.filter(pk__in=sorted(v.zone_ids)).values("project_id"))
    return Notice.objects.filter(q).select_related("project", "created_by", "published_by", "withdrawn_by")


def notice_get(user: User, pk: int) -> Notice:
    notice = notices_for(user).filter(pk=pk).first()
    if notice is None:
        raise NotFound(MSG_NOT_FOUND)
    return notice


def may_see_receipts(user: User, notice: Notice) -> bool:
    return may_publish(user, notice.project_id)


def read_figures(notice: Notice) -> ReadFigures:
    row = notice.receipts.aggregate(reached=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False)))
    return ReadFigures(label="合计", reached=row["reached"] or 0, read=row["read"] or 0)


def read_counts(notice_ids: Iterable[int]) -> dict[int, ReadFigures]:
    """Reached and read per notice, for a page of the list (one grouped query)."""
    rows = (
        NoticeReceipt.objects.filter(notice_id__in=list(notice_ids))
        .values("notice_id")
        .annotate(reached=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False)))
        .order_by()
    )
    return {r["notice_id"]: ReadFigures(label="", reached=r["reached"], read=r["read"]) for r in rows}


def read_by_building(notice: Notice) -> list[ReadFigures]:
    rows = (
        notice.receipts.values("building_id", "building__code", "building__name")
        .annotate(reached=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False)))
        .order_by("building__code")
    )
    return [ReadFigures(label=r["building__name"] or "未关联楼栋", reached=r["reached"], read=r["read"]) for r in rows]


def receipts(notice: Notice, *, read: str = "", building: int | None = None) -> QuerySet[NoticeReceipt]:
    """Who was reached: read = "yes" (has read), "no" (has not), "" (all)."""
    qs = notice.receipts.select_related("account", "customer", "unit", "building")
    if read == "yes":
        qs = qs.filter(read_at__isnull=False)
    elif read == "no":
        qs = qs.filter(read_at__isnull=True)
    if building is not None:
        qs = qs.filter(building_id=building)
    return qs.order_by(F("read_at").desc(nulls_last=True), "building__code", "unit__code", "pk")


# Customers ----------------------------------------------------------------------------------------------


def my_notices(user: User) -> QuerySet[Notice]:
    """The published notices addressed to this portal account, newest first, each with my_read_at."""
    return (
        Notice.objects.filter(receipts__account=user, status=Notice.Status.PUBLISHED)
        .annotate(my_read_at=F("receipts__read_at"))
        .order_by("-published_at", "-pk")
    )


def my_unread_count(user: User) -> int:
    return NoticeReceipt.objects.filter(
        account=user, read_at__isnull=True, notice__status=Notice.Status.PUBLISHED
    ).count()


def my_notice_get(user: User, pk: int) -> Notice:
    """A notice addressed to this account (published, or withdrawn since); otherwise not found."""
    notice = (
        Notice.objects.filter(
            pk=pk, receipts__account=user, status__in=[Notice.Status.PUBLISHED, Notice.Status.WITHDRAWN]
        )
        .select_related("project")
        .first()
    )
    if notice is None:
        raise NotFound(MSG_NOT_FOUND)
    return notice
