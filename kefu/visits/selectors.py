"""Reading return visits and plans, always within the reader's scope: project staff see their projects'
visits, a steward the visits of the zones they own, and everyone the visits assigned to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kefu.core.errors import NotFound
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access

from .models import ReturnVisit, VisitPlan, VisitPolicy, VisitScript


def visit_scope_q(user: User) -> Q:
    visit = access(user, Perm.VISIT)
    manage = access(user, Perm.MANAGE_VISITS)
    sign = access(user, Perm.SIGN_OFF_VISITS)
    reports = access(user, Perm.VIEW_REPORTS)
    q = Q(assignee=user)
    for a, zone in ((visit, "zone"), (manage, None), (sign, None), (reports, None)):
        if not a.is_empty:
            q |= a.q("project", zone)
    return q


def visits_for(user: User) -> QuerySet[ReturnVisit]:
    return ReturnVisit.objects.filter(visit_scope_q(user)).select_related(
        "case", "project", "zone", "unit", "customer", "assignee", "plan"
    )


def visit_get(user: User, pk: int) -> ReturnVisit:
    visit = visits_for(user).filter(pk=pk).first()
    if visit is None:
        raise NotFound("未找到该回访")
    return visit


class Queue:
    TODAY = "today"  # mine, due by the end of today or a call due now
    MINE = "mine"
    OPEN = "open"
    OVERDUE = "overdue"
    TO_SIGN = "to_sign"
    DONE = "done"
    ALL = "all"

    ALL_QUEUES = (TODAY, MINE, OPEN, OVERDUE, TO_SIGN, DONE, ALL)


def end_of_today(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=23, minute=59, second=59, microsecond=0)


def visit_queue(user: User, queue: str, now: dt.datetime | None = None) -> QuerySet[ReturnVisit]:
    now = now or timezone.now()
    qs = visits_for(user)
    pending = ReturnVisit.Status.PENDING
    if queue == Queue.TODAY:
        eod = end_of_today(now)
        # Plan visits run over a whole quarter: today's list shows those with a call due, and case visits
        # due today or earlier; the rest of the plan is on the plan page.
        return (
            qs.filter(assignee=user, status=pending)
            .filter(Q(next_attempt_at__lte=eod) | Q(next_attempt_at__isnull=True, due_at__lte=eod))
            .order_by("due_at", "pk")
        )
    if queue == Queue.MINE:
        return qs.filter(assignee=user, status=pending).order_by("due_at", "pk")
    if queue == Queue.OPEN:
        return qs.filter(status=pending).order_by("due_at", "pk")
    if queue == Queue.OVERDUE:
        return qs.filter(status=pending, due_at__lt=now).order_by("due_at", "pk")
    if queue == Queue.TO_SIGN:
        sign = access(user, Perm.SIGN_OFF_VISITS)
        return (
            qs.filter(sign.q("project"))
            .filter(
                status__in=[ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED],
                signed_off_at__isnull=True,
            )
            .exclude(completed_by=user)
            .order_by("completed_at", "pk")
        )
    if queue == Queue.DONE:
        return qs.exclude(status__in=[pending, ReturnVisit.Status.CANCELLED]).order_by("-completed_at", "-pk")
    return qs.order_by("-created_at", "-pk")


def plans_for(user: User) -> QuerySet[VisitPlan]:
    visit = access(user, Perm.VISIT)
    manage = access(user, Perm.MANAGE_VISITS)
    reports = access(user, Perm.VIEW_REPORTS)
    q = Q(steward=user) | visit.q("project", "zone") | manage.q("project") | reports.q("project")
    return VisitPlan.objects.filter(q).select_related("project", "zone", "steward")


def plan_get(user: User, pk: int) -> VisitPlan:
    plan = plans_for(user).filter(pk=pk).first()
    if plan is None:
        raise NotFound("未找到该走访计划")
    return plan


@dataclass(frozen=True)
class PlanProgress:
    households: int
    planned: int
    done: int
    unreachable: int
    pending: int
    cancelled: int
    findings: int

    @property
    def coverage(self) -> float | None:
        """Households actually visited (reached) / households of the zone."""
        return self.done / self.households if self.households else None

    @property
    def completion(self) -> float | None:
        """Planned visits finished (reached, unreachable or refused) / planned."""
        return (self.planned - self.pending - self.cancelled) / self.planned if self.planned else None


def plan_progress(plan: VisitPlan) -> PlanProgress:
    S = ReturnVisit.Status
    row = plan.visits.aggregate(
        done=Count("pk", filter=Q(status=S.DONE), distinct=True),
        unreachable=Count("pk", filter=Q(status__in=[S.UNREACHABLE, S.REFUSED]), distinct=True),
        pending=Count("pk", filter=Q(status=S.PENDING), distinct=True),
        cancelled=Count("pk", filter=Q(status=S.CANCELLED), distinct=True),
        findings=Count("findings", distinct=True),
    )
    return PlanProgress(households=plan.households, planned=plan.planned, **row)


def policies_for(user: User) -> QuerySet[VisitPolicy]:
    a = access(user, Perm.MANAGE_VISITS)
    q = Q(project__isnull=True) | a.q("project")
    return VisitPolicy.objects.filter(q).select_related("project", "category")


def scripts_for(user: User) -> QuerySet[VisitScript]:
    a = access(user, Perm.VISIT)
    m = access(user, Perm.MANAGE_VISITS)
    q = Q(project__isnull=True) | a.q("project") | m.q("project")
    return VisitScript.objects.filter(q).select_related("project")
