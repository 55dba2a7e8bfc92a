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
    first = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
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
