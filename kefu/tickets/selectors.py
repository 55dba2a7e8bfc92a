"""Scoped reads of cases. Desk staff see their project's cases (stewards: their zones'); handlers also
see what is dispatched to them or to their department's grab pool; missing and forbidden look alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, IntegerField, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from kefu.core.errors import NotFound
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access, memberships

from . import search
from .models import Case, CaseEvent, Category
from .states import OPEN_STATUSES, Status


def my_department_ids(user: User) -> list[int]:
    """The departments of the user's active memberships (from the memberships the request has loaded anyway)."""
    return sorted({m.department_id for m in memberships(user) if m.department_id is not None})


# The columns of case_scope_q, and their unindexed aliases (see _unindexed_scope).
SCOPE_COLUMNS = ("project_id", "zone_id", "assignee_id", "created_by_id", "department_id")


def case_scope_q(user: User, *, prefix: str = "") -> Q:
    """The cases `user` may see. prefix names aliases of the columns instead of the columns themselves
    (_unindexed_scope); a Python twin is case_visible, which must stay in step."""
    if getattr(user, "kind", "") == User.Kind.CUSTOMER:
        return Q(pk__in=[])  # portal accounts reach their own cases through kefu.portal only, never the desk
    a = access(user, Perm.VIEW_CASES)
    q = a.q(f"{prefix}project_id", f"{prefix}zone_id") if not a.is_empty else Q(pk__in=[])
    if a.all_projects:
        return q
    q |= Q(**{f"{prefix}assignee_id": user.pk}) | Q(**{f"{prefix}created_by_id": user.pk})
    depts = my_department_ids(user)
    if depts and not access(user, Perm.HANDLE_CASE).is_empty:
        q |= Q(in_pool=True, status=Status.DISPATCHED, **{f"{prefix}department_id__in": depts})
    return q


def case_visible(user: User, case: Case) -> bool:
    """case_scope_q for one case already read: the same rule, in Python."""
    if getattr(user, "kind", "") == User.Kind.CUSTOMER:
        return False
    a = access(user, Perm.VIEW_CASES)
    if a.covers(case.project_id, case.zone_id):
        return True
    if a.all_projects:
        return False  # covers() is true for every case then; kept for symmetry with case_scope_q
    if user.pk in (case.assignee_id, case.created_by_id):
        return True
    return bool(
        case.in_pool
        and case.status == Status.DISPATCHED
        and case.department_id in my_department_ids(user)
        and not access(user, Perm.HANDLE_CASE).is_empty
    )


class _ListColumn(Func):
    """A scope column as `+column` in a newest-first list, the plain column in any other query (a count, a grouped
    count of the dashboard), which its index serves best. See _unindexed_scope."""

    template = "(+%(expressions)s)"
    output_field = IntegerField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        query = compiler.query
        ordered = bool(query.order_by) or (query.default_ordering and bool(query.get_meta().ordering))
        if not ordered or query.group_by is not None:
            sql, params = compiler.compile(self.source_expressions[0])
            return sql, tuple(params)
        return super().as_sql(compiler, connection, function, template, arg_joiner, **extra_context)


def _unindexed_scope(user: User) -> bool:
    """SQLite, a reader with whole projects seeing all of them at once (no project chosen, e.g. the API without
    ?project=): the scope is an OR of project, assignee, creator and pool, and SQLite answers an OR by
    collecting every case of every branch through its index and sorting them all (118,000 cases for a
    project of 1M: 1-2 s) before it can return the newest 25. In a newest-first list the branches' columns are
    then given as `+column`, which no index serves, so SQLite reads the cases newest first along created_at's
    index and keeps those in scope: a project with 1% of the cases costs ~2,500 rows a page (_ListColumn; a
    count keeps the indexed OR, which stops after the cap). Readers with only zones or their own cases
    (stewards, field staff) keep the indexed OR: their cases are few."""
    if connections[Case.objects.db].vendor != "sqlite":
        return False  # PostgreSQL weighs the ORDER BY … LIMIT itself (an ordered scan with a filter)
    a = access(user, Perm.VIEW_CASES)
    return bool(a.project_ids) and not a.all_projects and getattr(user, "kind", "") != User.Kind.CUSTOMER


def _sees_whole_project(user: User, project_id: int) -> bool:
    if getattr(user, "kind", "") == User.Kind.CUSTOMER:
        return False
    return access(user, Perm.VIEW_CASES).covers_project(project_id)


class Queue:
    """The agent workspace's named lists."""

    ALL = "all"
    MINE = "mine"
    DEPARTMENT = "department"
    UNASSIGNED = "unassigned"  # 待派单
    POOL = "pool"  # 抢单池
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    WAITING = "waiting"
    OPEN = "open"  # 未完成: every open status (the dashboard's backlog)
    CHOICES = [
        (MINE, "我的工单"), (DEPARTMENT, "部门工单"), (UNASSIGNED, "待派单"), (POOL, "抢单池"),
        (DUE_SOON, "即将超时"), (OVERDUE, "已超时"), (WAITING, "挂起中"), (OPEN, "未完成"), (ALL, "全部工单"),
    ]  # fmt: skip


class SlaOutcome:
    """Resolved cases against their resolution deadline (办结及时率)."""

    MET = "met"  # resolved by resolution_due, or without a deadline
    MISSED = "missed"  # resolved after resolution_due
    CHOICES = [(MET, "按时办结"), (MISSED, "超时办结")]


DUE_SOON_HOURS = 4
# department=0 in the list's query string: the cases without a handling department (not yet dispatched).
NO_DEPARTMENT = 0


def queue_q(queue: str, *, user: User, now: dt.datetime) -> Q:
    """The condition of a named queue (Q() for 全部工单). Every queue but 全部 and 抢单池 is a part of 未完成, so a
    count over the 未完成 list filtered by queue_q(x) is the count of the list of queue x."""
    open_ = Q(status__in=sorted(OPEN_STATUSES))
    running = Q(status__in=sorted(OPEN_STATUSES - {Status.WAITING}))  # the clock is paused while waiting
    if queue == Queue.MINE:
        return Q(assignee=user) & open_
    if queue == Queue.DEPARTMENT:
        return Q(department_id__in=my_department_ids(user)) & open_
    if queue == Queue.UNASSIGNED:
        return Q(status=Status.NEW)
    if queue == Queue.POOL:
        return Q(in_pool=True, status=Status.DISPATCHED)
    if queue == Queue.DUE_SOON:
        return running & Q(resolution_due__gt=now, resolution_due__lte=now + dt.timedelta(hours=DUE_SOON_HOURS))
    if queue == Queue.OVERDUE:
        return running & (Q(resolution_due__lte=now) | Q(first_reply_due__lte=now, first_replied_at__isnull=True))
    if queue == Queue.WAITING:
        return Q(status=Status.WAITING)
    if queue == Queue.OPEN:
        return open_
    return Q()


def case_list(
    *,
    user: User,
    project: Project | None = None,
    queue: str = Queue.ALL,
    kind: str = "",
    category: Any = None,
    status: str = "",
    zone: Any = None,
    department: Any = None,
    channel: str = "",
    priority: str = "",
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    resolved_from: dt.date | None = None,
    resolved_to: dt.date | None = None,
    sla: str = "",
    top_level: bool | None = None,
    project_id: int | None = None,
    assignee: Any = None,
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases `user` may see, narrowed by a queue and the filter bar's fields, newest first.

    Dates are Beijing days, both ends included. project is the console's current project; project_id is the
    list's own project filter (head office looking at 全部项目); both only narrow what the scope allows.
    The project (for the list's and the API's project column) is read in one query for the page, not joined:
    PostgreSQL's planning time grows steeply with each join (6: ~20 ms, 4: ~2 ms; docs/performance.md).
    """
    now = now or timezone.now()
    if project is not None and _sees_whole_project(user, project.pk):
        # The whole project is in scope, so the other ways of seeing a case (assigned, created, pool) add
        # nothing inside it: the plain condition lets PostgreSQL count from the index (docs/performance.md).
        qs = Case.objects.filter(project=project)
    elif project is None and _unindexed_scope(user):
        aliases = {f"_u_{c}": _ListColumn(c) for c in SCOPE_COLUMNS}
        qs = Case.objects.alias(**aliases).filter(case_scope_q(user, prefix="_u_"))
    else:
        qs = Case.objects.filter(case_scope_q(user))
        if project is not None:
            qs = qs.filter(project=project)
    if project_id:
        qs = qs.filter(project_id=project_id)
    qs = qs.filter(queue_q(queue, user=user, now=now))
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(Q(category_id=category) | Q(category__parent_id=category))
    if status:
        qs = qs.filter(status=status)
    if zone:
        qs = qs.filter(zone_id=zone)
    if department == NO_DEPARTMENT:
        qs = qs.filter(department__isnull=True)
    elif department:
        qs = qs.filter(department_id=department)
    if channel:
        qs = qs.filter(channel=channel)
    if priority:
        qs = qs.filter(priority=priority)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if top_level:
        qs = qs.filter(parent__isnull=True)
    if created_from:
        qs = qs.filter(created_at__gte=_day_start(created_from))
    if created_to:
        qs = qs.filter(created_at__lt=_day_start(created_to + dt.timedelta(days=1)))
    if resolved_from:
        qs = qs.filter(resolved_at__gte=_day_start(resolved_from))
    if resolved_to:
        qs = qs.filter(resolved_at__lt=_day_start(resolved_to + dt.timedelta(days=1)))
    if sla:
        qs = qs.filter(sla_q(sla))
    if q := q.strip():
        qs = search.filter_cases(qs, q) if not looks_like_number(q) else qs.filter(number__startswith=q.upper())
    return (
        qs.select_related("category", "unit", "department", "assignee")
        .prefetch_related("project")
        .order_by("-created_at", "-pk")
    )


def sla_q(outcome: str) -> Q:
    """Resolved cases that met (or missed) their resolution deadline; no deadline counts as met."""
    resolved = Q(resolved_at__isnull=False)
    if outcome == SlaOutcome.MET:
        return resolved & (Q(resolution_due__isnull=True) | Q(resolved_at__lte=F("resolution_due")))
    if outcome == SlaOutcome.MISSED:
        return resolved & Q(resolved_at__gt=F("resolution_due"))
    return Q(pk__in=[])


def looks_like_number(q: str) -> bool:
    """A search box entry that is (the start of) a case number, e.g. BX2026: matched by number, not by words."""
    return len(q) >= 4 and q[:2].isalpha() and q[2:].replace("-", "").isdigit()


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a local (Beijing) day: the lower bound of the list's date filters."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


_day_start = day_start


def case_get(*, user: User, number: str) -> Case:
    """The case by its number, if `user` may see it. Read by the unique number alone and checked in Python
    (case_visible): the scope's OR would only slow the lookup down."""
    found = list(
        # Joined: what every use reads. The people, the customer, the zone and the rest are read when used (one
        # small query each; parent and merged_into are mostly empty): PostgreSQL plans a join of 12 tables in
        # ~15 ms, of 4 in ~0.5 ms, and a small query by primary key costs ~0.3 ms.
        Case.objects.select_related("project", "category__parent", "unit")
        .filter(number=number)
        .order_by()[:1]  # the number is unique: no ordering, so the planner uses its index, not created_at's
    )
    if not found or not case_visible(user, found[0]):
        raise NotFound("未找到该工单")
    return found[0]


def timeline(case: Case, *, public_only: bool = False, newest_first: bool = False) -> QuerySet[CaseEvent]:
    qs = case.events.select_related("actor")
    if public_only:
        qs = qs.filter(is_public=True)
    return qs.order_by("-at", "-pk") if newest_first else qs.order_by("at", "pk")


def possible_duplicates(*, user: User, unit: Any, category: Any = None, exclude: Any = None) -> QuerySet[Case]:
    """Open cases on the same unit (and category, if given): shown beside the intake form."""
    qs = Case.objects.filter(case_scope_q(user), unit=unit, status__in=OPEN_STATUSES)
    if category:
        qs = qs.filter(category=category)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("category", "assignee").order_by("-created_at")[:10]


def category_list(*, project: Project | None, kind: str = "") -> QuerySet[Category]:
    qs = Category.objects.filter(is_active=True)
    qs = qs.filter(Q(project=project) | Q(project__isnull=True)) if project is not None else qs
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("parent").order_by("kind", "parent_id", "sort", "code")


def active_categories(project: Project | None) -> QuerySet[Category]:
    """The active categories a settings form offers: the shared ones, and the project's own when given."""
    qs = Category.objects.filter(is_active=True).select_related("parent")
    qs = qs.filter(Q(project__isnull=True) | Q(project=project)) if project else qs.filter(project__isnull=True)
    return qs.order_by("kind", "parent__sort", "sort", "code")
