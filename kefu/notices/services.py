"""Writing notices: create, edit, publish (now or at a set time), withdraw, and a customer reading one.

Who: Perm.PUBLISH_NOTICES in the notice's project (managers, supervisors, head office). Each function
checks, validates and writes in one transaction.

Publishing happens exactly once. The move to "published" is a conditional UPDATE (from draft, or from
scheduled once due) inside the transaction that writes the receipts and notifications: of two schedulers
(or a scheduler and a manager pressing 发布) only the one whose UPDATE matched writes anything; the other
sees the new status and does nothing. NoticeReceipt(notice, account) and the notifications' dedupe key are
unique as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.customers.models import Building, Tag
from kefu.notify.models import Notification
from kefu.notify.services import mark_read
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import can

from . import audience
from .models import Notice, NoticeReceipt

MSG_FORBIDDEN = "您没有权限发布该项目的通知"
MSG_TITLE = "请填写标题"
MSG_BODY = "请填写正文"
MSG_CATEGORY = "无效的通知类别"
MSG_AUDIENCE = "无效的发布范围"
MSG_BUILDINGS = "请选择楼栋"
MSG_TAGS = "请选择客户分组"
MSG_OTHER_PROJECT = "所选楼栋或分组不属于该项目"
MSG_MODE = "无效的发布方式"
MSG_PUBLISH_AT = "请填写定时发布时间"
MSG_PUBLISH_AT_PAST = "定时发布时间须晚于现在"
MSG_NOT_EDITABLE = "已发布或已撤回的通知不能修改"
MSG_NOT_PUBLISHABLE = "只有草稿可以发布"
MSG_NOT_WITHDRAWABLE = "只有已发布或待定时发布的通知可以撤回"
MSG_NOT_FOUND = "通知不存在"

DRAFT, NOW, SCHEDULE = "draft", "now", "schedule"
MODES = (DRAFT, NOW, SCHEDULE)
TITLE_MAX = 100


def may_publish(user: User, project_id: int) -> bool:
    return can(user, Perm.PUBLISH_NOTICES, project_id)


def _require(actor: User, project_id: int) -> None:
    if not may_publish(actor, project_id):
        raise Forbidden(MSG_FORBIDDEN)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _clean(
    project: Project,
    *,
    title: str,
    body: str,
    category: str,
    audience_kind: str,
    buildings: Iterable[Building],
    tags: Iterable[Tag],
    mode: str,
    publish_at: dt.datetime | None,
    now: dt.datetime,
) -> dict[str, Any]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise _fail("title", MSG_TITLE)
    if len(title) > TITLE_MAX:
        raise _fail("title", f"标题不能超过 {TITLE_MAX} 个字")
    if not body:
        raise _fail("body", MSG_BODY)
    if category not in Notice.Category.values:
        raise _fail("category", MSG_CATEGORY)
    if audience_kind not in Notice.Audience.values:
        raise _fail("audience", MSG_AUDIENCE)
    buildings, tags = list(buildings), list(tags)
    if audience_kind == Notice.Audience.BUILDINGS:
        if not buildings:
            raise _fail("buildings", MSG_BUILDINGS)
        if any(b.project_id != project.pk for b in buildings):
            raise _fail("buildings", MSG_OTHER_PROJECT)
    else:
        buildings = []
    if audience_kind == Notice.Audience.TAGS:
        if not tags:
            raise _fail("tags", MSG_TAGS)
        if any(t.project_id not in (None, project.pk) for t in tags):
            raise _fail("tags", MSG_OTHER_PROJECT)
    else:
        tags = []
    if mode not in MODES:
        raise _fail("mode", MSG_MODE)
    if mode == SCHEDULE:
        if publish_at is None:
            raise _fail("publish_at", MSG_PUBLISH_AT)
        if publish_at <= now:
            raise _fail("publish_at", MSG_PUBLISH_AT_PAST)
    else:
        publish_at = None
    return {
        "title": title,
        "body": body,
        "category": category,
        "audience": audience_kind,
        "buildings": buildings,
        "tags": tags,
        "publish_at": publish_at,
    }


def _save(notice: Notice, actor: User, data: dict[str, Any], mode: str, now: dt.datetime) -> Notice:
    notice.status = Notice.Status.SCHEDULED if mode == SCHEDULE else Notice.Status.DRAFT
    notice.publish_at = data["publish_at"]
    notice.published_by = actor if mode == SCHEDULE else None
    notice.save()
    notice.buildings.set(data["buildings"])
    notice.tags.set(data["tags"])
    if mode == NOW:
        _publish(notice, actor, now, from_status=Notice.Status.DRAFT)
        notice.refresh_from_db()
    return notice


@transaction.atomic
def notice_create(
    *,
    actor: User,
    project: Project,
    title: str,
    body: str,
    category: str = Notice.Category.TIP,
    audience: str = Notice.Audience.PROJECT,
    buildings: Iterable[Building] = (),
    tags: Iterable[Tag] = (),
    push: bool = True,
    mode: str = DRAFT,
    publish_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """A new notice: kept as a draft, published at once (mode "now") or scheduled (mode "schedule")."""
    now = _now(now)
    _require(actor, project.pk)
    data = _clean(
        project,
        title=title,
        body=body,
        category=category,
        audience_kind=audience,
        buildings=buildings,
        tags=tags,
        mode=mode,
        publish_at=publish_at,
        now=now,
    )
    notice = Notice(
        project=project,
        title=data["title"],
        body=data["body"],
        category=data["category"],
        audience=data["audience"],
        push=push,
        created_by=actor,
    )
    return _save(notice, actor, data, mode, now)


@transaction.atomic
def notice_update(
    *,
    actor: User,
    notice: Notice,
    title: str,
    body: str,
    category: str,
    audience: str,
    buildings: Iterable[Building] = (),
    tags: Iterable[Tag] = (),
    push: bool = True,
    mode: str = DRAFT,
    publish_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """Edit a draft or a scheduled notice (and keep it, schedule it or publish it now)."""
    now = _now(now)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _require(actor, notice.project_id)
    if notice.status not in (Notice.Status.DRAFT, Notice.Status.SCHEDULED):
        raise Conflict(MSG_NOT_EDITABLE)
    data = _clean(
        notice.project,
        title=title,
        body=body,
        category=category,
        audience_kind=audience,
        buildings=buildings,
        tags=tags,
        mode=mode,
        publish_at=publish_at,
        now=now,
    )
    notice.title, notice.body = data["title"], data["body"]
    notice.category, notice.audience, notice.push = data["category"], data["audience"], push
    return _save(notice, actor, data, mode, now)


@transaction.atomic
def notice_publish(*, actor: User, notice: Notice, now: dt.datetime | None = None) -> Notice:
    """Publish a draft now."""
    now = _now(now)
    _require(actor, notice.project_id)
    if not _publish(notice, actor, now, from_status=Notice.Status.DRAFT):
        raise Conflict(MSG_NOT_PUBLISHABLE)
    notice.refresh_from_db()
    return notice


def _publish(notice: Notice, actor: User | None, now: dt.datetime, *, from_status: str) -> bool:
    """Move the notice to published if it is still in `from_status` (and, when scheduled, due), then write
    what reaches its audience. False when another writer got there first (or it is not due)."""
    claim = Notice.objects.filter(pk=notice.pk, status=from_status)
    if from_status == Notice.Status.SCHEDULED:
        claim = claim.filter(publish_at__lte=now)
    fields: dict[str, Any] = {"status": Notice.Status.PUBLISHED, "published_at": now, "updated_at": now}
    if actor is not None:
        fields["published_by"] = actor
    if not claim.update(**fields):
        return False
    notice.refresh_from_db()
    reached = audience.recipients(notice)
    audience.write(notice, reached, now)
    Notice.objects.filter(pk=notice.pk).update(audience_size=len(reached))
    return True


def run_due(now: dt.datetime | None = None, limit: int = 20) -> list[str]:
    """The scheduler's job: publish the scheduled notices that are due, each in its own transaction.
    Returns a line per notice published."""
    now = _now(now)
    due = list(
        Notice.objects.filter(status=Notice.Status.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    lines = []
    for pk in due:
        with transaction.atomic():
            notice = Notice.objects.get(pk=pk)
            if _publish(notice, None, now, from_status=Notice.Status.SCHEDULED):
                size = Notice.objects.values_list("audience_size", flat=True).get(pk=pk)
                lines.append(f"notice {pk} published to {size} accounts")
    return lines


@transaction.atomic
def notice_withdraw(*, actor: User, notice: Notice, reason: str = "", now: dt.datetime | None = None) -> Notice:
    """Take a published notice off the portal (its receipts stay for the record), or cancel a scheduled one.
    Outside messages not yet sent are not sent."""
    now = _now(now)
    _require(actor, notice.project_id)
    taken = Notice.objects.filter(pk=notice.pk, status__in=[Notice.Status.PUBLISHED, Notice.Status.SCHEDULED]).update(
        status=Notice.Status.WITHDRAWN,
        withdrawn_at=now,
        withdrawn_by=actor,
        withdraw_reason=(reason or "").strip()[:200],
        updated_at=now,
    )
    if not taken:
        raise Conflict(MSG_NOT_WITHDRAWABLE)
    notice.refresh_from_db()
    audience.withdraw_unsent(notice)
    return notice


@transaction.atomic
def notice_read(*, actor: User, notice: Notice, now: dt.datetime | None = None) -> bool:
    """A customer opens a notice addressed to them: its receipt is marked read (the first time only), and so
    is its in-app notification. True the first time."""
    now = _now(now)
    receipts = NoticeReceipt.objects.filter(notice=notice, account=actor)
    if not receipts.exists():
        raise NotFound(MSG_NOT_FOUND)
    first = bool(receipts.filter(read_at__isnull=True).update(read_at=now))
    if first:
        ids = Notification.objects.filter(recipient=actor, dedupe_key=notice.dedupe_key).values_list("pk", flat=True)
        mark_read(user=actor, ids=list(ids))
    return first
