"""QC figures, all computed in SQL from the timeline's stage times and the QC sheet (docs/quality.md):

- error rate       = errors recorded in the period / items checked in the period (Σ quantity_checked of
                     checks first checked in the period); fatal errors are counted and rated separately
- cycle time       = StageTime.seconds per stage: median and p90 by the nearest-rank method (the value at
                     rank ⌈p × n⌉ of the n times sorted ascending), and the maximum
- stuck (滞留)      = an open item that has stayed in its status longer than that status's threshold
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from kefu.core.errors import NotFound
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access
from kefu.tickets.models import Case
from kefu.tickets.states import Status
from kefu.visits.models import ReturnVisit

from .models import Check, CheckError, StageTime, StuckThreshold

GROUPS = {
    "operator": ("operator_id", "operator__name", "operator__username"),
    "department": ("department_id", "department__name", None),
    "category": ("category_id", "category__name", None),
    "stage": ("stage", None, None),
}


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


# The QC sheet ----------------------------------------------------------------------------------------


def checks_for(user: User) -> QuerySet[Check]:
    """Checks in the reader's projects (QC staff, reporters), plus the ones where they are the operator."""
    review = access(user, Perm.QC_REVIEW)
    reports = access(user, Perm.VIEW_REPORTS)
    manage = access(user, Perm.MANAGE_QC)
    q = Q(operator=user)
    for a in (review, reports, manage):
        if not a.is_empty:
            q |= a.q("project")
    return Check.objects.filter(q).select_related(
        "case", "project", "operator", "reviewer", "department", "visit", "draw__plan", "event"
    )


def check_get(user: User, pk: int) -> Check:
    check = checks_for(user).filter(pk=pk).first()
    if check is None:
        raise NotFound("未找到该质检记录")
    return check


# Error rates --------------------------------------------------------------------------------------------


@dataclass
class ErrorRate:
    key: Any
    label: str
    checked: int = 0
    errors: int = 0
    fatal: int = 0

    @property
    def rate(self) -> float | None:
        return self.errors / self.checked if self.checked else None

    @property
    def fatal_rate(self) -> float | None:
        return self.fatal / self.checked if self.checked else None


def error_rates(project_ids: list[int] | None, start: dt.date, end: dt.date, by: str = "operator") -> list[ErrorRate]:
    """Per operator, department or stage: items checked (by the checks' operator/department/stage) and the
    errors recorded (by the error's own operator and stage; department from its check)."""
    lo, hi = bounds(start, end)
    checks = Check.objects.filter(checked_at__gte=lo, checked_at__lt=hi)
    errors = CheckError.objects.filter(at__gte=lo, at__lt=hi)
    if project_ids is not None:
        checks = checks.filter(project_id__in=project_ids)
        errors = errors.filter(check_item__project_id__in=project_ids)
    check_key = {"operator": "operator_id", "department": "department_id", "stage": "stage"}[by]
    error_key = {"operator": "operator_id", "department": "check_item__department_id", "stage": "stage"}[by]
    rows: dict[Any, ErrorRate] = {}
    for r in checks.values(check_key).annotate(n=Sum("quantity_checked")).order_by():
        rows[r[check_key]] = ErrorRate(key=r[check_key], label="", checked=r["n"] or 0)
    for r in errors.values(error_key).annotate(n=Count("pk"), f=Count("pk", filter=Q(fatal=True))).order_by():
        row = rows.setdefault(r[error_key], ErrorRate(key=r[error_key], label=""))
        row.errors, row.fatal = r["n"], r["f"]
    _label(rows, by)
    return sorted(rows.values(), key=lambda x: (-(x.rate or 0), x.label))


def _label(rows: dict[Any, Any], by: str) -> None:
    from kefu.org.models import Department

    from .models import Stage

    names: dict[Any, str]
    if by == "operator":
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in rows if k])}
    elif by == "department":
        names = dict(Department.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "name"))
    elif by == "category":
        from kefu.tickets.models import Category

        names = dict(Category.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "name"))
    else:
        names = {s.value: str(s.label) for s in Stage}
    for k, row in rows.items():
        row.label = names.get(k, "") or ("未指定" if k in (None, "") else str(k))


def error_trend(
    project_ids: list[int] | None, months: int, today: dt.date, operator_id: int | None = None
) -> list[dict[str, Any]]:
    """Monthly error rate for the last `months` months (for the trend chart)."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    lo, hi = bounds(first, today)
    checks = Check.objects.filter(checked_at__gte=lo, checked_at__lt=hi)
    errors = CheckError.objects.filter(at__gte=lo, at__lt=hi)
    if project_ids is not None:
        checks = checks.filter(project_id__in=project_ids)
        errors = errors.filter(check_item__project_id__in=project_ids)
    if operator_id is not None:
        checks = checks.filter(operator_id=operator_id)
        errors = errors.filter(operator_id=operator_id)
    tz = timezone.get_current_timezone()
    out: dict[dt.date, dict[str, Any]] = {}
    for r in checks.annotate(m=TruncMonth("checked_at", tzinfo=tz)).values("m").annotate(n=Sum("quantity_checked")):
        out.setdefault(
            r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"], {"checked": 0, "errors": 0, "fatal": 0}
        )["checked"] = r["n"] or 0
    for r in (
        errors.annotate(m=TruncMonth("at", tzinfo=tz))
        .values("m")
        .annotate(n=Count("pk"), f=Count("pk", filter=Q(fatal=True)))
    ):
        row = out.setdefault(
            r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"], {"checked": 0, "errors": 0, "fatal": 0}
        )
        row["errors"], row["fatal"] = r["n"], r["f"]
    result = []
    for month in sorted(out):
        row = out[month]
        result.append(
            {
                "month": month,
                **row,
                "rate": row["errors"] / row["checked"] if row["checked"] else None,
                "fatal_rate": row["fatal"] / row["checked"] if row["checked"] else None,
            }
        )
    return result


# Cycle times ----------------------------------------------------------------------------------------------


@dataclass
class CycleTime:
    key: Any
    stage: str
    label: str = ""
    n: int = 0
    median: int | None = None
    p90: int | None = None
    max: int | None = None


def rank(p: float, n: int) -> int:
    """Nearest-rank: the ⌈p × n⌉-th smallest of n values (1-based)."""
    return max(1, math.ceil(p * n))


def cycle_times(
    project_ids: list[int] | None, start: dt.date, end: dt.date, by: str = "operator", stage: str | None = None
) -> list[CycleTime]:
    """Median, p90 and max of each stage's time per operator, department or category, for stages ended in
    the period. The database sorts and ranks (a window function); only the ranked rows come back."""
    lo, hi = bounds(start, end)
    key = GROUPS[by][0]
    qs = StageTime.objects.filter(ended_at__gte=lo, ended_at__lt=hi)
    if project_ids is not None:
        qs = qs.filter(project_id__in=project_ids)
    if stage:
        qs = qs.filter(stage=stage)
    stats = {
        (r[key], r["stage"]): CycleTime(key=r[key], stage=r["stage"], n=r["n"], max=r["mx"])
        for r in qs.values(key, "stage").annotate(n=Count("pk"), mx=Max("seconds")).order_by()
    }
    if not stats:
        return []
    ranked = qs.annotate(
        rn=Window(RowNumber(), partition_by=[F(key), F("stage")], order_by=[F("seconds").asc(), F("pk")])
    ).values(key, "stage", "rn", "seconds")
    wanted: dict[tuple[Any, str], dict[int, str]] = defaultdict(dict)
    for k, c in stats.items():
        wanted[k][rank(0.5, c.n)] = "median"
        wanted[k].setdefault(rank(0.9, c.n), "p90")
    ranks = sorted({r for w in wanted.values() for r in w})
    for r in ranked.filter(rn__in=ranks):
        k = (r[key], r["stage"])
        c = stats[k]
        if r["rn"] == rank(0.5, c.n):
            c.median = r["seconds"]
        if r["rn"] == rank(0.9, c.n):
            c.p90 = r["seconds"]
    labels: dict[Any, Any] = {k[0]: CycleTime(key=k[0], stage="") for k in stats}
    _label(labels, by)
    for c in stats.values():
        c.label = labels[c.key].label
    return sorted(stats.values(), key=lambda c: (c.stage, c.label))


# Stuck items --------------------------------------------------------------------------------------------


def thresholds(project_id: int) -> dict[str, int]:
    """Hours per item: the project's own threshold before the shared one."""
    out: dict[str, int] = {}
    for t in StuckThreshold.objects.filter(Q(project=project_id) | Q(project__isnull=True)).order_by(
        F("project").asc(nulls_first=True)
    ):
        out[t.item] = t.hours
    return out


@dataclass
class StuckItem:
    item: str
    label: str
    number: str
    title: str
    since: dt.datetime
    hours: float
    threshold: int
    who: str
    url: str


@dataclass
class StuckList:
    items: list[StuckItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def stuck(project_id: int, now: dt.datetime | None = None, limit: int = 500) -> StuckList:
    """Items idle beyond their threshold: cases by status (since they entered it), resolved cases whose
    visit is still open, QC checks waiting for a reviewer. Each kind of item is one indexed query."""
    now = now or timezone.now()
    limits = thresholds(project_id)
    out = StuckList()
    labels = dict(StuckThreshold.Item.choices)
    for status in (Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED):
        hours = limits.get(status.value)
        if not hours:
            continue
        qs = Case.objects.filter(
            project_id=project_id, status=status, status_since__lt=now - dt.timedelta(hours=hours)
        ).select_related("assignee", "department")
        out.counts[status.value] = qs.count()
        for c in qs.order_by("status_since")[:limit]:
            assert c.status_since is not None
            who = c.assignee.display_name if c.assignee else (c.department.name if c.department else "")
            if status == Status.RESOLVED:
                v = (
                    ReturnVisit.objects.filter(case=c, status=ReturnVisit.Status.PENDING)
                    .select_related("assignee")
                    .first()
                )
                who = v.assignee.display_name if v and v.assignee else who
            out.items.append(
                StuckItem(
                    item=status.value,
                    label=str(labels[status.value]),
                    number=c.number,
                    title=c.title,
                    since=c.status_since,
                    hours=(now - c.status_since).total_seconds() / 3600,
                    threshold=hours,
                    who=who,
                    url=f"/cases/{c.number}/",
                )
            )
    hours = limits.get(StuckThreshold.Item.QC)
    if hours:
        checks = Check.objects.filter(
            project_id=project_id,
            status__in=[Check.Status.PENDING, Check.Status.CORRECTED],
            created_at__lt=now - dt.timedelta(hours=hours),
        ).select_related("case", "reviewer")
        out.counts["qc"] = checks.count()
        for ch in checks.order_by("created_at")[:limit]:
            out.items.append(
                StuckItem(
                    item="qc",
                    label=str(labels["qc"]),
                    number=ch.case.number,
                    title=f"{ch.get_source_display()}·{ch.get_subject_display()}",
                    since=ch.created_at,
                    hours=(now - ch.created_at).total_seconds() / 3600,
                    threshold=hours,
                    who=ch.reviewer.display_name if ch.reviewer else "",
                    url=f"/quality/checks/{ch.pk}/",
                )
            )
    out.items.sort(key=lambda i: -i.hours / i.threshold)
    return out


# The QC report pages (kefu/quality/report_views.py) ------------------------------------------------------


@dataclass
class ReportScope:
    """The projects whose QC figures a user may read with any of some permissions."""

    projects: list[Any]
    all_projects: bool

    @property
    def ids(self) -> list[int]:
        return [p.pk for p in self.projects]


def report_scope(user: User, perms: tuple[Perm, ...]) -> ReportScope:
    from kefu.org.models import Project

    accesses = [access(user, p) for p in perms]
    qs = Project.objects.filter(is_active=True).order_by("code")
    if any(a.all_projects for a in accesses):
        return ReportScope(list(qs), True)
    ids = {pk for a in accesses for pk in a.project_ids}
    return ReportScope(list(qs.filter(pk__in=ids)), False)


def department_members(department_id: int) -> set[int]:
    """The staff who belong to a department (active memberships)."""
    from kefu.org.models import Membership

    return set(Membership.objects.filter(department_id=department_id, is_active=True).values_list("user_id", flat=True))


def report_staff(project_ids: list[int] | None) -> QuerySet[User]:
    """The staff of the projects (for the operator filter)."""
    qs = User.objects.filter(kind=User.Kind.STAFF, memberships__is_active=True, memberships__project__isnull=False)
    if project_ids is not None:
        qs = qs.filter(memberships__project_id__in=project_ids)
    return qs.distinct().order_by("name", "username")


@dataclass
class Handover:
    """One operator's month: the items handed on (stages they ended) per stage and in all, and the time each
    stage took them (median, p90: nearest rank)."""

    key: Any
    label: str
    total: int = 0
    stages: dict[str, CycleTime] = field(default_factory=dict)


def handovers(
    project_ids: list[int] | None, start: dt.date, end: dt.date, operator_id: int | None = None
) -> list[Handover]:
    """The monthly table of each operator's workload and the interval between hand-overs: per operator, the
    stage times they ended in the period (cycle_times by operator) and their total, counted in SQL."""
    lo, hi = bounds(start, end)
    qs = StageTime.objects.filter(ended_at__gte=lo, ended_at__lt=hi)
    if project_ids is not None:
        qs = qs.filter(project_id__in=project_ids)
    if operator_id is not None:
        qs = qs.filter(operator_id=operator_id)
    rows: dict[Any, Handover] = {
        r["operator_id"]: Handover(key=r["operator_id"], label="", total=r["n"])
        for r in qs.values("operator_id").annotate(n=Count("pk")).order_by()
    }
    for c in cycle_times(project_ids, start, end, by="operator"):
        if c.key in rows:
            rows[c.key].stages[c.stage] = c
            rows[c.key].label = c.label
    _label(rows, "operator")
    return sorted(rows.values(), key=lambda h: (-h.total, h.label))


def reconciliations(project_id: int, start: dt.date, end: dt.date) -> QuerySet[Any]:
    """The stored daily reconciliation rows of a project between two days, by day and channel, with the
    difference (actual − computed closing) and the end-of-day count of open cases by state."""
    from .models import Reconciliation

    return (
        Reconciliation.objects.filter(project_id=project_id, day__gte=start, day__lte=end)
        .select_related("signed_off_by")
        .annotate(
            difference=F("closing_actual") - F("closing"),
            # the open statuses (待派单, 已派单/已接单/处理中, 挂起), as reconcile.py checks them against closing
            state_total=F("state_new") + F("state_in_progress") + F("state_waiting"),
        )
        .order_by("day", "channel")
    )


RECONCILIATION_SUMS = (
    "opening",
    "new",
    "reopened",
    "finished",
    "closing",
    "closing_actual",
    "state_new",
    "state_in_progress",
    "state_waiting",
    "state_resolved",
    "closed_today",
)


def reconciliation_days(project_id: int, start: dt.date, end: dt.date) -> dict[dt.date, dict[str, Any]]:
    """Day totals over the channels (summed in SQL): each count, the difference, whether any channel does
    not balance and how many channels are signed off."""
    from .models import Reconciliation

    rows = (
        Reconciliation.objects.filter(project_id=project_id, day__gte=start, day__lte=end)
        .values("day")
        .annotate(
            diff=Sum(F("closing_actual") - F("closing")),
            **{f"sum_{f}": Sum(f) for f in RECONCILIATION_SUMS},
            channels=Count("pk"),
            mismatched=Count("pk", filter=Q(mismatch=True)),
            signed=Count("pk", filter=Q(signed_off_at__isnull=False)),
        )
        .order_by("day")
    )
    out: dict[dt.date, dict[str, Any]] = {}
    for r in rows:
        row: dict[str, Any] = dict(r)
        out[row["day"]] = {
            **{f: row[f"sum_{f}"] for f in RECONCILIATION_SUMS},
            "difference": row["diff"],
            "channels": row["channels"],
            "mismatched": row["mismatched"],
            "signed": row["signed"],
        }
    return out


# Pages: the QC sheet's queues, the item under review, sampling, settings ------------------------------------

SHEET_QUEUES = ("mine", "pending", "returned", "done", "all")
WAITING = (Check.Status.PENDING, Check.Status.CORRECTED)


def check_queue(user: User, queue: str) -> QuerySet[Check]:
    """One queue of the QC sheet, in the reader's scope, with each line's error counts.

    mine: the reader is the reviewer and the item waits for a check (pending or corrected); pending: every item
    waiting for a check; returned: items sent back to their operator (someone without QC rights sees only
    their own); done: passed; all."""
    from django.db.models import OuterRef, Prefetch, Subquery
    from django.db.models.functions import Coalesce

    qs = checks_for(user)
    if queue == "mine":
        qs = qs.filter(reviewer=user, status__in=WAITING)
    elif queue == "pending":
        qs = qs.filter(status__in=WAITING)
    elif queue == "returned":
        qs = qs.filter(status=Check.Status.RETURNED)
        if access(user, Perm.QC_REVIEW).is_empty:
            qs = qs.filter(operator=user)
    elif queue == "done":
        qs = qs.filter(status=Check.Status.PASSED)
    # Counted in subqueries, not a GROUP BY over the joined columns.
    errors = CheckError.objects.filter(check_item=OuterRef("pk")).order_by().values("check_item")
    return qs.annotate(
        n_errors=Coalesce(Subquery(errors.annotate(n=Count("pk")).values("n")), 0),
        n_fatal=Coalesce(Subquery(errors.filter(fatal=True).annotate(n=Count("pk")).values("n")), 0),
    ).prefetch_related(Prefetch("errors", queryset=CheckError.objects.select_related("point", "operator")))


def check_excerpt(check: Check, limit: int = 8) -> list[Any]:
    """The timeline around the item under review: the events up to the reviewed reply or closure (or, for a
    sampled case or visit, up to when it was drawn), the last `limit` of them, oldest first."""
    from kefu.tickets.models import CaseEvent

    until = check.event.at if check.event_id and check.event else check.created_at
    events = list(
        CaseEvent.objects.filter(case_id=check.case_id, at__lte=until)
        .select_related("actor")
        .order_by("-at", "-pk")[:limit]
    )
    return events[::-1]


def closure_event(check: Check) -> Any:
    """The event that closed the check's case (for a sampled case): the last close or solve-at-once."""
    from kefu.tickets.models import CaseEvent

    return (
        CaseEvent.objects.filter(case_id=check.case_id, kind__in=["close", "solve_at_once"])
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


@dataclass
class HistoryEntry:
    at: dt.datetime | None  # None: not recorded
    label: str
    who: str = ""
    text: str = ""
    errors: list[CheckError] = field(default_factory=list)
    css: str = ""


def check_history(check: Check) -> list[HistoryEntry]:
    """The check's history from its append-only log (CheckLog), each return with the errors it recorded."""
    from django.utils.translation import gettext as _

    from .models import CheckLog

    errors: dict[dt.datetime, list[CheckError]] = defaultdict(list)
    for e in check.errors.select_related("point", "operator").order_by("at", "pk"):
        errors[e.at].append(e)
    out = []
    for step in check.log.select_related("actor").order_by("at", "pk"):
        who = step.actor.display_name if step.actor else ""
        if step.kind == CheckLog.Kind.CREATED:
            sampled = check.source == Check.Source.SAMPLING
            label = _("抽检抽中") if sampled else _("生成复核")
            text = _("分配给 %(n)s") % {"n": step.note} if step.note else _("尚未分配检查人")
            out.append(HistoryEntry(at=step.at, label=label, who=who, text=text))
        elif step.kind == CheckLog.Kind.RETURNED:
            out.append(
                HistoryEntry(
                    at=step.at,
                    label=_("退回修改"),
                    who=who,
                    text=step.note,
                    errors=errors.get(step.at, []),
                    css="returned",
                )
            )
        elif step.kind == CheckLog.Kind.CORRECTED:
            out.append(HistoryEntry(at=step.at, label=_("经办人已修改"), who=who, text=step.note, css="corrected"))
        else:
            out.append(HistoryEntry(at=step.at, label=_("检查通过"), who=who, text=step.note, css="passed"))
    return out


def qc_staff(project_id: int) -> QuerySet[User]:
    """Staff of the project whose role may check (QC reviewers, supervisors, managers): sampling reviewers."""
    from kefu.org.roles import ROLE_PERMS, Role

    roles = [r.value for r in Role if r != Role.HEAD_OFFICE and Perm.QC_REVIEW in ROLE_PERMS.get(r, frozenset())]
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__project_id=project_id,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("name", "username")
    )


def project_staff(project_id: int) -> QuerySet[User]:
    """Active staff of the project (whose an error was, on a return)."""
    return (
        User.objects.filter(
            is_active=True, kind=User.Kind.STAFF, memberships__is_active=True, memberships__project_id=project_id
        )
        .distinct()
        .order_by("name", "username")
    )


def active_points(project_id: int) -> QuerySet[Any]:
    """The error points a reviewer may record on the project's checks: shared ones and the project's own."""
    from .models import ErrorPoint

    return ErrorPoint.objects.filter(Q(project__isnull=True) | Q(project_id=project_id), is_active=True).order_by(
        "sort", "code", "pk"
    )


def _sampling_access(user: User, field: str = "project") -> Q:
    """Projects where the reader checks or manages QC (`Q() | x` is `x`, so all projects is handled first)."""
    grants = [access(user, perm) for perm in (Perm.QC_REVIEW, Perm.MANAGE_QC)]
    if any(a.all_projects for a in grants):
        return Q()
    ids = sorted({pk for a in grants for pk in a.project_ids})
    return Q(**{f"{field}__in": ids})


def plans_for(user: User) -> QuerySet[Any]:
    """Sampling plans of the projects where the reader checks or manages QC."""
    from .models import SamplingPlan

    return SamplingPlan.objects.filter(_sampling_access(user)).select_related("project").prefetch_related("reviewers")


def plan_get(user: User, pk: int) -> Any:
    plan = plans_for(user).filter(pk=pk).first()
    if plan is None:
        raise NotFound("未找到该抽检方案")
    return plan


def draws_for(user: User) -> QuerySet[Any]:
    from .models import SamplingDraw

    scope = _sampling_access(user, "plan__project")
    return SamplingDraw.objects.filter(scope).select_related("plan__project", "drawn_by")


def draw_get(user: User, pk: int) -> Any:
    draw = draws_for(user).filter(pk=pk).first()
    if draw is None:
        raise NotFound("未找到该抽检批次")
    return draw


def _settings_scope(user: User) -> Q:
    a = access(user, Perm.MANAGE_QC)
    return Q() if a.all_projects else Q(project__isnull=True) | Q(project__in=sorted(a.project_ids))


def error_points_for(user: User) -> QuerySet[Any]:
    """The shared error points and those of the projects where the reader manages QC."""
    from .models import ErrorPoint

    return ErrorPoint.objects.filter(_settings_scope(user)).select_related("project")


def review_policies_for(user: User) -> QuerySet[Any]:
    from .models import ReviewPolicy

    return ReviewPolicy.objects.filter(_settings_scope(user)).select_related("project", "category__parent")


def thresholds_for(user: User) -> QuerySet[StuckThreshold]:
    return StuckThreshold.objects.filter(_settings_scope(user)).select_related("project")
