"""Every change to QC records: reviews created by the desk's replies and closures, checks passed or
returned with errors, corrections, sampling draws, QC settings, the daily reconciliation's sign-off.
One transaction per action; the reviewer is never the operator."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.notify.models import Notification
from kefu.notify.services import notify
from kefu.org.models import Project, User
from kefu.org.roles import Perm, Role
from kefu.org.scope import access, can
from kefu.tickets.models import Case, CaseEvent, Category
from kefu.tickets.states import Kind
from kefu.visits.models import ReturnVisit
from kefu.visits.services import share_of

from .models import (
    Check,
    CheckError,
    CheckLog,
    ErrorPoint,
    Reconciliation,
    ReviewPolicy,
    SamplingDraw,
    SamplingPlan,
    ScorecardWeights,
    Stage,
    StuckThreshold,
)

MSG_FORBIDDEN = "您没有权限执行此操作"
MSG_OWN_ITEM = "不能复核自己经办的事项"
MSG_NOT_PENDING = "该记录当前不能检查"
MSG_NOT_RETURNED = "只有被退回的记录可以提交修改"
MSG_NOT_OPERATOR = "只有经办人可以提交修改"
MSG_NO_ERRORS = "退回时请至少登记一个差错点"
MSG_CAUSE = "请填写差错原因"
MSG_STALE = "该记录已被他人更新，请刷新后重试"
MSG_PERIOD = "结束日期不能早于开始日期"
MSG_DRAWN = "该方案在此期间已抽取过"
MSG_WEIGHTS = "各项权重之和须为 100"
MSG_SIGNED = "该日已签核"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require(actor: User, perm: Perm, project_id: int) -> None:
    if not can(actor, perm, project_id):
        raise Forbidden(MSG_FORBIDDEN)


def _require_all_or_project(actor: User, perm: Perm, project: Project | None) -> None:
    if project is None:
        if not access(actor, perm).all_projects:
            raise Forbidden(MSG_FORBIDDEN)
    else:
        _require(actor, perm, project.pk)


# Who checks -------------------------------------------------------------------------------------------


def reviewers(project_id: int) -> list[User]:
    """QC reviewers of the project; when it has none, its supervisors."""
    for role in (Role.QC_REVIEWER, Role.SUPERVISOR):
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__role=role,
                memberships__project_id=project_id,
            )
            .distinct()
            .order_by("pk")
        )
        if users:
            return users
    return []


def pick_reviewer(project_id: int, operator_id: int | None, candidates: Sequence[User] | None = None) -> User | None:
    """The least-loaded reviewer who is not the operator."""
    pool = [u for u in (candidates if candidates is not None else reviewers(project_id)) if u.pk != operator_id]
    if not pool:
        pool = [u for u in reviewers(project_id) if u.pk != operator_id]
    if not pool:
        return None
    loads = dict(
        Check.objects.filter(reviewer__in=pool, status__in=[Check.Status.PENDING, Check.Status.CORRECTED])
        .values_list("reviewer")
        .annotate(n=Count("pk"))
        .values_list("reviewer", "n")
    )
    return min(pool, key=lambda u: (loads.get(u.pk, 0), u.pk))


# Review created by the desk ------------------------------------------------------------------------------


def review_policy_for(case: Case, target: str) -> ReviewPolicy | None:
    qs = ReviewPolicy.objects.filter(target=target, kind=case.kind, is_active=True).filter(
        Q(project=case.project_id) | Q(project__isnull=True)
    )
    best: ReviewPolicy | None = None
    best_rank = -1
    for p in qs:
        if p.category_id is not None and p.category_id != case.category_id:
            continue
        rank = (2 if p.project_id else 0) + (1 if p.category_id else 0)
        if rank > best_rank:
            best, best_rank = p, rank
    return best


def in_share(key: str, percent: int) -> bool:
    """A stable pseudo-random choice: the same item always falls the same way for the same share."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


CONTENT: dict[str, str] = {
    Check.Subject.REPLY: "答复内容、用语、时限",
    Check.Subject.CLOSURE: "处理结果、回访、记录与附件完整",
    Check.Subject.CASE: "受理、派单、处理、回访、关闭全过程",
    Check.Subject.VISIT: "回访话术、记录、结果处理",
}
SUBJECT_STAGE: dict[str, str] = {
    Check.Subject.REPLY: Stage.FIRST_REPLY,
    Check.Subject.CLOSURE: Stage.CLOSE,
    Check.Subject.CASE: "",
    Check.Subject.VISIT: Stage.VISIT,
}


def _queue_review(case: Case, event: CaseEvent, subject: str, target: str, now: dt.datetime) -> Check | None:
    if event.actor_id is None:
        return None  # closed by the system (no visit due): nothing to review
    policy = review_policy_for(case, target)
    if policy is None or policy.mode == ReviewPolicy.Mode.NONE:
        return None
    if policy.mode == ReviewPolicy.Mode.SHARE and not in_share(f"{target}:{event.pk}", policy.share_percent):
        return None
    reviewer = pick_reviewer(case.project_id, event.actor_id)
    try:
        with transaction.atomic():
            check = Check.objects.create(
                project_id=case.project_id,
                source=Check.Source.REVIEW,
                subject=subject,
                case=case,
                event=event,
                stage=SUBJECT_STAGE[subject],
                department_id=case.department_id,
                operator_id=event.actor_id,
                reviewer=reviewer,
                content_checked=CONTENT[subject],
                created_at=now,
            )
    except IntegrityError:
        return None
    CheckLog.objects.create(
        check_item=check, kind=CheckLog.Kind.CREATED, at=now, note=reviewer.display_name if reviewer else ""
    )
    if reviewer is not None:
        notify(
            [reviewer],
            kind=Notification.Kind.QC,
            case=case,
            title=f"待复核{check.get_subject_display()}：{case.number}",
            url=f"/quality/checks/{check.pk}/",
            dedupe_key=f"qc:{check.pk}",
        )
    return check


def on_reply(case: Case, event: CaseEvent, now: dt.datetime) -> Check | None:
    """Called by tickets.services when staff answer the customer (a public comment)."""
    return _queue_review(case, event, Check.Subject.REPLY, ReviewPolicy.Target.REPLY, now)


def on_closure(case: Case, event: CaseEvent, now: dt.datetime) -> Check | None:
    """Called by tickets.services when a case is closed (消项) or solved at once."""
    return _queue_review(case, event, Check.Subject.CLOSURE, ReviewPolicy.Target.CLOSURE, now)


# Checking ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    point: ErrorPoint
    cause: str
    fatal: bool | None = None  # None: the point's default
    operator: User | None = None  # None: the check's operator
    stage: str = ""  # "": the point's stage, else the check's


def _lock(check: Check) -> Check:
    return Check.objects.select_for_update(of=("self",)).select_related("case").get(pk=check.pk)


def _require_reviewer(actor: User, check: Check) -> None:
    if not can(actor, Perm.QC_REVIEW, check.project_id):
        raise Forbidden(MSG_FORBIDDEN)
    if check.operator_id is not None and check.operator_id == actor.pk:
        raise Conflict(MSG_OWN_ITEM, code="own_item")


def _checkable(check: Check, version: int | None) -> None:
    if check.status not in (Check.Status.PENDING, Check.Status.CORRECTED):
        raise Conflict(MSG_NOT_PENDING, code="illegal_transition")
    if version is not None and version != check.version:
        raise Conflict(MSG_STALE, code="stale")


def _quantity(content_checked: str, quantity_checked: int | None, check: Check) -> tuple[str, int]:
    content = (content_checked or "").strip() or check.content_checked
    qty = check.quantity_checked if quantity_checked is None else quantity_checked
    if qty < 1 or qty > 10000:
        raise ValidationFailed("检查数量须在 1-10000 之间", fields={"quantity_checked": ["检查数量须在 1-10000 之间"]})
    return content[:200], qty


@transaction.atomic
def check_pass(
    *,
    actor: User,
    check: Check,
    content_checked: str = "",
    quantity_checked: int | None = None,
    note: str = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Check:
    now = _now(now)
    check = _lock(check)
    _require_reviewer(actor, check)
    _checkable(check, version)
    check.content_checked, check.quantity_checked = _quantity(content_checked, quantity_checked, check)
    check.status = Check.Status.PASSED
    check.reviewer = actor
    check.note = (note or "").strip()
    check.checked_at = check.checked_at or now  # an item counts as checked once, when first checked
    check.rounds += 1
    check.version += 1
    check.save()
    CheckLog.objects.create(check_item=check, kind=CheckLog.Kind.PASSED, actor=actor, at=now, note=check.note)
    return check


@transaction.atomic
def check_return(
    *,
    actor: User,
    check: Check,
    findings: Sequence[Finding],
    content_checked: str = "",
    quantity_checked: int | None = None,
    note: str = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Check:
    """Return the item to its operator with the errors found (each: point, fatal, cause, whose)."""
    now = _now(now)
    check = _lock(check)
    _require_reviewer(actor, check)
    _checkable(check, version)
    content, qty = _quantity(content_checked, quantity_checked, check)
    if not findings:
        raise ValidationFailed(MSG_NO_ERRORS, fields={"errors": [MSG_NO_ERRORS]})
    errors: list[str] = []
    for i, f in enumerate(findings, start=1):
        if not f.cause.strip():
            errors.append(f"第 {i} 个差错：{MSG_CAUSE}")
        if f.point.project_id not in (None, check.project_id) or not f.point.is_active:
            errors.append(f"第 {i} 个差错：差错点不可用")
    if errors:
        raise ValidationFailed("；".join(errors), fields={"errors": errors})
    CheckError.objects.bulk_create(
        [
            CheckError(
                check_item=check,
                point=f.point,
                fatal=f.point.fatal if f.fatal is None else f.fatal,
                cause=f.cause.strip()[:300],
                operator=f.operator or check.operator,
                stage=f.stage or f.point.stage or check.stage,
                at=now,
            )
            for f in findings
        ]
    )
    check.content_checked, check.quantity_checked = content, qty
    check.status = Check.Status.RETURNED
    check.reviewer = actor
    check.note = (note or "").strip()
    check.checked_at = check.checked_at or now  # an item counts as checked once, when first checked
    check.rounds += 1
    check.version += 1
    check.save()
    CheckLog.objects.create(check_item=check, kind=CheckLog.Kind.RETURNED, actor=actor, at=now, note=check.note)
    if check.operator is not None:
        notify(
            [check.operator],
            kind=Notification.Kind.QC,
            case=check.case,
            title=f"质检退回，请修改：{check.case.number}",
            body="；".join(f"{f.point.name}：{f.cause}" for f in findings)[:500],
            url=f"/quality/checks/{check.pk}/",
        )
    return check


@transaction.atomic
def check_correct(
    *, actor: User, check: Check, note: str, version: int | None = None, now: dt.datetime | None = None
) -> Check:
    """The operator reports the correction; the item goes back to the reviewer for another look."""
    now = _now(now)
    check = _lock(check)
    if check.operator_id != actor.pk:
        raise Forbidden(MSG_NOT_OPERATOR)
    if check.status != Check.Status.RETURNED:
        raise Conflict(MSG_NOT_RETURNED, code="illegal_transition")
    if version is not None and version != check.version:
        raise Conflict(MSG_STALE, code="stale")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请说明修改情况", fields={"note": ["请说明修改情况"]})
    check.status = Check.Status.CORRECTED
    check.corrected_at = now
    check.version += 1
    check.save()
    CheckLog.objects.create(check_item=check, kind=CheckLog.Kind.CORRECTED, actor=actor, at=now, note=note)
    if check.reviewer is not None:
        notify(
            [check.reviewer],
            kind=Notification.Kind.QC,
            case=check.case,
            title=f"已修改，请复查：{check.case.number}",
            body=note[:500],
            url=f"/quality/checks/{check.pk}/",
        )
    return check


# Sampling ------------------------------------------------------------------------------------------------


@transaction.atomic
def sampling_plan_save(
    *,
    actor: User,
    plan: SamplingPlan | None = None,
    project: Project,
    name: str,
    target: str,
    mode: str,
    share_percent: int = 10,
    per_operator: int = 3,
    kind: str = "",
    reviewer_ids: Sequence[int] = (),
    is_active: bool = True,
    now: dt.datetime | None = None,
) -> SamplingPlan:
    now = _now(now)
    _require(actor, Perm.MANAGE_QC, project.pk)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["请填写名称"]
    if target not in SamplingPlan.Target.values:
        errors["target"] = ["无效的抽检对象"]
    if mode not in SamplingPlan.Mode.values:
        errors["mode"] = ["无效的抽检方式"]
    if mode == SamplingPlan.Mode.SHARE and not 1 <= share_percent <= 100:
        errors["share_percent"] = ["抽检比例须在 1-100 之间"]
    if mode == SamplingPlan.Mode.PER_OPERATOR and not 1 <= per_operator <= 100:
        errors["per_operator"] = ["每人每周件数须在 1-100 之间"]
    if kind and kind not in Kind.values:
        errors["kind"] = ["无效的工单类型"]
    chosen = list(User.objects.filter(pk__in=reviewer_ids))
    if len(chosen) != len(set(reviewer_ids)) or any(not can(u, Perm.QC_REVIEW, project.pk) for u in chosen):
        errors["reviewers"] = ["质检员须为该项目有质检权限的员工"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    plan = plan or SamplingPlan(created_by=actor, created_at=now)
    plan.project = project
    plan.name = name.strip()
    plan.target = target
    plan.mode = mode
    plan.share_percent = share_percent
    plan.per_operator = per_operator
    plan.kind = kind
    plan.is_active = is_active
    plan.save()
    plan.reviewers.set(chosen)
    return plan


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def population(plan: SamplingPlan, start: dt.date, end: dt.date) -> list[tuple[int, int | None]]:
    """(item id, operator id) of everything the plan samples from in the period, in id order.
    Closed cases: closed in the period, operator = the handler; visits: finished in the period."""
    lo, hi = _bounds(start, end)
    if plan.target == SamplingPlan.Target.CLOSED_CASES:
        qs = Case.objects.filter(project=plan.project_id, status="closed", closed_at__gte=lo, closed_at__lt=hi)
        if plan.kind:
            qs = qs.filter(kind=plan.kind)
        return list(qs.order_by("pk").values_list("pk", "assignee_id"))
    vqs = ReturnVisit.objects.filter(
        project=plan.project_id,
        case__isnull=False,
        completed_at__gte=lo,
        completed_at__lt=hi,
        status__in=[ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED],
    )
    if plan.kind:
        vqs = vqs.filter(case__kind=plan.kind)
    return list(vqs.order_by("pk").values_list("pk", "completed_by_id"))


def select(
    plan: SamplingPlan, items: list[tuple[int, int | None]], seed: int, start: dt.date, end: dt.date
) -> list[tuple[int, int | None]]:
    """The draw itself: only the items, the plan and the seed decide it, so it can be reproduced."""
    rng = random.Random(seed)
    if plan.mode == SamplingPlan.Mode.SHARE:
        n = share_of(len(items), plan.share_percent)
        return sorted(rng.sample(items, n))
    weeks = max(1, -(-((end - start).days + 1) // 7))
    by_operator: dict[int | None, list[tuple[int, int | None]]] = defaultdict(list)
    for item in items:
        by_operator[item[1]].append(item)
    chosen: list[tuple[int, int | None]] = []
    for operator in sorted(by_operator, key=lambda o: (o is None, o or 0)):
        group = by_operator[operator]
        chosen += rng.sample(group, min(len(group), plan.per_operator * weeks))
    return sorted(chosen)


@transaction.atomic
def sampling_draw(
    *,
    actor: User,
    plan: SamplingPlan,
    period_start: dt.date,
    period_end: dt.date,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> SamplingDraw:
    now = _now(now)
    plan = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
    if not (can(actor, Perm.MANAGE_QC, plan.project_id) or can(actor, Perm.QC_REVIEW, plan.project_id)):
        raise Forbidden(MSG_FORBIDDEN)
    if period_end < period_start:
        raise ValidationFailed(MSG_PERIOD, fields={"period_end": [MSG_PERIOD]})
    if SamplingDraw.objects.filter(plan=plan, period_start=period_start, period_end=period_end).exists():
        raise Conflict(MSG_DRAWN, code="duplicate")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**53)
    items = population(plan, period_start, period_end)
    chosen = select(plan, items, seed, period_start, period_end)
    draw = SamplingDraw.objects.create(
        plan=plan,
        period_start=period_start,
        period_end=period_end,
        seed=seed,
        population=len(items),
        drawn=len(chosen),
        drawn_by=actor,
        drawn_at=now,
    )
    candidates = list(plan.reviewers.filter(is_active=True).order_by("pk")) or reviewers(plan.project_id)
    is_visit = plan.target == SamplingPlan.Target.VISITS
    visit_cases = (
        dict(ReturnVisit.objects.filter(pk__in=[i for i, _ in chosen]).values_list("pk", "case_id")) if is_visit else {}
    )
    case_departments = dict(
        Case.objects.filter(pk__in=list(visit_cases.values()) if is_visit else [i for i, _ in chosen]).values_list(
            "pk", "department_id"
        )
    )
    checks = []
    loads: dict[int, int] = defaultdict(int)
    for item_id, operator_id in chosen:
        pool = [u for u in candidates if u.pk != operator_id] or [
            u for u in reviewers(plan.project_id) if u.pk != operator_id
        ]
        reviewer = min(pool, key=lambda u: (loads[u.pk], u.pk)) if pool else None
        if reviewer is not None:
            loads[reviewer.pk] += 1
        case_id = visit_cases[item_id] if is_visit else item_id
        checks.append(
            Check(
                project_id=plan.project_id,
                source=Check.Source.SAMPLING,
                subject=Check.Subject.VISIT if is_visit else Check.Subject.CASE,
                case_id=case_id,
                visit_id=item_id if is_visit else None,
                draw=draw,
                stage=Stage.VISIT if is_visit else "",
                department_id=case_departments.get(case_id),
                operator_id=operator_id,
                reviewer=reviewer,
                content_checked=CONTENT[Check.Subject.VISIT if is_visit else Check.Subject.CASE],
                created_at=now,
            )
        )
    Check.objects.bulk_create(checks)
    CheckLog.objects.bulk_create(
        [
            CheckLog(
                check_item=c,
                kind=CheckLog.Kind.CREATED,
                actor=actor,
                at=now,
                note=c.reviewer.display_name if c.reviewer else "",
            )
            for c in checks
        ]
    )
    for reviewer_id, n in loads.items():
        notify(
            User.objects.filter(pk=reviewer_id),
            kind=Notification.Kind.QC,
            title=f"抽检任务：{plan.name} {period_start}~{period_end}，{n} 件",
            url="/quality/checks/?queue=mine",
            dedupe_key=f"draw:{draw.pk}",
        )
    return draw


def reproduce(draw: SamplingDraw) -> list[int]:
    """Redo a draw from its stored seed: the ids it chose (for an audit of the sampling)."""
    items = population(draw.plan, draw.period_start, draw.period_end)
    return [i for i, _ in select(draw.plan, items, draw.seed, draw.period_start, draw.period_end)]


# Settings ----------------------------------------------------------------------------------------------


@transaction.atomic
def error_point_save(
    *,
    actor: User,
    point: ErrorPoint | None = None,
    project: Project | None,
    code: str,
    name: str,
    stage: str = "",
    fatal: bool = False,
    is_active: bool = True,
    sort: int = 0,
) -> ErrorPoint:
    _require_all_or_project(actor, Perm.MANAGE_QC, project)
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["请填写编码"]
    if not name:
        errors["name"] = ["请填写差错点"]
    if stage and stage not in Stage.values:
        errors["stage"] = ["无效的环节"]
    clash = ErrorPoint.objects.filter(project=project, code=code)
    if point is not None:
        clash = clash.exclude(pk=point.pk)
    if code and clash.exists():
        errors["code"] = ["编码已存在"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    point = point or ErrorPoint()
    point.project, point.code, point.name, point.stage = project, code, name, stage
    point.fatal, point.is_active, point.sort = fatal, is_active, sort
    point.save()
    return point


@transaction.atomic
def review_policy_save(
    *,
    actor: User,
    policy: ReviewPolicy | None = None,
    project: Project | None,
    target: str,
    kind: str,
    category: Category | None = None,
    mode: str,
    share_percent: int = 100,
    is_active: bool = True,
) -> ReviewPolicy:
    _require_all_or_project(actor, Perm.MANAGE_QC, project)
    errors: dict[str, list[str]] = {}
    if target not in ReviewPolicy.Target.values:
        errors["target"] = ["无效的复核对象"]
    if kind not in Kind.values:
        errors["kind"] = ["无效的工单类型"]
    if category is not None and category.kind != kind:
        errors["category"] = ["分类与工单类型不符"]
    if mode not in ReviewPolicy.Mode.values:
        errors["mode"] = ["无效的复核方式"]
    if mode == ReviewPolicy.Mode.SHARE and not 1 <= share_percent <= 100:
        errors["share_percent"] = ["复核比例须在 1-100 之间"]
    clash = ReviewPolicy.objects.filter(project=project, target=target, kind=kind, category=category)
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        errors["kind"] = ["已有相同范围的复核规则"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    policy = policy or ReviewPolicy()
    policy.project, policy.target, policy.kind, policy.category = project, target, kind, category
    policy.mode = mode
    if mode != ReviewPolicy.Mode.SHARE:
        share_percent = 100 if mode == ReviewPolicy.Mode.ALL else 0
    policy.share_percent = share_percent
    policy.is_active = is_active
    policy.save()
    return policy


@transaction.atomic
def threshold_save(*, actor: User, project: Project | None, item: str, hours: int) -> StuckThreshold:
    _require_all_or_project(actor, Perm.MANAGE_QC, project)
    if item not in StuckThreshold.Item.values:
        raise ValidationFailed("无效的环节", fields={"item": ["无效的环节"]})
    if not 1 <= hours <= 24 * 90:
        raise ValidationFailed("阈值须在 1-2160 小时之间", fields={"hours": ["阈值须在 1-2160 小时之间"]})
    obj, _ = StuckThreshold.objects.update_or_create(project=project, item=item, defaults={"hours": hours})
    return obj


@transaction.atomic
def threshold_reset(*, actor: User, project: Project, item: str) -> int:
    """Drop a project's own threshold: the shared one applies again. Returns how many rows went (0 or 1)."""
    _require(actor, Perm.MANAGE_QC, project.pk)
    deleted, _ = StuckThreshold.objects.filter(project=project, item=item).delete()
    return deleted


@transaction.atomic
def weights_save(*, actor: User, project: Project, values: dict[str, int]) -> ScorecardWeights:
    _require(actor, Perm.MANAGE_QC, project.pk)
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for f in ScorecardWeights.FIELDS:
        v = values.get(f, 0)
        if not isinstance(v, int) or not 0 <= v <= 100:
            errors[f] = ["权重须为 0-100 的整数"]
        else:
            clean[f] = v
    if not errors and sum(clean.values()) != 100:
        errors["__all__"] = [MSG_WEIGHTS]
    if errors:
        raise ValidationFailed(errors.get("__all__", ["请检查权重"])[0], fields=errors)
    obj, _ = ScorecardWeights.objects.update_or_create(project=project, defaults={**clean, "updated_by": actor})
    return obj


# Daily reconciliation sign-off -----------------------------------------------------------------------------


@transaction.atomic
def reconciliation_sign_off(
    *, actor: User, project: Project, day: dt.date, note: str = "", now: dt.datetime | None = None
) -> int:
    """The supervisor signs a project's day off (all its channels). A day that does not balance needs a note."""
    now = _now(now)
    _require(actor, Perm.SIGN_OFF_DAY, project.pk)
    rows = list(Reconciliation.objects.select_for_update().filter(project=project, day=day))
    if not rows:
        raise NotFound("该日尚未日结")
    if all(r.signed_off_at for r in rows):
        raise Conflict(MSG_SIGNED, code="illegal_transition")
    note = (note or "").strip()
    if any(r.mismatch for r in rows) and not note:
        raise ValidationFailed("该日账不平，签核时请说明原因", fields={"note": ["该日账不平，签核时请说明原因"]})
    for r in rows:
        r.signed_off_by = actor
        r.signed_off_at = now
        if note:
            r.note = note
        r.save(update_fields=["signed_off_by", "signed_off_at", "note"])
    return len(rows)
