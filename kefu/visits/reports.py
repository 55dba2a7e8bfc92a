"""The return-visit and satisfaction reports (报表中心 · 回访与满意度), read-only and computed in SQL.

Every figure is one `aggregate` or grouped `annotate` with filtered Counts, so the cost is a handful of
queries whatever the number of visits. The formulas are those of docs/visits.md ("Reports"):

- return-visit rate (回访率)   = (done + unreachable + refused) / (all − cancelled)
- reached rate (回访成功率)     = done / (all − cancelled)
- timeliness (回访及时率)       = finished with completed_at ≤ due_at / finished (done + unreachable + refused)
- CSAT (满意率)                 = reached visits scoring 4-5 / reached visits
- coverage (走访覆盖率)         = households reached / households of the zone
- completion (计划完成率)       = planned visits finished (reached, unreachable or refused) / planned

Who may read: holders of Perm.VIEW_REPORTS, on the projects that permission reaches (head office: all).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access
from kefu.reports.base import (  # noqa: F401  (re-exported: the visit reports' vocabulary)
    Filters,
    Period,
    may_view_reports,
    mean_score,
    month_period,
    one_decimal,
    percent,
    quarter_period,
    report_projects,
    this_month,
)
from kefu.reports.base import in_scope as _in_scope
from kefu.reports.base import share as _share
from kefu.surveys import selectors as survey_selectors
from kefu.surveys.models import Survey

from .models import (
    DISSATISFIED_MAX,
    SATISFIED_MIN,
    DissatisfactionReason,
    FindingCategory,
    ReturnVisit,
    VisitFinding,
    VisitPlan,
)

S = ReturnVisit.Status
FINISHED = (S.DONE, S.UNREACHABLE, S.REFUSED)


def case_visits(user: User, f: Filters) -> QuerySet[ReturnVisit]:
    """Return visits after cases, within the reader's scope and the filters (any period)."""
    qs = _in_scope(user, ReturnVisit.objects.filter(source=ReturnVisit.Source.CASE), f)
    if f.zone is not None:
        qs = qs.filter(zone=f.zone)
    if f.department is not None:
        qs = qs.filter(department=f.department)
    return qs


def _user_label(name: str | None, username: str | None, none: str) -> str:
    return name or username or none


# 1. Return-visit rate and timeliness -------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    label: str
    total: int = 0
    done: int = 0
    unreachable: int = 0
    refused: int = 0
    pending: int = 0
    cancelled: int = 0
    on_time: int = 0
    overdue: int = 0

    @property
    def finished(self) -> int:
        return self.done + self.unreachable + self.refused

    @property
    def counted(self) -> int:
        """Visits that should have been made: all but the cancelled."""
        return self.total - self.cancelled

    @property
    def rate(self) -> float | None:
        return _share(self.finished, self.counted)

    @property
    def reached_rate(self) -> float | None:
        return _share(self.done, self.counted)

    @property
    def timeliness(self) -> float | None:
        return _share(self.on_time, self.finished)


@dataclass(frozen=True)
class RateReport:
    total: RateRow
    by_project: list[RateRow]
    by_zone: list[RateRow]
    by_visitor: list[RateRow]


def _rate_agg(now: dt.datetime) -> dict[str, Any]:
    return {
        "total": Count("pk"),
        "done": Count("pk", filter=Q(status=S.DONE)),
        "unreachable": Count("pk", filter=Q(status=S.UNREACHABLE)),
        "refused": Count("pk", filter=Q(status=S.REFUSED)),
        "pending": Count("pk", filter=Q(status=S.PENDING)),
        "cancelled": Count("pk", filter=Q(status=S.CANCELLED)),
        "on_time": Count("pk", filter=Q(status__in=FINISHED, completed_at__lte=F("due_at"))),
        "overdue": Count("pk", filter=Q(status=S.PENDING, due_at__lt=now)),
    }


RATE_FIELDS = ("total", "done", "unreachable", "refused", "pending", "cancelled", "on_time", "overdue")


def visit_rate(user: User, f: Filters, now: dt.datetime | None = None) -> RateReport:
    """Case visits created in the period, by project, zone and visitor. "Overdue" is counted at `now`."""
    now = now or timezone.now()
    qs = case_visits(user, f).filter(created_at__gte=f.period.since, created_at__lt=f.period.until)
    agg = _rate_agg(now)

    def rows(keys: tuple[str, ...], label: Any) -> list[RateRow]:
        grouped = qs.values(*keys).annotate(**agg).order_by(*keys[1:], keys[0])
        return [RateRow(label=label(r), **{k: r[k] for k in RATE_FIELDS}) for r in grouped]

    total = qs.aggregate(**agg)
    return RateReport(
        total=RateRow(label=_("合计"), **{k: total[k] or 0 for k in RATE_FIELDS}),
        by_project=rows(("project_id", "project__code", "project__name"), lambda r: r["project__name"]),
        by_zone=rows(
            ("zone_id", "project__code", "zone__code", "project__name", "zone__name"),
            lambda r: " ".join([r["project__name"], r["zone__name"] if r["zone_id"] else str(_("未分区"))]),
        ),
        by_visitor=rows(
            ("assignee_id", "assignee__name", "assignee__username"),
            lambda r: _user_label(r["assignee__name"], r["assignee__username"], _("未分配")),
        ),
    )


# 2. Satisfaction ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionRow:
    label: str
    reached: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    unsolved: int = 0
    mean: float | None = None

    @property
    def csat(self) -> float | None:
        return _share(self.satisfied, self.reached)


@dataclass(frozen=True)
class SatisfactionReport:
    total: SatisfactionRow
    by_department: list[SatisfactionRow]
    by_staff: list[SatisfactionRow]
    by_category: list[SatisfactionRow]


SAT_AGG = {
    "reached": Count("pk"),
    "satisfied": Count("pk", filter=Q(score__gte=SATISFIED_MIN)),
    "dissatisfied": Count("pk", filter=Q(score__lte=DISSATISFIED_MAX)),
    "unsolved": Count("pk", filter=Q(solved=False)),
    "mean": Avg("score"),
}
SAT_FIELDS = ("reached", "satisfied", "dissatisfied", "unsolved", "mean")


def reached_visits(user: User, f: Filters) -> QuerySet[ReturnVisit]:
    """Case visits that reached the customer (status 已回访) with completed_at in the period."""
    return case_visits(user, f).filter(status=S.DONE, completed_at__gte=f.period.since, completed_at__lt=f.period.until)


def satisfaction(user: User, f: Filters) -> SatisfactionReport:
    """By the case's handling department, its handler (case.assignee) and its category."""
    qs = reached_visits(user, f)

    def rows(keys: tuple[str, ...], label: Any) -> list[SatisfactionRow]:
        grouped = qs.values(*keys).annotate(**SAT_AGG).order_by(*keys[1:], keys[0])
        return [SatisfactionRow(label=label(r), **{k: r[k] for k in SAT_FIELDS}) for r in grouped]

    total = qs.aggregate(**SAT_AGG)

    def category(r: dict[str, Any]) -> str:
        if not r["case__category_id"]:
            return _("未分类")
        name = r["case__category__name"]
        return f"{r['case__category__parent__name']} / {name}" if r["case__category__parent__name"] else name

    return SatisfactionReport(
        total=SatisfactionRow(label=_("合计"), **{k: total[k] or 0 for k in SAT_FIELDS[:-1]}, mean=total["mean"]),
        by_department=rows(
            ("department_id", "department__code", "department__name"),
            lambda r: r["department__name"] or _("未指定部门"),
        ),
        by_staff=rows(
            ("handler_id", "handler__name", "handler__username"),
            lambda r: _user_label(r["handler__name"], r["handler__username"], _("未指定处理人")),
        ),
        by_category=rows(
            ("case__category_id", "case__kind", "case__category__parent__name", "case__category__name"), category
        ),
    )


# 3. Reasons for dissatisfaction ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    label: str
    count: int
    share: float | None
    cases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReasonsReport:
    total: int
    rows: list[ReasonRow]


NO_REASON = gettext_lazy("未填写原因")


def dissatisfied_visits(user: User, f: Filters) -> QuerySet[ReturnVisit]:
    """Reached visits of the period where the customer was dissatisfied (score ≤ 2) or the problem unsolved."""
    return reached_visits(user, f).filter(Q(score__lte=DISSATISFIED_MAX) | Q(solved=False))


def reasons(user: User, f: Filters) -> ReasonsReport:
    qs = dissatisfied_visits(user, f)
    counts = {r["reason"]: r["n"] for r in qs.values("reason").annotate(n=Count("pk")).order_by("reason")}
    numbers: dict[str, list[str]] = defaultdict(list)
    for reason, number in qs.values_list("reason", "case__number").distinct().order_by("case__number"):
        numbers[reason].append(number)
    total = sum(counts.values())
    order = {value: i for i, value in enumerate([*DissatisfactionReason.values, ""])}
    labels = dict(DissatisfactionReason.choices)
    rows = [
        ReasonRow(
            reason=reason,
            label=str(labels.get(reason, NO_REASON)),
            count=n,
            share=_share(n, total),
            cases=numbers[reason],
        )
        for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
    ]
    return ReasonsReport(total=total, rows=rows)


# 4. Plan coverage -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    label: str
    pk: int | None = None
    project: str = ""
    zone: str = ""
    steward: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    households: int = 0
    planned: int = 0
    done: int = 0
    unreachable: int = 0  # unreachable or refused
    pending: int = 0
    cancelled: int = 0
    findings: dict[str, int] = field(default_factory=dict)  # by FindingCategory
    to_cases: int = 0

    @property
    def findings_total(self) -> int:
        return sum(self.findings.values())

    @property
    def coverage(self) -> float | None:
        return _share(self.done, self.households)

    @property
    def completion(self) -> float | None:
        return _share(self.planned - self.pending - self.cancelled, self.planned)


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    findings: int
    to_cases: int

    @property
    def to_case_rate(self) -> float | None:
        return _share(self.to_cases, self.findings)


@dataclass(frozen=True)
class CoverageReport:
    rows: list[PlanRow]
    total: PlanRow
    by_category: list[CategoryRow]


def plans_in_period(user: User, f: Filters) -> QuerySet[VisitPlan]:
    """Plans whose period overlaps the report's period."""
    qs = _in_scope(user, VisitPlan.objects.all(), f).filter(
        period_start__lte=f.period.end, period_end__gte=f.period.start
    )
    if f.zone is not None:
        qs = qs.filter(zone=f.zone)
    return qs


PLAN_FIELDS = (
    "pk", "name", "project__name", "project__code", "zone__name", "zone__code", "steward__name",
    "steward__username", "period_start", "period_end", "households", "planned",
    "n_done", "n_unreachable", "n_pending", "n_cancelled",
)  # fmt: skip


def coverage(user: User, f: Filters) -> CoverageReport:
    plans = (
        plans_in_period(user, f)
        .annotate(
            n_done=Count("visits", filter=Q(visits__status=S.DONE), distinct=True),
            n_unreachable=Count("visits", filter=Q(visits__status__in=[S.UNREACHABLE, S.REFUSED]), distinct=True),
            n_pending=Count("visits", filter=Q(visits__status=S.PENDING), distinct=True),
            n_cancelled=Count("visits", filter=Q(visits__status=S.CANCELLED), distinct=True),
        )
        .values(*PLAN_FIELDS)
        .order_by("project__code", "zone__code", "period_start", "pk")
    )
    plans = list(plans)
    found: dict[int, dict[str, int]] = defaultdict(dict)
    cased: dict[int, int] = defaultdict(int)
    per_category = list(
        VisitFinding.objects.filter(visit__plan__in=[p["pk"] for p in plans])
        .values("visit__plan_id", "category")
        .annotate(n=Count("pk"), cases=Count("case"))
        .order_by("visit__plan_id", "category")
    )
    for r in per_category:
        found[r["visit__plan_id"]][r["category"]] = r["n"]
        cased[r["visit__plan_id"]] += r["cases"]
    rows = [
        PlanRow(
            label=p["name"],
            pk=p["pk"],
            project=p["project__name"],
            zone=p["zone__name"],
            steward=_user_label(p["steward__name"], p["steward__username"], ""),
            period_start=p["period_start"],
            period_end=p["period_end"],
            households=p["households"],
            planned=p["planned"],
            done=p["n_done"],
            unreachable=p["n_unreachable"],
            pending=p["n_pending"],
            cancelled=p["n_cancelled"],
            findings=dict(found[p["pk"]]),
            to_cases=cased[p["pk"]],
        )
        for p in plans
    ]
    categories: dict[str, list[int]] = {c: [0, 0] for c in FindingCategory.values}
    for r in per_category:
        categories[r["category"]][0] += r["n"]
        categories[r["category"]][1] += r["cases"]
    total = PlanRow(
        label=_("合计"),
        households=sum(r.households for r in rows),
        planned=sum(r.planned for r in rows),
        done=sum(r.done for r in rows),
        unreachable=sum(r.unreachable for r in rows),
        pending=sum(r.pending for r in rows),
        cancelled=sum(r.cancelled for r in rows),
        findings={c: n for c, (n, _cases) in categories.items() if n},
        to_cases=sum(r.to_cases for r in rows),
    )
    labels = dict(FindingCategory.choices)
    return CoverageReport(
        rows=rows,
        total=total,
        by_category=[CategoryRow(c, str(labels[c]), n, k) for c, (n, k) in categories.items()],
    )


# 5. Surveys --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyRow:
    pk: int
    name: str
    project: str
    period_start: dt.date
    period_end: dt.date
    status: str
    figures: survey_selectors.Figures
    nps: survey_selectors.Nps

    @property
    def url(self) -> str:
        return f"/surveys/{self.pk}/results/"


def surveys(user: User, f: Filters) -> list[SurveyRow]:
    """Published surveys whose period overlaps the report's: one summary line each (surveys.selectors.overall
    and .nps on the questionnaires in scope, narrowed to the zone when one is chosen)."""
    qs = (
        _in_scope(user, Survey.objects.exclude(status=Survey.Status.DRAFT), f)
        .filter(period_start__lte=f.period.end, period_end__gte=f.period.start)
        .select_related("project")
        .order_by("project__code", "period_start", "pk")
    )
    scope = access(user, Perm.VIEW_REPORTS).q("project")
    result = []
    for s in qs:  # one line per survey: a few surveys a period, two aggregate queries each
        responses = s.responses.filter(scope)
        if f.zone is not None:
            responses = responses.filter(zone=f.zone)
        result.append(
            SurveyRow(
                pk=s.pk,
                name=s.name,
                project=s.project.name,
                period_start=s.period_start,
                period_end=s.period_end,
                status=s.get_status_display(),
                figures=survey_selectors.overall(responses),
                nps=survey_selectors.nps(responses),
            )
        )
    return result
