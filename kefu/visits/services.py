"""Every change to return visits, visit plans, scripts and policies. One function per business action,
one transaction each; the case's side (close, reopen and escalate) goes through tickets.services.

The rules (docs/visits.md):
- A resolved top-level case gets a visit task by the most specific VisitPolicy; "never" closes it at once.
- Reached: a score of 1-2 (DISSATISFIED_MAX) or "not solved" sends the case back for rework and escalates it
  to the supervisors; anything else closes it.
- No answer: retried every `retry_hours` up to `max_attempts` calls, then the visit is unreachable and the
  case closes with that note. A wrong number or a refusal ends the visit the same way at once.
- A call-back at an agreed time keeps the visit open until then (it does not count as a failed call).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.customers.models import Contact, Customer, Occupancy, Unit
from kefu.notify.models import Notification
from kefu.notify.services import notify
from kefu.org.models import Project, User, Zone
from kefu.org.roles import Perm, Role
from kefu.org.scope import access, can
from kefu.tickets.models import Case, Category
from kefu.tickets.states import Channel, Kind, Status

from . import scripts
from .models import (
    DISSATISFIED_MAX,
    CustomerRating,
    DissatisfactionReason,
    FindingCategory,
    ReturnVisit,
    VisitAttempt,
    VisitFinding,
    VisitPlan,
    VisitPolicy,
    VisitScript,
)

MSG_FORBIDDEN = "您没有权限执行此操作"
MSG_CLOSED_VISIT = "该回访已完成，不能再登记"
MSG_STALE = "该回访已被他人更新，请刷新后重试"
MSG_SCORE = "请选择满意度（1-5 分）"
MSG_SOLVED = "请选择问题是否解决"
MSG_REASON = "不满意时请选择不满意原因"
MSG_CALLBACK_AT = "请填写约定回电时间（须晚于现在）"
MSG_OUTCOME = "无效的回访结果"
MSG_SIGN_OWN = "不能审核自己完成的回访"
MSG_SIGN_OPEN = "只能审核已完成的回访"
MSG_PERIOD = "结束日期不能早于开始日期"
MSG_SHARE = "走访比例须在 1-100 之间"
MSG_PLAN_EXISTS = "该区域在此期间已有走访计划"
MSG_NO_HOUSEHOLDS = "该区域没有入住户"
MSG_PLACEHOLDER = "话术中有无法识别的占位符：{names}"
MSG_NOT_STEWARD = "所选管家不负责该区域"
MSG_NOT_CUSTOMER = "只能评价自己的工单"
MSG_NOT_RESOLVED = "工单办结后才能评价"
MSG_ALREADY_RATED = "本次办结已评价过"
MSG_FINDING_DONE = "该问题已转为工单"
MSG_DESCRIPTION = "请填写问题描述"
MSG_ASSIGNEE = "回访人须为该项目有回访权限的员工"

FINDING_KIND_DEFAULT = {
    FindingCategory.ATTITUDE: Kind.COMPLAINT,
    FindingCategory.SECURITY_PARKING: Kind.COMPLAINT,
    FindingCategory.CLEANING_GREENERY: Kind.COMPLAINT,
    FindingCategory.OTHER: Kind.SUGGESTION,
}  # civil, plumbing, electrical, smart systems: repair


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require(actor: User, perm: Perm, project_id: int, zone_id: int | None = None) -> None:
    if not can(actor, perm, project_id, zone_id):
        raise Forbidden(MSG_FORBIDDEN)


def _require_visitor(actor: User, visit: ReturnVisit) -> None:
    """The visit's assignee, anyone who makes visits where it lies, or a manager of visits."""
    if visit.assignee_id == actor.pk:
        return
    if can(actor, Perm.VISIT, visit.project_id, visit.zone_id):
        return
    if can(actor, Perm.MANAGE_VISITS, visit.project_id):
        return
    raise Forbidden(MSG_FORBIDDEN)


def _lock(visit: ReturnVisit) -> ReturnVisit:
    return (
        ReturnVisit.objects.select_for_update(of=("self",))
        .select_related("case", "project", "customer", "unit")
        .get(pk=visit.pk)
    )


# Policies and scripts ----------------------------------------------------------------------------


def policy_for(case: Case) -> VisitPolicy | None:
    """The most specific active policy: own project before shared, category (or its parent) before kind."""
    qs = VisitPolicy.objects.filter(kind=case.kind, is_active=True).filter(
        Q(project=case.project_id) | Q(project__isnull=True)
    )
    category_ids: list[int] = []
    if case.category_id:
        category_ids.append(case.category_id)
        parent_id = Category.objects.filter(pk=case.category_id).values_list("parent_id", flat=True).first()
        if parent_id:
            category_ids.append(parent_id)
    best: VisitPolicy | None = None
    best_rank = -1
    for p in qs:
        if p.category_id is not None and p.category_id not in category_ids:
            continue
        rank = (4 if p.project_id else 0) + (
            2 if p.category_id == case.category_id and p.category_id else (1 if p.category_id else 0)
        )
        if rank > best_rank:
            best, best_rank = p, rank
    return best


@transaction.atomic
def policy_save(
    *,
    actor: User,
    policy: VisitPolicy | None = None,
    project: Project | None,
    kind: str,
    category: Category | None,
    rule: str,
    assign_to: str,
    due_hours: int,
    max_attempts: int,
    retry_hours: int,
    is_active: bool = True,
) -> VisitPolicy:
    if project is None:
        if not access(actor, Perm.MANAGE_VISITS).all_projects:
            raise Forbidden(MSG_FORBIDDEN)
    else:
        _require(actor, Perm.MANAGE_VISITS, project.pk)
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = ["无效的工单类型"]
    project_id = project.pk if project is not None else None
    if category is not None and (category.kind != kind or category.project_id not in (None, project_id)):
        errors["category"] = ["分类与工单类型或项目不符"]
    if rule not in VisitPolicy.Rule.values:
        errors["rule"] = ["无效的回访规则"]
    if assign_to not in VisitPolicy.AssignTo.values:
        errors["assign_to"] = ["无效的回访人"]
    if not 1 <= due_hours <= 24 * 30:
        errors["due_hours"] = ["回访时限须在 1-720 小时之间"]
    if not 1 <= max_attempts <= 10:
        errors["max_attempts"] = ["拨打次数须在 1-10 之间"]
    if not 1 <= retry_hours <= 72:
        errors["retry_hours"] = ["重拨间隔须在 1-72 小时之间"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    clash = VisitPolicy.objects.filter(project=project, kind=kind, category=category)
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        raise ValidationFailed("已有相同范围的回访规则", fields={"category": ["已有相同范围的回访规则"]})
    policy = policy or VisitPolicy()
    policy.project = project
    policy.kind = kind
    policy.category = category
    policy.rule = rule
    policy.assign_to = assign_to
    policy.due_hours = due_hours
    policy.max_attempts = max_attempts
    policy.retry_hours = retry_hours
    policy.is_active = is_active
    policy.save()
    return policy


@transaction.atomic
def script_save(
    *,
    actor: User,
    script: VisitScript | None = None,
    project: Project | None,
    purpose: str,
    kind: str,
    name: str,
    body: str,
    is_active: bool = True,
) -> VisitScript:
    if project is None:
        if not access(actor, Perm.MANAGE_VISITS).all_projects:
            raise Forbidden(MSG_FORBIDDEN)
    else:
        _require(actor, Perm.MANAGE_VISITS, project.pk)
    errors: dict[str, list[str]] = {}
    name, body = (name or "").strip(), (body or "").strip()
    if not name:
        errors["name"] = ["请填写名称"]
    if not body:
        errors["body"] = ["请填写话术"]
    unknown = scripts.unknown_placeholders(body)
    if unknown:
        errors["body"] = [MSG_PLACEHOLDER.format(names="、".join("{" + u + "}" for u in unknown))]
    if purpose not in VisitScript.Purpose.values:
        errors["purpose"] = ["无效的用途"]
    if kind and kind not in Kind.values:
        errors["kind"] = ["无效的工单类型"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    script = script or VisitScript()
    script.project = project
    script.purpose = purpose
    script.kind = kind
    script.name = name
    script.body = body
    script.is_active = is_active
    script.save()
    return script


# Who visits ---------------------------------------------------------------------------------------


def zone_stewards(zone_id: int | None) -> list[User]:
    if zone_id is None:
        return []
    qs = User.objects.filter(
        is_active=True,
        memberships__is_active=True,
        memberships__role=Role.STEWARD,
        memberships__zones=zone_id,
    )
    return list(qs.distinct().order_by("pk"))


def _project_role(project_id: int, role: str) -> list[User]:
    qs = User.objects.filter(
        is_active=True, memberships__is_active=True, memberships__role=role, memberships__project_id=project_id
    )
    return list(qs.distinct().order_by("pk"))


def _least_loaded(users: Sequence[User]) -> User | None:
    if not users:
        return None
    if len(users) == 1:
        return users[0]
    from django.db.models import Count

    loads = dict(
        ReturnVisit.objects.filter(assignee__in=users, status=ReturnVisit.Status.PENDING)
        .values_list("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    return min(users, key=lambda u: (loads.get(u.pk, 0), u.pk))


def visitor_for(case: Case, policy: VisitPolicy) -> User | None:
    """The zone's steward (or the complaint officer, as the policy says); then the other; then a supervisor."""
    stewards = zone_stewards(case.zone_id)
    officers = _project_role(case.project_id, Role.COMPLAINT_OFFICER)
    order = [officers, stewards] if policy.assign_to == VisitPolicy.AssignTo.COMPLAINT_OFFICER else [stewards, officers]
    order.append(_project_role(case.project_id, Role.SUPERVISOR))
    for group in order:
        chosen = _least_loaded(group)
        if chosen is not None:
            return chosen
    return None


def _primary_phone(customer: Customer | None) -> str:
    if customer is None:
        return ""
    contact = (
        Contact.objects.filter(customer=customer, kind__in=[Contact.Kind.MOBILE, Contact.Kind.LANDLINE])
        .order_by("-is_primary", "pk")
        .first()
    )
    return contact.value if contact else ""


# The case's side ------------------------------------------------------------------------------------


def on_case_resolved(case: Case, now: dt.datetime) -> ReturnVisit | None:
    """Called by tickets.services inside the transaction that resolves a case."""
    if case.parent_id is not None:
        return None  # a work order: the visit is for the customer's case, not for each department's part
    policy = policy_for(case)
    if policy is None or policy.rule == VisitPolicy.Rule.NEVER:
        from kefu.tickets import services as ts

        ts.close_by_system(case, now, note="按回访规则无需回访，自动关闭")
        return None
    if ReturnVisit.objects.filter(case=case, status=ReturnVisit.Status.PENDING).exists():
        return None
    assignee = visitor_for(case, policy)
    visit = ReturnVisit.objects.create(
        project_id=case.project_id,
        zone_id=case.zone_id,
        source=ReturnVisit.Source.CASE,
        case=case,
        unit_id=case.unit_id,
        building_id=case.unit.building_id if case.unit is not None else None,
        customer_id=case.customer_id,
        contact_name=case.contact_name,
        contact_phone=case.contact_phone or _primary_phone(case.customer),
        handler_id=case.assignee_id,
        department_id=case.department_id,
        assignee=assignee,
        due_at=now + dt.timedelta(hours=policy.due_hours),
        max_attempts=policy.max_attempts,
        retry_hours=policy.retry_hours,
        created_at=now,
    )
    if assignee is not None:
        notify(
            [assignee],
            kind=Notification.Kind.VISIT,
            case=case,
            title=f"待回访：{case.number} {case.title}",
            url=f"/visits/{visit.pk}/",
            dedupe_key=f"visit:{visit.pk}",
        )
    return visit


def on_case_reopened(case: Case, now: dt.datetime) -> None:
    """Rework makes a pending call-back moot; the next resolution brings a new one."""
    ReturnVisit.objects.filter(case=case, status=ReturnVisit.Status.PENDING).update(
        status=ReturnVisit.Status.CANCELLED, completed_at=now
    )


# Making a visit -----------------------------------------------------------------------------------


def _finish_case(visit: ReturnVisit, actor: User, now: dt.datetime) -> None:
    from kefu.tickets import services as ts

    case = visit.case
    if case is None:
        return
    if visit.status == ReturnVisit.Status.DONE:
        label = f"{visit.score} 分" if visit.score else ""
        if visit.is_dissatisfied or visit.solved is False:
            why = "客户不满意" if visit.is_dissatisfied else "问题未解决"
            reason_label = DissatisfactionReason(visit.reason).label if visit.reason else ""
            words = f"：{visit.customer_words}" if visit.customer_words else ""
            ts.rework_after_visit(
                case,
                actor,
                now,
                reason=f"回访{why}（{label}{'，' + reason_label if reason_label else ''}）{words}",
            )
        else:
            note = f"回访满意度 {label}，问题已解决。{visit.customer_words}".strip()
            ts.close_after_visit(case, actor, now, note=note)
    else:
        ts.close_after_visit(case, actor, now, note=f"回访结果：{visit.get_status_display()}，按规定关闭")


@transaction.atomic
def visit_record(
    *,
    actor: User,
    visit: ReturnVisit,
    outcome: str,
    note: str = "",
    score: int | None = None,
    solved: bool | None = None,
    customer_words: str = "",
    reason: str = "",
    callback_at: dt.datetime | None = None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> ReturnVisit:
    """Record one call: the outcome, and when reached, the result. Every call is kept (VisitAttempt) and,
    for a case visit, written to the case's timeline."""
    now = _now(now)
    visit = _lock(visit)
    _require_visitor(actor, visit)
    if visit.status != ReturnVisit.Status.PENDING:
        raise Conflict(MSG_CLOSED_VISIT, code="illegal_transition")
    if version is not None and version != visit.version:
        raise Conflict(MSG_STALE, code="stale")
    Out = VisitAttempt.Outcome
    if outcome not in Out.values:
        raise ValidationFailed(MSG_OUTCOME, fields={"outcome": [MSG_OUTCOME]})
    note = (note or "").strip()[:500]
    customer_words = (customer_words or "").strip()
    if outcome == Out.REACHED:
        errors: dict[str, list[str]] = {}
        if score not in (1, 2, 3, 4, 5):
            errors["score"] = [MSG_SCORE]
        if visit.source == ReturnVisit.Source.CASE and solved is None:
            errors["solved"] = [MSG_SOLVED]
        if score is not None and score <= DISSATISFIED_MAX and reason not in DissatisfactionReason.values:
            errors["reason"] = [MSG_REASON]
        if reason and reason not in DissatisfactionReason.values:
            errors["reason"] = [MSG_REASON]
        if errors:
            raise ValidationFailed("请填写回访结果", fields=errors)
    if outcome == Out.CALLBACK and (callback_at is None or callback_at <= now):
        raise ValidationFailed(MSG_CALLBACK_AT, fields={"callback_at": [MSG_CALLBACK_AT]})

    VisitAttempt.objects.create(
        visit=visit,
        outcome=outcome,
        at=now,
        by=actor,
        note=note,
        callback_at=callback_at if outcome == Out.CALLBACK else None,
    )
    S = ReturnVisit.Status
    finished = True
    if outcome == Out.REACHED:
        visit.status = S.DONE
        visit.score = score
        visit.solved = solved
        visit.customer_words = customer_words
        visit.reason = reason if (score is not None and score <= DISSATISFIED_MAX) or solved is False else ""
    elif outcome == Out.NO_ANSWER:
        visit.attempts += 1
        if visit.attempts >= visit.max_attempts:
            visit.status = S.UNREACHABLE
        else:
            visit.next_attempt_at = now + dt.timedelta(hours=visit.retry_hours)
            finished = False
    elif outcome == Out.WRONG_NUMBER:
        visit.status = S.UNREACHABLE
    elif outcome == Out.REFUSED:
        visit.status = S.REFUSED
    else:  # call back at the agreed time
        visit.next_attempt_at = callback_at
        finished = False
    if finished:
        visit.completed_at = now
        visit.completed_by = actor
        visit.next_attempt_at = None
    visit.version += 1
    visit.save()

    if visit.case is not None:
        from kefu.tickets import services as ts

        label = VisitAttempt.Outcome(outcome).label
        if outcome == Out.REACHED:
            body = f"回访：满意度 {score} 分（{visit.get_score_display()}），问题{'已' if solved else '未'}解决"
            if customer_words:
                body += f"。客户意见：{customer_words}"
        elif outcome == Out.CALLBACK and callback_at is not None:
            body = f"回访：{label}，约定 {timezone.localtime(callback_at):%m-%d %H:%M} 再联系"
        else:
            body = f"回访：{label}" + (f"（第 {visit.attempts} 次）" if outcome == Out.NO_ANSWER else "")
        if note:
            body += f"。{note}"
        ts.timeline_note(
            visit.case,
            "visit" if finished else "visit_attempt",
            actor,
            now,
            body=body,
            public=finished and outcome == Out.REACHED,
            data={"visit": visit.pk, "outcome": outcome, "score": score, "solved": solved},
        )
    if finished:
        _finish_case(visit, actor, now)
    return visit


@transaction.atomic
def visit_sign_off(*, actor: User, visits: Iterable[ReturnVisit], now: dt.datetime | None = None) -> int:
    """The supervisor's sign-off (审核). All or nothing: one visit that may not be signed refuses the lot."""
    now = _now(now)
    ids = [v.pk for v in visits]
    locked = list(ReturnVisit.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(set(ids)):
        raise NotFound("未找到回访")
    for v in locked:
        _require(actor, Perm.SIGN_OFF_VISITS, v.project_id)
        if v.status not in (ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED):
            raise Conflict(MSG_SIGN_OPEN, code="illegal_transition")
        if v.completed_by_id == actor.pk:
            raise Conflict(MSG_SIGN_OWN, code="own_visit")
    signed = 0
    for v in locked:
        if v.signed_off_at is None:
            v.signed_off_by = actor
            v.signed_off_at = now
            v.version += 1
            v.save(update_fields=["signed_off_by", "signed_off_at", "version"])
            signed += 1
    return signed


@transaction.atomic
def visit_reassign(*, actor: User, visit: ReturnVisit, assignee: User, now: dt.datetime | None = None) -> ReturnVisit:
    visit = _lock(visit)
    _require(actor, Perm.MANAGE_VISITS, visit.project_id)
    if visit.status != ReturnVisit.Status.PENDING:
        raise Conflict(MSG_CLOSED_VISIT, code="illegal_transition")
    if not can(assignee, Perm.VISIT, visit.project_id, visit.zone_id):
        raise ValidationFailed(MSG_ASSIGNEE, fields={"assignee": [MSG_ASSIGNEE]})
    visit.assignee = assignee
    visit.version += 1
    visit.save(update_fields=["assignee", "version"])
    notify(
        [assignee],
        kind=Notification.Kind.VISIT,
        case=visit.case,
        title=f"待回访：{visit.case.number if visit.case else visit.unit}",
        url=f"/visits/{visit.pk}/",
        dedupe_key=f"visit:{visit.pk}:{assignee.pk}",
    )
    return visit


# Customer ratings ------------------------------------------------------------------------------------


def customer_of(user: User) -> list[int]:
    """The customer archives a portal account is linked to (Customer.account)."""
    return list(Customer.objects.filter(account=user).values_list("pk", flat=True))


@transaction.atomic
def rating_submit(
    *, actor: User, case: Case, score: int, comment: str = "", solved: bool = True, now: dt.datetime | None = None
) -> CustomerRating:
    """The customer rates a resolved case. Under an "unless rated" policy the rating completes the
    pending call-back (and closes or reopens the case just as a visit would)."""
    now = _now(now)
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if case.customer_id is None or case.customer_id not in customer_of(actor):
        raise NotFound("未找到该工单")
    if case.status not in (Status.RESOLVED, Status.CLOSED) or case.resolved_at is None:
        raise Conflict(MSG_NOT_RESOLVED, code="illegal_transition")
    if score not in (1, 2, 3, 4, 5):
        raise ValidationFailed(MSG_SCORE, fields={"score": [MSG_SCORE]})
    if CustomerRating.objects.filter(case=case, at__gte=case.resolved_at).exists():
        raise Conflict(MSG_ALREADY_RATED, code="already_rated")
    rating = CustomerRating.objects.create(
        case=case, score=score, comment=(comment or "").strip(), solved=solved, by=actor, at=now
    )
    from kefu.tickets import services as ts

    ts.timeline_note(
        case,
        "rating",
        actor,
        now,
        body=f"客户评价：{score} 分。{rating.comment}".strip(),
        public=True,
        data={"score": score, "solved": solved},
    )
    policy = policy_for(case)
    visit = ReturnVisit.objects.filter(case=case, status=ReturnVisit.Status.PENDING).first()
    if visit is not None and policy is not None and policy.rule == VisitPolicy.Rule.UNLESS_RATED:
        visit = _lock(visit)
        visit.status = ReturnVisit.Status.DONE
        visit.score = score
        visit.solved = solved
        visit.customer_words = rating.comment
        visit.reason = DissatisfactionReason.OTHER if (score <= DISSATISFIED_MAX or not solved) else ""
        visit.completed_at = now
        visit.completed_by = actor
        visit.next_attempt_at = None
        visit.version += 1
        visit.save()
        _finish_case(visit, actor, now)
    elif (score <= DISSATISFIED_MAX or not solved) and visit is not None and visit.assignee is not None:
        # Whatever the policy, an unhappy rating is not ignored: the visitor is told before calling.
        notify(
            [visit.assignee],
            kind=Notification.Kind.VISIT,
            case=case,
            title=f"客户评价不满意：{case.number}",
            body=rating.comment,
            url=f"/visits/{visit.pk}/",
        )
    return rating


# Visit plans ---------------------------------------------------------------------------------------


def households(zone: Zone) -> list[Unit]:
    """Occupied units of the zone (a unit with a current occupancy), in a stable order."""
    occupied = Occupancy.objects.filter(move_out__isnull=True).values("unit_id")
    return list(
        Unit.objects.filter(zone=zone, pk__in=occupied).select_related("building").order_by("building_id", "pk")
    )


def share_of(n: int, percent: int) -> int:
    """round-half-up(n × percent / 100): 400 households at 25% → 100; 10 at 25% → 3 (2.5 rounds up)."""
    return int((Decimal(n) * Decimal(percent) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(counts: dict[int, int], total: int) -> dict[int, int]:
    """Split `total` across groups in proportion to their sizes (largest remainder; ties to the larger
    group, then the lower key), never more than a group has."""
    size = sum(counts.values())
    if size == 0 or total <= 0:
        return dict.fromkeys(counts, 0)
    total = min(total, size)
    exact = {k: Decimal(total) * Decimal(n) / Decimal(size) for k, n in counts.items()}
    quota = {k: min(counts[k], int(v)) for k, v in exact.items()}
    left = total - sum(quota.values())
    order = sorted(counts, key=lambda k: (-(exact[k] - int(exact[k])), -counts[k], k))
    while left > 0:
        progressed = False
        for k in order:
            if left == 0:
                break
            if quota[k] < counts[k]:
                quota[k] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return quota


def draw(units: Sequence[Unit], target: int, seed: int) -> list[Unit]:
    """A sample of `target` units spread across buildings in proportion to their households; the same
    seed and the same households give the same sample."""
    by_building: dict[int, list[Unit]] = defaultdict(list)
    for u in sorted(units, key=lambda u: u.pk):
        by_building[u.building_id].append(u)
    quota = allocate({b: len(us) for b, us in by_building.items()}, target)
    rng = random.Random(seed)
    chosen: list[Unit] = []
    for b in sorted(by_building):
        chosen.extend(rng.sample(by_building[b], quota[b]))
    return chosen


def previous_plans(zone: Zone, period_start: dt.date, n: int) -> list[VisitPlan]:
    if n <= 0:
        return []
    return list(VisitPlan.objects.filter(zone=zone, period_start__lt=period_start).order_by("-period_start")[:n])


def current_customer(unit: Unit) -> Customer | None:
    occ = (
        Occupancy.objects.filter(unit=unit, move_out__isnull=True)
        .select_related("customer")
        .order_by("relation", "move_in", "pk")  # enterprise/occupant/owner/tenant: owner sorts before tenant
        .first()
    )
    if occ is None:
        return None
    owner = (
        Occupancy.objects.filter(unit=unit, move_out__isnull=True, relation=Occupancy.Relation.OWNER)
        .select_related("customer")
        .order_by("move_in", "pk")
        .first()
    )
    return (owner or occ).customer


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    q = (day.month - 1) // 3
    start = dt.date(day.year, q * 3 + 1, 1)
    end_month = q * 3 + 3
    end = (dt.date(day.year + (end_month // 12), end_month % 12 + 1, 1)) - dt.timedelta(days=1)
    return start, end


@transaction.atomic
def plan_create(
    *,
    actor: User,
    zone: Zone,
    period_start: dt.date,
    period_end: dt.date,
    share_percent: int = 25,
    exclude_periods: int = 3,
    steward: User | None = None,
    name: str = "",
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> VisitPlan:
    """Create a zone's plan for a period and its visit tasks, all at once."""
    now = _now(now)
    _require(actor, Perm.MANAGE_VISITS, zone.project_id)
    errors: dict[str, list[str]] = {}
    if period_end < period_start:
        errors["period_end"] = [MSG_PERIOD]
    if not 1 <= share_percent <= 100:
        errors["share_percent"] = [MSG_SHARE]
    if not 0 <= exclude_periods <= 12:
        errors["exclude_periods"] = ["排除期数须在 0-12 之间"]
    if steward is not None and steward not in zone_stewards(zone.pk):
        errors["steward"] = [MSG_NOT_STEWARD]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    if VisitPlan.objects.filter(zone=zone, period_start=period_start).exists():
        raise Conflict(MSG_PLAN_EXISTS, code="duplicate")
    units = households(zone)
    if not units:
        raise ValidationFailed(MSG_NO_HOUSEHOLDS, fields={"zone": [MSG_NO_HOUSEHOLDS]})
    if steward is None:
        stewards = zone_stewards(zone.pk)
        steward = stewards[0] if stewards else None
    excluded_ids = set(
        ReturnVisit.objects.filter(plan__in=previous_plans(zone, period_start, exclude_periods))
        .exclude(status=ReturnVisit.Status.CANCELLED)
        .values_list("unit_id", flat=True)
    )
    eligible = [u for u in units if u.pk not in excluded_ids]
    target = share_of(len(units), share_percent)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**53)
    chosen = draw(eligible, target, seed)
    plan = VisitPlan.objects.create(
        project_id=zone.project_id,
        zone=zone,
        name=name.strip() or f"{zone.name} {period_start:%Y}年第{(period_start.month - 1) // 3 + 1}季度走访",
        period_start=period_start,
        period_end=period_end,
        share_percent=share_percent,
        exclude_periods=exclude_periods,
        seed=seed,
        steward=steward,
        households=len(units),
        planned=len(chosen),
        excluded=len(units) - len(eligible),
        created_by=actor,
        created_at=now,
    )
    due = timezone.make_aware(dt.datetime.combine(period_end, dt.time(23, 59, 59)))
    visits = []
    for u in chosen:
        customer = current_customer(u)
        visits.append(
            ReturnVisit(
                project_id=zone.project_id,
                zone=zone,
                source=ReturnVisit.Source.PLAN,
                plan=plan,
                unit=u,
                building_id=u.building_id,
                customer=customer,
                contact_name=customer.name if customer else "",
                contact_phone=_primary_phone(customer),
                assignee=steward,
                due_at=due,
                max_attempts=3,
                retry_hours=24,
                created_at=now,
            )
        )
    ReturnVisit.objects.bulk_create(visits)
    if steward is not None:
        notify(
            [steward],
            kind=Notification.Kind.VISIT,
            title=f"新走访计划：{plan.name}，共 {plan.planned} 户",
            url=f"/visits/plans/{plan.pk}/",
            dedupe_key=f"plan:{plan.pk}",
        )
    return plan


@transaction.atomic
def plan_close(*, actor: User, plan: VisitPlan, now: dt.datetime | None = None) -> VisitPlan:
    """End a plan: its unvisited households are cancelled (and still count as planned, not done)."""
    now = _now(now)
    plan = VisitPlan.objects.select_for_update().get(pk=plan.pk)
    _require(actor, Perm.MANAGE_VISITS, plan.project_id)
    if plan.status == VisitPlan.Status.CLOSED:
        raise Conflict("该计划已结束", code="illegal_transition")
    plan.visits.filter(status=ReturnVisit.Status.PENDING).update(status=ReturnVisit.Status.CANCELLED, completed_at=now)
    plan.status = VisitPlan.Status.CLOSED
    plan.save(update_fields=["status"])
    return plan


# Findings ---------------------------------------------------------------------------------------------


@transaction.atomic
def finding_add(
    *,
    actor: User,
    visit: ReturnVisit,
    category: str,
    description: str,
    to_case: bool = False,
    kind: str = "",
    now: dt.datetime | None = None,
) -> VisitFinding:
    """Record what a visit found; with to_case=True it becomes a case at once (one step)."""
    now = _now(now)
    visit = _lock(visit)
    _require_visitor(actor, visit)
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if category not in FindingCategory.values:
        errors["category"] = ["请选择问题分类"]
    if not description:
        errors["description"] = [MSG_DESCRIPTION]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)
    finding = VisitFinding.objects.create(
        visit=visit, category=category, description=description, created_by=actor, created_at=now
    )
    if to_case:
        _finding_case(actor, finding, kind, now)
    return finding


def _finding_case(actor: User, finding: VisitFinding, kind: str, now: dt.datetime) -> Case:
    from kefu.tickets import services as ts

    visit = finding.visit
    kind = kind or FINDING_KIND_DEFAULT.get(FindingCategory(finding.category), Kind.REPAIR)
    if kind not in Kind.values:
        raise ValidationFailed("无效的工单类型", fields={"kind": ["无效的工单类型"]})
    label = FindingCategory(finding.category).label
    case = ts.case_create(
        actor=actor,
        project=visit.project,
        kind=kind,
        channel=Channel.VISIT,
        title=f"[{label}] {finding.description.splitlines()[0][:60]}",
        description=finding.description,
        customer=visit.customer,
        unit=visit.unit,
        contact_name=visit.contact_name,
        contact_phone=visit.contact_phone,
        now=now,
    )
    finding.case = case
    finding.save(update_fields=["case"])
    return case


@transaction.atomic
def finding_to_case(*, actor: User, finding: VisitFinding, kind: str = "", now: dt.datetime | None = None) -> Case:
    now = _now(now)
    finding = VisitFinding.objects.select_for_update().select_related("visit").get(pk=finding.pk)
    _require_visitor(actor, finding.visit)
    if finding.case_id is not None:
        raise Conflict(MSG_FINDING_DONE, code="duplicate")
    return _finding_case(actor, finding, kind, now)


# Survey follow-ups ------------------------------------------------------------------------------------


def follow_up_survey(response: Any, now: dt.datetime, due_hours: int = 72) -> ReturnVisit | None:
    """A dissatisfied respondent gets a visit task (called by surveys.services in its transaction)."""
    if ReturnVisit.objects.filter(survey_response=response).exists():
        return None
    stewards = zone_stewards(response.zone_id)
    assignee = _least_loaded(stewards) or _least_loaded(_project_role(response.project_id, Role.SUPERVISOR))
    customer = response.customer
    try:
        with transaction.atomic():
            visit = ReturnVisit.objects.create(
                project_id=response.project_id,
                zone_id=response.zone_id,
                source=ReturnVisit.Source.SURVEY,
                survey_response=response,
                unit_id=response.unit_id,
                building_id=response.building_id,
                customer=customer,
                contact_name=customer.name if customer else "",
                contact_phone=_primary_phone(customer),
                assignee=assignee,
                due_at=now + dt.timedelta(hours=due_hours),
                created_at=now,
            )
    except IntegrityError:
        return None
    if assignee is not None:
        notify(
            [assignee],
            kind=Notification.Kind.VISIT,
            title=f"满意度调查不满意，请跟进回访：{response.unit}",
            url=f"/visits/{visit.pk}/",
            dedupe_key=f"visit:{visit.pk}",
        )
    return visit


# Reminders (run by the scheduler) ----------------------------------------------------------------------


def remind(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Tell visitors about calls due now (a retry or an agreed call-back) and about overdue visits.
    Once each (dedupe keys), so a restart or a second scheduler repeats nothing."""
    now = _now(now)
    sent = 0
    due_calls = (
        ReturnVisit.objects.filter(status=ReturnVisit.Status.PENDING, next_attempt_at__lte=now, assignee__isnull=False)
        .select_related("assignee", "case", "unit")
        .order_by("next_attempt_at")[:limit]
    )
    for v in due_calls:
        with transaction.atomic():
            sent += notify(
                [v.assignee],
                kind=Notification.Kind.VISIT,
                case=v.case,
                title=f"到点再次回访：{v.case.number if v.case else v.unit}",
                url=f"/visits/{v.pk}/",
                dedupe_key=f"visit-call:{v.pk}:{v.next_attempt_at:%Y%m%d%H%M}",
            )
    overdue = (
        ReturnVisit.objects.filter(status=ReturnVisit.Status.PENDING, due_at__lt=now, source=ReturnVisit.Source.CASE)
        .select_related("assignee", "case")
        .order_by("due_at")[:limit]
    )
    for v in overdue:
        supervisors = _project_role(v.project_id, Role.SUPERVISOR)
        with transaction.atomic():
            sent += notify(
                [*([v.assignee] if v.assignee else []), *supervisors],
                kind=Notification.Kind.VISIT,
                case=v.case,
                title=f"回访已超时：{v.case.number if v.case else ''}",
                url=f"/visits/{v.pk}/",
                dedupe_key=f"visit-overdue:{v.pk}",
            )
    return sent
