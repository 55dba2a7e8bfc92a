"""Every change to a case. One function per business action: it checks who may act and whether the
status allows it (states.TRANSITIONS), locks the row, writes the new state, appends the timeline event
and queues notifications, all in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.customers.models import Customer, Unit
from kefu.notify.models import Notification
from kefu.notify.services import notify
from kefu.org.models import Department, Membership, Project, User
from kefu.org.roles import Perm, Role
from kefu.org.scope import access, can
from kefu.quality import cycle

from . import search, sla
from .models import Attachment, Case, CaseEvent, CaseLink, CaseSequence, Category, Escalation, IdempotencyKey
from .states import ILLEGAL, OPEN_STATUSES, PREFIX, TRANSITIONS, Action, Channel, Kind, Priority, Status, WaitReason

MSG_FORBIDDEN = "您没有权限执行此操作"
MSG_NOT_ASSIGNEE = "只有处理人或派单人员可以执行此操作"
MSG_TITLE = "请填写摘要或详细描述"
MSG_CATEGORY = "分类与工单类型不符"
MSG_OTHER_PROJECT = "所选对象不属于该项目"
MSG_DISPATCH_TARGET = "请选择处理部门或处理人"
MSG_NOT_MEMBER = "处理人不是该部门在岗人员"
MSG_CAP = "{name} 的在办工单已达上限（{cap} 单）"
MSG_NO_ONE_ON_DUTY = "该部门没有可轮派的在岗人员"
MSG_NOT_IN_POOL = "该工单不在抢单池中"
MSG_REASON = "请填写原因"
MSG_STALE = "该工单已被他人更新，请刷新后重试"
MSG_CHILDREN_OPEN = "子工作单未全部完成，不能办结"
MSG_MERGE_SELF = "不能合并到自身"
MSG_MERGE_OTHER_PROJECT = "只能合并同一项目的工单"
MSG_IDEMPOTENCY_REUSED = "该 Idempotency-Key 已用于另一个请求"
MSG_REQUIRED_BY_PAST = "要求完成时间不能早于现在"
MSG_FILE_TOO_BIG = "文件过大（最大 {mb} MB）"
MSG_FILE_TYPE = "不支持的文件类型：{name}（支持图片、PDF、Office 文档和录音）"
MSG_EMPTY_COMMENT = "内容不能为空"
MSG_MAJOR_KIND = "只有投诉可以标记为重大投诉"
MSG_MAJOR_CLOSED = "已办结或已关闭的投诉不能再标记为重大投诉"
MSG_MERGE_INTO_CLOSED = "只能合并到未关闭的工单"

ALLOWED_CONTENT_TYPES = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "audio/mpeg", "audio/x-wav", "audio/mp4", "audio/amr",
}  # fmt: skip

PUBLIC_ACTIONS = {
    Action.CREATE, Action.SOLVE_AT_ONCE, Action.DISPATCH, Action.GRAB, Action.ACCEPT, Action.START,
    Action.RESOLVE, Action.CLOSE, Action.REOPEN, Action.CANCEL,
}  # fmt: skip


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# Permissions ---------------------------------------------------------------------------------------


def _may(actor: User, perm: Perm, case: Case) -> bool:
    return access(actor, perm).covers(case.project_id, case.zone_id)


def _require(actor: User, perm: Perm, case: Case) -> None:
    if not _may(actor, perm, case):
        raise Forbidden(MSG_FORBIDDEN)


def _require_handler(actor: User, case: Case) -> None:
    """The assignee (holding a handling role there), or someone who dispatches in the project."""
    if case.assignee_id == actor.pk and can(actor, Perm.HANDLE_CASE, case.project_id, case.zone_id):
        return
    if case.assignee_id == actor.pk and _is_department_member(actor, case.department_id):
        return
    if _may(actor, Perm.DISPATCH_CASE, case):
        return
    raise Forbidden(MSG_NOT_ASSIGNEE)


def _is_participant(actor: User, case: Case) -> bool:
    """Sees the case on the desk, or works on it (assignee, or a member of its department)."""
    return (
        _may(actor, Perm.VIEW_CASES, case)
        or case.assignee_id == actor.pk
        or _is_department_member(actor, case.department_id)
    )


def _require_participant(actor: User, case: Case) -> None:
    if not _is_participant(actor, case):
        raise Forbidden(MSG_FORBIDDEN)


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(MSG_REASON, fields={"reason": [MSG_REASON]})
    return reason


def _is_department_member(user: User, department_id: int | None) -> bool:
    if department_id is None:
        return False
    return Membership.objects.filter(user=user, department_id=department_id, is_active=True).exists()


# The one place a case changes state ------------------------------------------------------------------


def _lock(case: Case) -> Case:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins (department, assignee).
    qs = Case.objects.select_for_update(of=("self",)).select_related("project", "department", "assignee")
    return qs.get(pk=case.pk)


def _event(
    case: Case,
    kind: str,
    actor: User | None,
    now: dt.datetime,
    *,
    from_status: str = "",
    to_status: str = "",
    body: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=to_status,
        body=body,
        is_public=public,
        data=data or {},
    )
    cycle.on_event(event, case)
    return event


def _check_transition(case: Case, action: Action) -> None:
    if case.status not in TRANSITIONS[action][0]:
        raise Conflict(ILLEGAL.format(status=Status(case.status).label, action=action.label), code="illegal_transition")


def _transition(
    case: Case,
    action: Action,
    actor: User | None,
    now: dt.datetime,
    *,
    to: Status | None = None,
    body: str = "",
    data: dict[str, Any] | None = None,
    version: int | None = None,
    **fields: Any,
) -> Case:
    """Check the transition table, write the new state and the timeline event. Caller holds the lock."""
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        raise Conflict(ILLEGAL.format(status=Status(case.status).label, action=action.label), code="illegal_transition")
    if version is not None and version != case.version:
        raise Conflict(MSG_STALE, code="stale")
    new_status = to or target
    assert new_status is not None
    old = case.status
    if old == Status.WAITING and new_status != Status.WAITING:
        sla.resume(case, now)
    if new_status == Status.WAITING:
        sla.pause(case, now)
    case.status = new_status
    case.status_since = now
    for k, v in fields.items():
        setattr(case, k, v)
    case.version = F("version") + 1
    case.save()
    case.refresh_from_db(fields=["version"])
    event = _event(
        case,
        action.value,
        actor,
        now,
        from_status=old,
        to_status=new_status,
        body=body,
        public=action in PUBLIC_ACTIONS,
        data=data,
    )
    if action in (Action.CLOSE, Action.SOLVE_AT_ONCE):
        from kefu.quality import services as quality

        quality.on_closure(case, event, now)
    if new_status == Status.RESOLVED:
        from kefu.visits import services as visits

        _tell_customer_resolved(case)
        visits.on_case_resolved(case, now)
    elif action == Action.REOPEN:
        from kefu.visits import services as visits

        visits.on_case_reopened(case, now)
    return case


def _tell_customer_resolved(case: Case) -> None:
    """The customer's portal account hears that their matter is done and may rate it (微物业)."""
    if case.parent_id is not None or case.customer_id is None:
        return
    accounts = User.objects.filter(customer_archives=case.customer_id, kind=User.Kind.CUSTOMER, is_active=True)
    notify(
        accounts,
        kind=Notification.Kind.RESOLVED,
        title=f"您的报事 {case.number} 已处理完成",
        body="请在微物业查看处理结果，并为我们的服务评价。",
        url=f"/m/cases/{case.number}/",
        dedupe_key=f"customer-resolved-{case.pk}-{case.version}",
    )


# Numbers --------------------------------------------------------------------------------------------


def next_number(kind: str, now: dt.datetime) -> str:
    """TS20261122-0001: a sequence per prefix and (Beijing) day, unique under concurrency."""
    prefix = PREFIX[Kind(kind)]
    day = timezone.localdate(now)
    table = CaseSequence._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE prefix = %s AND day = %s RETURNING last"  # noqa: S608
    for _attempt in range(5):
        with connection.cursor() as cursor:  # one statement: increment and read (SQLite 3.35+, PostgreSQL)
            cursor.execute(sql, [prefix, connection.ops.adapt_datefield_value(day)])
            row = cursor.fetchone()
        if row is not None:
            return f"{prefix}{day:%Y%m%d}-{row[0]:04d}"
        try:
            with transaction.atomic():
                CaseSequence.objects.create(prefix=prefix, day=day, last=1)
            return f"{prefix}{day:%Y%m%d}-0001"
        except IntegrityError:
            continue  # another transaction created today's row first: take the next number from it
    raise Conflict("工单号生成冲突，请重试")


# Intake ---------------------------------------------------------------------------------------------


@dataclass
class Upload:
    name: str
    content: bytes


def _check_refs(
    project: Project, kind: str, category: Category | None, customer: Customer | None, unit: Unit | None
) -> None:
    if kind not in Kind.values:
        raise ValidationFailed("无效的工单类型", fields={"kind": ["无效的工单类型"]})
    if category is not None and (category.kind != kind or category.project_id not in (None, project.pk)):
        raise ValidationFailed(MSG_CATEGORY, fields={"category": [MSG_CATEGORY]})
    if customer is not None and customer.project_id != project.pk:
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"customer": [MSG_OTHER_PROJECT]})
    if unit is not None and unit.project_id != project.pk:
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"unit": [MSG_OTHER_PROJECT]})


@transaction.atomic
def case_create(
    *,
    actor: User,
    project: Project,
    kind: str,
    channel: str,
    title: str = "",
    description: str = "",
    category: Category | None = None,
    priority: str = Priority.NORMAL,
    is_major: bool = False,
    customer: Customer | None = None,
    unit: Unit | None = None,
    location: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    preferred_time: str = "",
    uploads: Sequence[Upload] = (),
    now: dt.datetime | None = None,
) -> Case:
    now = _now(now)
    if not can(actor, Perm.CREATE_CASE, project.pk, unit.zone_id if unit else None):
        raise Forbidden(MSG_FORBIDDEN)
    _check_refs(project, kind, category, customer, unit)
    if priority not in Priority.values:
        raise ValidationFailed("无效的优先级", fields={"priority": ["无效的优先级"]})
    title = (title or "").strip() or (description or "").strip().split("\n")[0][:60]
    if not title:
        raise ValidationFailed(MSG_TITLE, fields={"title": [MSG_TITLE]})
    if customer is not None and not contact_name:
        contact_name = customer.name
    case = Case(
        project=project,
        kind=kind,
        category=category,
        priority=priority,
        is_major=is_major and kind == Kind.COMPLAINT,
        customer=customer,
        unit=unit,
        location=location.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        title=title[:200],
        description=(description or "").strip(),
        preferred_time=preferred_time,
    )
    return _open(case, actor=actor, channel=channel, uploads=uploads, now=now)


def _open(case: Case, *, actor: User, channel: str, uploads: Sequence[Upload], now: dt.datetime) -> Case:
    """Write a new case that its caller has checked (staff intake, a customer's report): number, SLA, the
    创建 event, the files, the major-complaint escalation and the search document, in the caller's transaction."""
    if channel not in Channel.values:
        raise ValidationFailed("无效的来源渠道", fields={"channel": ["无效的来源渠道"]})
    for upload in uploads:
        _check_upload(upload)  # every file is checked before anything is written or stored
    case.channel = channel
    case.zone = case.unit.zone if case.unit else None
    case.created_by = actor
    case.created_at = case.status_since = now
    sla.apply(case, now)
    # The day's number last: on PostgreSQL it locks the sequence row until commit, so the reads come first.
    case.number = next_number(case.kind, now)
    case.save()
    _event(
        case,
        Action.CREATE,
        actor,
        now,
        to_status=Status.NEW,
        body=case.description,
        public=True,
        data={"channel": channel},
    )
    for upload in uploads:
        _attach(case, actor, upload, now)
    if case.is_major:
        _escalate_major(case, actor, now)
    search.index_case(case, comments=())
    return case


def request_fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def case_create_idempotent(*, actor: User, key: str, fingerprint: str, **kwargs: Any) -> tuple[Case, bool]:
    """Create once per (user, key). A retry with the same body gets the first case back (created=False);
    the same key with another body is refused."""
    existing = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise Conflict(MSG_IDEMPOTENCY_REUSED, code="idempotency_key_reused")
        return existing.case, False
    try:
        with transaction.atomic():
            case = case_create(actor=actor, **kwargs)
            IdempotencyKey.objects.create(user=actor, key=key, request_hash=fingerprint, case=case)
            return case, True
    except IntegrityError:
        # A concurrent retry with the same key committed first: its case is the answer.
        existing = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
        if existing is None:
            raise
        if existing.request_hash != fingerprint:
            raise Conflict(MSG_IDEMPOTENCY_REUSED, code="idempotency_key_reused") from None
        return existing.case, False


@transaction.atomic
def case_solve_at_once(*, actor: User, case: Case, answer: str, now: dt.datetime | None = None) -> Case:
    """Answered on first contact (首问解决): recorded, closed, counted as first-contact resolution."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.SOLVE_AT_ONCE)
    _require(actor, Perm.CREATE_CASE, case)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed("请填写答复内容", fields={"answer": ["请填写答复内容"]})
    return _transition(
        case,
        Action.SOLVE_AT_ONCE,
        actor,
        now,
        body=answer,
        first_contact_resolution=True,
        first_replied_at=case.first_replied_at or now,
        resolved_at=now,
        closed_at=now,
        assignee=actor,
    )


# Dispatch -------------------------------------------------------------------------------------------


class DispatchMode:
    PERSON = "person"
    DEPARTMENT = "department"  # to the department: round robin among its on-duty members
    POOL = "pool"  # to the department's grab pool (抢单)
    CHOICES = (PERSON, DEPARTMENT, POOL)


def open_jobs(user: User) -> int:
    return Case.objects.filter(assignee=user, status__in=OPEN_STATUSES).count()


def _check_cap(user: User, department: Department | None) -> None:
    cap = department.max_open_jobs if department is not None else 0
    if not cap:
        return
    # Different cases given to one person at the same moment each hold only their own case's lock: the person's
    # row is locked too (until commit), so that counting their jobs and adding one is a single step.
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).order_by().values_list("pk"))
    if open_jobs(user) >= cap:
        raise Conflict(MSG_CAP.format(name=user.display_name, cap=cap), code="cap_reached")


def department_members(department: Department) -> Any:
    return User.objects.filter(
        memberships__department=department, memberships__is_active=True, is_active=True, kind=User.Kind.STAFF
    ).distinct()


def round_robin_pick(department: Department) -> User:
    """The on-duty member who was given a job from this department longest ago (never = first),
    skipping anyone at the department's cap. One pick at a time per department (its row is locked until commit):
    dispatches at the same moment see each other's choice, so they go to different people and keep the cap."""
    list(Department.objects.select_for_update(no_key=True).filter(pk=department.pk).order_by().values_list("pk"))
    members = (
        department_members(department)
        .filter(on_duty=True)
        .annotate(last_job=Max("assigned_cases__dispatched_at", filter=Q(assigned_cases__department=department)))
        .order_by(F("last_job").asc(nulls_first=True), "pk")
    )
    for user in members:
        if not department.max_open_jobs or open_jobs(user) < department.max_open_jobs:
            return user
    raise Conflict(MSG_NO_ONE_ON_DUTY, code="no_one_on_duty")


def _resolve_target(
    case: Case, mode: str, department: Department | None, assignee: User | None
) -> tuple[Department | None, User | None, bool]:
    if department is not None and department.project_id not in (None, case.project_id):
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"department": [MSG_OTHER_PROJECT]})
    if mode == DispatchMode.PERSON:
        if assignee is None:
            raise ValidationFailed(MSG_DISPATCH_TARGET, fields={"assignee": [MSG_DISPATCH_TARGET]})
        if not (
            can(assignee, Perm.HANDLE_CASE, case.project_id, case.zone_id)
            or Membership.objects.filter(user=assignee, project=case.project_id, is_active=True).exists()
        ):
            raise ValidationFailed(MSG_OTHER_PROJECT, fields={"assignee": [MSG_OTHER_PROJECT]})
        if department is not None and not department_members(department).filter(pk=assignee.pk).exists():
            raise ValidationFailed(MSG_NOT_MEMBER, fields={"assignee": [MSG_NOT_MEMBER]})
        if department is None:
            m = Membership.objects.filter(
                user=assignee, project=case.project_id, is_active=True, department__isnull=False
            ).first()
            department = m.department if m else None
        _check_cap(assignee, department)
        return department, assignee, False
    if department is None:
        raise ValidationFailed(MSG_DISPATCH_TARGET, fields={"department": [MSG_DISPATCH_TARGET]})
    if mode == DispatchMode.POOL:
        return department, None, True
    if mode == DispatchMode.DEPARTMENT:
        person = round_robin_pick(department)
        _check_cap(person, department)  # under the person's lock too: a dispatch to them by name counts
        return department, person, False
    raise ValidationFailed("无效的派单方式", fields={"mode": ["无效的派单方式"]})


def _check_required_by(required_by: dt.datetime | None, now: dt.datetime) -> None:
    if required_by is not None and required_by < now - dt.timedelta(minutes=1):
        raise ValidationFailed(MSG_REQUIRED_BY_PAST, fields={"required_by": [MSG_REQUIRED_BY_PAST]})


def _announce_dispatch(case: Case, now: dt.datetime, verb: str) -> None:
    if case.assignee is not None:
        notify(
            [case.assignee],
            kind=Notification.Kind.ASSIGNED,
            case=case,
            title=f"{verb}：{case.number} {case.title}",
            body=f"要求完成：{timezone.localtime(case.required_by):%Y-%m-%d %H:%M}" if case.required_by else "",
        )
    elif case.in_pool and case.department is not None:
        notify(
            department_members(case.department),
            kind=Notification.Kind.POOL,
            case=case,
            title=f"抢单池新工单：{case.number} {case.title}",
        )


@transaction.atomic
def case_dispatch(
    *,
    actor: User,
    case: Case,
    mode: str = DispatchMode.PERSON,
    department: Department | None = None,
    assignee: User | None = None,
    required_by: dt.datetime | None = None,
    note: str = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.DISPATCH)
    _require(actor, Perm.DISPATCH_CASE, case)
    _check_required_by(required_by, now)
    dept, person, pool = _resolve_target(case, mode, department, assignee)
    case = _transition(
        case,
        Action.DISPATCH,
        actor,
        now,
        body=note,
        version=version,
        data={"mode": mode, "department": dept.name if dept else "", "assignee": person.display_name if person else ""},
        department=dept,
        assignee=person,
        in_pool=pool,
        required_by=required_by or case.resolution_due,
        dispatched_at=now,
    )
    _announce_dispatch(case, now, "新派单")
    return case


@transaction.atomic
def case_grab(*, actor: User, case: Case, now: dt.datetime | None = None) -> Case:
    """抢单: the first member of the department to grab a pooled case gets it."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.GRAB)
    if not case.in_pool:
        raise Conflict(MSG_NOT_IN_POOL, code="not_in_pool")
    if not _is_department_member(actor, case.department_id):
        raise Forbidden(MSG_NOT_MEMBER)
    _check_cap(actor, case.department)
    return _transition(case, Action.GRAB, actor, now, assignee=actor, in_pool=False)


@transaction.atomic
def case_accept(*, actor: User, case: Case, version: int | None = None, now: dt.datetime | None = None) -> Case:
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.ACCEPT)
    if case.assignee_id != actor.pk:
        raise Forbidden("只有被派单的处理人可以接单")
    return _transition(case, Action.ACCEPT, actor, now, version=version)


@transaction.atomic
def case_reject(*, actor: User, case: Case, reason: str, now: dt.datetime | None = None) -> Case:
    """退单: the handler gives the case back to the desk with a reason; it waits for dispatch again."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.REJECT)
    _require_handler(actor, case)
    reason = _required_reason(reason)
    previous = case.assignee
    case = _transition(
        case,
        Action.REJECT,
        actor,
        now,
        body=reason,
        data={"from": previous.display_name if previous else ""},
        assignee=None,
        in_pool=False,
    )
    dispatchers = _dispatch_event_actors(case)
    notify(
        dispatchers,
        kind=Notification.Kind.REJECTED,
        case=case,
        title=f"退单：{case.number} {case.title}",
        body=f"{actor.display_name}：{reason}",
    )
    return case


def _dispatch_event_actors(case: Case) -> list[User]:
    ids = (
        CaseEvent.objects.filter(case=case, kind__in=[Action.DISPATCH, Action.TRANSFER, Action.CREATE])
        .exclude(actor__isnull=True)
        .order_by("-at")
        .values_list("actor_id", flat=True)[:1]
    )
    return list(User.objects.filter(pk__in=list(ids)))


@transaction.atomic
def case_transfer(
    *,
    actor: User,
    case: Case,
    reason: str,
    mode: str = DispatchMode.PERSON,
    department: Department | None = None,
    assignee: User | None = None,
    required_by: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """转单: to another person or department (by the handler or the desk)."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.TRANSFER)
    _require_handler(actor, case)
    reason = _required_reason(reason)
    _check_required_by(required_by, now)
    dept, person, pool = _resolve_target(case, mode, department, assignee)
    previous = case.assignee
    case = _transition(
        case,
        Action.TRANSFER,
        actor,
        now,
        body=reason,
        data={
            "from": previous.display_name if previous else "",
            "mode": mode,
            "department": dept.name if dept else "",
            "assignee": person.display_name if person else "",
        },
        department=dept,
        assignee=person,
        in_pool=pool,
        required_by=required_by or case.required_by,
        dispatched_at=now,
    )
    _announce_dispatch(case, now, "转单")
    return case


# Handling -------------------------------------------------------------------------------------------


@transaction.atomic
def case_start(*, actor: User, case: Case, note: str = "", now: dt.datetime | None = None) -> Case:
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.START)
    _require_handler(actor, case)
    return _transition(case, Action.START, actor, now, body=note)


@transaction.atomic
def case_hold(*, actor: User, case: Case, reason: str, note: str = "", now: dt.datetime | None = None) -> Case:
    """挂起: waiting on the customer, parts or another department; the SLA clock stops."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.HOLD)
    _require_handler(actor, case)
    if reason not in WaitReason.values:
        raise ValidationFailed("请选择挂起原因", fields={"reason": ["请选择挂起原因"]})
    return _transition(case, Action.HOLD, actor, now, body=note, data={"reason": reason}, wait_reason=reason)


@transaction.atomic
def case_resume(*, actor: User, case: Case, note: str = "", now: dt.datetime | None = None) -> Case:
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.RESUME)
    _require_handler(actor, case)
    paused = (now - case.paused_at) if case.paused_at else dt.timedelta(0)
    return _transition(
        case, Action.RESUME, actor, now, body=note, wait_reason="", data={"paused_seconds": int(paused.total_seconds())}
    )


@transaction.atomic
def case_resolve(
    *, actor: User, case: Case, note: str, version: int | None = None, now: dt.datetime | None = None
) -> Case:
    """办结: the work is done; the case awaits its return visit."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.RESOLVE)
    _require_handler(actor, case)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写处理结果", fields={"note": ["请填写处理结果"]})
    if case.children.exclude(status__in=[Status.RESOLVED, Status.CLOSED, Status.CANCELLED]).exists():
        raise Conflict(MSG_CHILDREN_OPEN, code="children_open")
    case = _transition(case, Action.RESOLVE, actor, now, body=note, version=version, resolved_at=now)
    _after_child_done(case, now)
    return case


@transaction.atomic
def case_close(*, actor: User, case: Case, note: str = "", now: dt.datetime | None = None) -> Case:
    """关闭/消项: after the return visit (or by the desk when no visit is due)."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.CLOSE)
    _require(actor, Perm.DISPATCH_CASE, case)
    return _transition(case, Action.CLOSE, actor, now, body=note, closed_at=now)


@transaction.atomic
def case_reopen(*, actor: User | None, case: Case, reason: str, now: dt.datetime | None = None) -> Case:
    """Rework: back to the handler (处理中) if there is one, else back to 待派单."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.REOPEN)
    if actor is not None:
        _require(actor, Perm.DISPATCH_CASE, case)
    return _reopen(case, actor, now, _required_reason(reason))


def _reopen(case: Case, actor: User | None, now: dt.datetime, reason: str) -> Case:
    target = Status.IN_PROGRESS if case.assignee_id else Status.NEW
    case = _transition(case, Action.REOPEN, actor, now, to=target, body=reason, resolved_at=None, closed_at=None)
    if case.assignee is not None:
        notify(
            [case.assignee],
            kind=Notification.Kind.REOPENED,
            case=case,
            title=f"工单重新打开：{case.number} {case.title}",
            body=reason,
        )
    return case


# The return visit's side (kefu.visits checks who may visit; these run inside its transaction) -----------


def close_by_system(case: Case, now: dt.datetime, note: str) -> Case:
    """A resolved case that needs no return visit closes at once (recorded without an actor)."""
    case = _lock(case)
    if case.status != Status.RESOLVED:
        return case
    return _transition(case, Action.CLOSE, None, now, body=note, closed_at=now)


def close_after_visit(case: Case, actor: User, now: dt.datetime, note: str) -> Case:
    """The return visit found the customer content (or could not reach them): close out (消项)."""
    case = _lock(case)
    if case.status != Status.RESOLVED:
        return case  # closed by the desk meanwhile, or already back in rework
    return _transition(case, Action.CLOSE, actor, now, body=note, closed_at=now)


def rework_after_visit(case: Case, actor: User, now: dt.datetime, reason: str) -> Case:
    """An unhappy customer means the case is not done: back for rework, escalated to the supervisors
    (and for a complaint, the complaint officer)."""
    case = _lock(case)
    if case.status not in TRANSITIONS[Action.REOPEN][0]:
        return case
    case = _reopen(case, actor, now, reason)
    level = max(case.escalation_level, 1)
    Case.objects.filter(pk=case.pk).update(escalation_level=level)
    case.escalation_level = level
    targets = project_staff(case.project_id, Role.SUPERVISOR)
    if case.kind == Kind.COMPLAINT:
        targets += project_staff(case.project_id, Role.COMPLAINT_OFFICER)
    _event(
        case,
        "escalate",
        actor,
        now,
        body=f"回访不满意，退回重新处理并上报：{reason}",
        data={"target": "visit", "level": level, "to": [u.display_name for u in targets]},
    )
    notify(
        targets,
        kind=Notification.Kind.ESCALATION,
        case=case,
        title=f"回访不满意，已退回重新处理：{case.number} {case.title}",
        body=reason,
    )
    return case


def timeline_note(
    case: Case, kind: str, actor: User | None, now: dt.datetime, *, body: str, public: bool, data: dict[str, Any]
) -> CaseEvent:
    """A timeline line written on behalf of another part (return visits, customer ratings)."""
    return _event(case, kind, actor, now, body=body, public=public, data=data)


@transaction.atomic
def case_cancel(*, actor: User, case: Case, reason: str, now: dt.datetime | None = None) -> Case:
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.CANCEL)
    _require(actor, Perm.DISPATCH_CASE, case)
    reason = _required_reason(reason)
    case = _transition(case, Action.CANCEL, actor, now, body=reason, assignee=None, in_pool=False)
    _after_child_done(case, now)
    return case


# Comments, replies, attachments -----------------------------------------------------------------------


@transaction.atomic
def case_comment(
    *, actor: User, case: Case, body: str, is_public: bool = False, now: dt.datetime | None = None
) -> CaseEvent:
    """A note on the timeline: internal (staff only) or public (the customer sees it; counts as a reply)."""
    now = _now(now)
    case = _lock(case)
    _require_participant(actor, case)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(MSG_EMPTY_COMMENT, fields={"body": [MSG_EMPTY_COMMENT]})
    event = _event(case, "comment", actor, now, body=body, public=is_public)
    # Only a staff member's public note answers the customer (a customer's own words never stop the clock).
    if is_public and case.first_replied_at is None and actor.kind == User.Kind.STAFF:
        case.first_replied_at = now
        case.save(update_fields=["first_replied_at", "updated_at"])
        cycle.on_first_reply(event, case)
    if is_public and actor.kind == User.Kind.STAFF:
        from kefu.quality import services as quality

        quality.on_reply(case, event, now)
    if case.assignee_id and case.assignee_id != actor.pk:
        notify(
            [case.assignee], kind=Notification.Kind.COMMENT, case=case, title=f"新留言：{case.number}", body=body[:200]
        )
    search.index_case(case)
    return event


@transaction.atomic
def case_reply(*, actor: User, case: Case, body: str, now: dt.datetime | None = None) -> CaseEvent:
    """答复客户 (e.g. the complaint officer's call within 24 hours): public, stops the first-reply clock."""
    return case_comment(actor=actor, case=case, body=body, is_public=True, now=now)


def _check_upload(upload: Upload) -> str:
    import filetype

    max_bytes = getattr(settings, "KEFU_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    if len(upload.content) > max_bytes:
        msg = MSG_FILE_TOO_BIG.format(mb=max_bytes // (1024 * 1024))
        raise ValidationFailed(msg, fields={"files": [msg]})
    kind = filetype.guess(upload.content)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_CONTENT_TYPES:
        msg = MSG_FILE_TYPE.format(name=upload.name)
        raise ValidationFailed(msg, fields={"files": [msg]})
    return mime


def check_uploads(uploads: Iterable[Upload]) -> None:
    """Refuse a batch of files before any of them is stored: a file written to disk stays there when the
    transaction that wrote its row rolls back, so a refused file must stop the batch before the first write."""
    for upload in uploads:
        _check_upload(upload)


def _attach(case: Case, actor: User, upload: Upload, now: dt.datetime, public: bool = True) -> Attachment:
    from django.core.files.base import ContentFile

    mime = _check_upload(upload)
    att = Attachment(
        case=case,
        name=upload.name[:200],
        content_type=mime,
        size=len(upload.content),
        uploaded_by=actor,
        is_public=public,
    )
    att.file.save(upload.name[-100:], ContentFile(upload.content), save=False)
    att.save()
    _event(case, "attachment", actor, now, body=att.name, public=public, data={"attachment": att.pk})
    return att


@transaction.atomic
def attachment_add(
    *, actor: User, case: Case, upload: Upload, public: bool = True, now: dt.datetime | None = None
) -> Attachment:
    now = _now(now)
    case = _lock(case)
    _require_participant(actor, case)
    return _attach(case, actor, upload, now, public)


def uploads_from(files: Iterable[UploadedFile]) -> list[Upload]:
    return [Upload(name=f.name or "file", content=f.read()) for f in files]


# Several departments: child work orders --------------------------------------------------------------


@dataclass
class Part:
    department: Department
    title: str
    required_by: dt.datetime | None = None
    assignee: User | None = None


@transaction.atomic
def case_split(*, actor: User, case: Case, parts: Sequence[Part], now: dt.datetime | None = None) -> list[Case]:
    """A case that needs several departments gets child work orders (TS…-0001-1, -2 …); it is
    resolved when all of them are done."""
    now = _now(now)
    case = _lock(case)
    _check_transition(case, Action.SPLIT)
    _require(actor, Perm.DISPATCH_CASE, case)
    if len(parts) < 1:
        raise ValidationFailed("请至少添加一个工作单", fields={"parts": ["请至少添加一个工作单"]})
    start = case.children.count()
    children = []
    for i, part in enumerate(parts, start=start + 1):
        if part.department.project_id not in (None, case.project_id):
            raise ValidationFailed(MSG_OTHER_PROJECT, fields={"department": [MSG_OTHER_PROJECT]})
        _check_required_by(part.required_by, now)
        mode = DispatchMode.PERSON if part.assignee else DispatchMode.DEPARTMENT
        dept, person, pool = _resolve_target(case, mode, part.department, part.assignee)
        child = Case(
            number=f"{case.number}-{i}",
            project=case.project,
            kind=case.kind,
            category=case.category,
            channel=case.channel,
            priority=case.priority,
            customer=case.customer,
            unit=case.unit,
            zone=case.zone,
            location=case.location,
            contact_name=case.contact_name,
            contact_phone=case.contact_phone,
            title=part.title.strip() or case.title,
            description=case.description,
            parent=case,
            status=Status.DISPATCHED,
            department=dept,
            assignee=person,
            in_pool=pool,
            required_by=part.required_by or case.resolution_due,
            created_by=actor,
            created_at=now,
            dispatched_at=now,
            resolution_due=part.required_by or case.resolution_due,
            sla_policy=case.sla_policy,
        )
        if child.resolution_due is not None:  # the warning follows the child's own deadline
            percent = case.sla_policy.warn_percent if case.sla_policy else 80
            child.warn_at = now + (child.resolution_due - now) * (percent / 100)
        child.save()
        _event(child, Action.CREATE, actor, now, to_status=Status.NEW, body=f"由 {case.number} 拆分")
        _event(
            child,
            Action.DISPATCH,
            actor,
            now,
            from_status=Status.NEW,
            to_status=Status.DISPATCHED,
            data={"department": dept.name if dept else "", "assignee": person.display_name if person else ""},
        )
        _announce_dispatch(child, now, "新工作单")
        search.index_case(child)
        children.append(child)
    if case.status != Status.IN_PROGRESS:
        _transition(
            case,
            Action.SPLIT,
            actor,
            now,
            body="、".join(c.number for c in children),
            data={"children": [c.number for c in children]},
        )
    else:
        _event(
            case,
            Action.SPLIT,
            actor,
            now,
            body="、".join(c.number for c in children),
            data={"children": [c.number for c in children]},
        )
    return children


def _after_child_done(child: Case, now: dt.datetime) -> None:
    """When the last open child of a case is done, the case itself is resolved."""
    if child.parent_id is None:
        return
    parent = _lock(child.parent)  # type: ignore[arg-type]
    siblings = parent.children.all()
    if siblings.filter(status__in=OPEN_STATUSES).exists() or parent.status not in (Status.IN_PROGRESS, Status.ACCEPTED):
        return
    if not siblings.filter(status__in=[Status.RESOLVED, Status.CLOSED]).exists():
        return
    done = "、".join(f"{c.number} {c.department.name if c.department else ''}" for c in siblings)
    _transition(parent, Action.RESOLVE, None, now, body=f"全部工作单已完成：{done}", resolved_at=now)
    if parent.assignee is not None:
        notify(
            [parent.assignee], kind=Notification.Kind.RESOLVED, case=parent, title=f"全部工作单已完成：{parent.number}"
        )


# Duplicates and links ---------------------------------------------------------------------------------


@transaction.atomic
def case_merge(*, actor: User, case: Case, into: Case, reason: str = "", now: dt.datetime | None = None) -> Case:
    """A duplicate is merged into the case that carries on: cancelled, with a pointer and events on both."""
    now = _now(now)
    if case.pk == into.pk:
        raise ValidationFailed(MSG_MERGE_SELF, fields={"into": [MSG_MERGE_SELF]})
    if case.project_id != into.project_id:
        raise ValidationFailed(MSG_MERGE_OTHER_PROJECT, fields={"into": [MSG_MERGE_OTHER_PROJECT]})
    first, second = sorted([case, into], key=lambda c: c.pk)  # lock in a fixed order: no deadlock
    locked = {c.pk: _lock(c) for c in (first, second)}
    case, into = locked[case.pk], locked[into.pk]
    _require(actor, Perm.DISPATCH_CASE, case)
    _require(actor, Perm.DISPATCH_CASE, into)
    if into.status not in OPEN_STATUSES | {Status.RESOLVED}:
        raise ValidationFailed(MSG_MERGE_INTO_CLOSED, fields={"into": [MSG_MERGE_INTO_CLOSED]})
    body = (reason or "").strip() or f"与 {into.number} 重复"
    case = _transition(
        case,
        Action.CANCEL,
        actor,
        now,
        body=body,
        data={"merged_into": into.number},
        merged_into=into,
        assignee=None,
        in_pool=False,
    )
    _event(into, "merged", actor, now, body=f"合并了重复工单 {case.number}", data={"merged": case.number})
    return case


@transaction.atomic
def case_link(*, actor: User, case: Case, other: Case, now: dt.datetime | None = None) -> None:
    now = _now(now)
    if case.pk == other.pk:
        raise ValidationFailed("不能关联自身", fields={"other": ["不能关联自身"]})
    _require(actor, Perm.VIEW_CASES, case)
    _require(actor, Perm.VIEW_CASES, other)
    a, b = sorted([case, other], key=lambda c: c.pk)
    _, created = CaseLink.objects.get_or_create(case=a, other=b, defaults={"created_by": actor})
    if created:
        _event(case, "link", actor, now, body=other.number, data={"other": other.number})
        _event(other, "link", actor, now, body=case.number, data={"other": case.number})


# Escalation -----------------------------------------------------------------------------------------


def project_staff(project_id: int, role: str) -> list[User]:
    if role == Role.HEAD_OFFICE:
        qs = User.objects.filter(memberships__role=role, memberships__is_active=True)
    else:
        qs = User.objects.filter(
            memberships__project_id=project_id, memberships__role=role, memberships__is_active=True
        )
    return list(qs.filter(is_active=True).distinct())


def _escalate_major(case: Case, actor: User | None, now: dt.datetime) -> None:
    """重大投诉 goes to the manager at once (once)."""
    try:
        with transaction.atomic():
            Escalation.objects.create(case=case, target=Escalation.Target.MAJOR, level=2, at=now)
    except IntegrityError:
        return
    managers = project_staff(case.project_id, Role.MANAGER)
    _event(
        case,
        "escalate",
        actor,
        now,
        body="重大投诉，已直接上报客服经理",
        data={"target": "major", "level": 2, "to": [m.display_name for m in managers]},
    )
    notify(
        managers,
        kind=Notification.Kind.MAJOR,
        case=case,
        title=f"重大投诉：{case.number} {case.title}",
        dedupe_key=f"major:{case.pk}",
    )


@transaction.atomic
def case_flag_major(*, actor: User, case: Case, now: dt.datetime | None = None) -> Case:
    now = _now(now)
    case = _lock(case)
    _require(actor, Perm.DISPATCH_CASE, case)
    if case.kind != Kind.COMPLAINT:
        raise ValidationFailed(MSG_MAJOR_KIND, fields={"kind": [MSG_MAJOR_KIND]})
    if case.status not in OPEN_STATUSES:
        raise Conflict(MSG_MAJOR_CLOSED, code="illegal_transition")
    if not case.is_major:
        case.is_major = True
        case.save(update_fields=["is_major", "updated_at"])
        _escalate_major(case, actor, now)
    return case


def get_case_for_update(number: str) -> Case:
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise NotFound("未找到该工单")
    return case


# What the UI and the API offer -------------------------------------------------------------------------


def allowed_actions(actor: User, case: Case) -> list[str]:
    """The actions this user may take on this case now: the transition table, then the role checks
    the services would apply. (The services still check; this only decides what to show.)"""
    from .states import allowed_from

    dispatcher = _may(actor, Perm.DISPATCH_CASE, case)
    is_assignee = case.assignee_id == actor.pk
    handler = dispatcher or (
        is_assignee
        and (
            can(actor, Perm.HANDLE_CASE, case.project_id, case.zone_id)
            or _is_department_member(actor, case.department_id)
        )
    )
    handles_assigned = handler and case.assignee_id is not None
    rules = {
        Action.SOLVE_AT_ONCE: _may(actor, Perm.CREATE_CASE, case),
        Action.DISPATCH: dispatcher,
        Action.CANCEL: dispatcher,
        Action.CLOSE: dispatcher,
        Action.REOPEN: dispatcher,
        Action.SPLIT: dispatcher,
        Action.ACCEPT: is_assignee,
        Action.GRAB: case.in_pool and _is_department_member(actor, case.department_id),
        Action.TRANSFER: handler,
        Action.REJECT: handles_assigned,
        Action.START: handles_assigned,
        Action.HOLD: handles_assigned,
        Action.RESUME: handles_assigned,
        Action.RESOLVE: handles_assigned,
    }
    out: list[str] = [a for a in allowed_from(case.status) if rules.get(a, False)]
    if case.status != Status.CANCELLED and _is_participant(actor, case):
        out.append("comment")
    if case.status in OPEN_STATUSES and dispatcher:
        out.append("merge")
    return out


# The customer's own side (微物业, kefu.portal) ---------------------------------------------------------
# A portal account acts only on the cases of the customer archives linked to it (Customer.account): a case
# of anyone else is "not found". It needs no desk permission; it reports for a unit its archive occupies
# (or a public area of its project), adds information, and cancels only what is not yet dispatched.

MSG_NOT_FOUND = "未找到该工单"
MSG_CUSTOMER_UNIT = "请选择您名下的房屋"
MSG_CUSTOMER_PROJECT = "请选择您所在的项目"
MSG_CUSTOMER_PLACE = "请选择房屋，或填写公共区域的具体位置"
MSG_CUSTOMER_DESCRIBE = "请描述您要反映的问题"
MSG_CUSTOMER_CANCEL_NEW_ONLY = "已派单的报事不能自行取消，如需取消请联系客服"
MSG_CUSTOMER_CLOSED = "该报事已关闭或已取消，如有新问题请重新报事"
MSG_CATEGORY_INACTIVE = "该分类已停用，请重新选择"


def account_customers(actor: User) -> Any:
    """The active customer archives a portal account is linked to."""
    return Customer.objects.filter(account=actor, is_active=True)


def _require_customer_account(actor: User) -> None:
    if getattr(actor, "kind", "") != User.Kind.CUSTOMER or not actor.is_active:
        raise Forbidden(MSG_FORBIDDEN)


def _lock_own(actor: User, case: Case) -> Case:
    _require_customer_account(actor)
    case = _lock(case)
    if case.customer_id is None or not account_customers(actor).filter(pk=case.customer_id).exists():
        raise NotFound(MSG_NOT_FOUND)
    return case


@transaction.atomic
def customer_case_create(
    *,
    actor: User,
    kind: str,
    description: str,
    unit: Unit | None = None,
    project: Project | None = None,
    location: str = "",
    category: Category | None = None,
    preferred_time: str = "",
    contact_phone: str = "",
    title: str = "",
    uploads: Sequence[Upload] = (),
    channel: str = Channel.PORTAL,
    now: dt.datetime | None = None,
) -> Case:
    """报事 from the portal: for a unit one of the account's archives occupies now (that archive is the
    customer), or for a public area of one of its projects (location required)."""
    from kefu.customers.models import Occupancy

    now = _now(now)
    _require_customer_account(actor)
    mine = account_customers(actor)
    if unit is not None:
        occupancy = (
            Occupancy.objects.filter(unit=unit, move_out__isnull=True, customer__in=mine)
            .select_related("customer")
            .order_by("move_in", "pk")
            .first()
        )
        if occupancy is None:
            raise ValidationFailed(MSG_CUSTOMER_UNIT, fields={"unit": [MSG_CUSTOMER_UNIT]})
        customer = occupancy.customer
        project = unit.project
    else:
        found = mine.filter(project=project).order_by("pk").first() if project is not None else None
        if found is None or project is None:
            raise ValidationFailed(MSG_CUSTOMER_PROJECT, fields={"project": [MSG_CUSTOMER_PROJECT]})
        customer = found
        if not (location or "").strip():
            raise ValidationFailed(MSG_CUSTOMER_PLACE, fields={"location": [MSG_CUSTOMER_PLACE]})
    if category is not None and not category.is_active:
        raise ValidationFailed(MSG_CATEGORY_INACTIVE, fields={"category": [MSG_CATEGORY_INACTIVE]})
    _check_refs(project, kind, category, customer, unit)
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(MSG_CUSTOMER_DESCRIBE, fields={"description": [MSG_CUSTOMER_DESCRIBE]})
    title = (title or "").strip() or description.split("\n")[0][:60]
    case = Case(
        project=project,
        kind=kind,
        category=category,
        priority=Priority.NORMAL,
        customer=customer,
        unit=unit,
        location=(location or "").strip()[:200],
        contact_name=customer.name[:50],
        contact_phone=((contact_phone or "").strip() or actor.mobile)[:30],
        title=title[:200],
        description=description,
        preferred_time=(preferred_time or "").strip()[:100],
    )
    return _open(case, actor=actor, channel=channel, uploads=uploads, now=now)


@transaction.atomic
def customer_case_comment(
    *, actor: User, case: Case, body: str, uploads: Sequence[Upload] = (), now: dt.datetime | None = None
) -> Case:
    """补充说明: the customer adds words and/or photos to their own case. Public; not a reply to the
    customer, so the first-reply clock keeps running. The handler is told."""
    now = _now(now)
    case = _lock_own(actor, case)
    if case.status in (Status.CLOSED, Status.CANCELLED):
        raise Conflict(MSG_CUSTOMER_CLOSED, code="illegal_transition")
    body = (body or "").strip()
    if not body and not uploads:
        raise ValidationFailed(MSG_EMPTY_COMMENT, fields={"body": [MSG_EMPTY_COMMENT]})
    for upload in uploads:
        _check_upload(upload)
    if body:
        _event(case, "customer_comment", actor, now, body=body, public=True)
    for upload in uploads:
        _attach(case, actor, upload, now)
    if case.assignee_id:
        notify(
            [case.assignee],
            kind=Notification.Kind.COMMENT,
            case=case,
            title=f"客户补充说明：{case.number}",
            body=body[:200] or f"上传了 {len(uploads)} 张照片",
        )
    return case


@transaction.atomic
def customer_case_cancel(*, actor: User, case: Case, reason: str, now: dt.datetime | None = None) -> Case:
    """The customer withdraws their own case while it waits for dispatch (待派单) only."""
    now = _now(now)
    case = _lock_own(actor, case)
    if case.status != Status.NEW:
        raise Conflict(MSG_CUSTOMER_CANCEL_NEW_ONLY, code="illegal_transition")
    reason = _required_reason(reason)
    return _transition(
        case, Action.CANCEL, actor, now, body=reason, data={"by": "customer"}, assignee=None, in_pool=False
    )
