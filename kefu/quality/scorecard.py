"""The monthly staff scorecard (绩效), computed from the timeline, return visits and the QC sheet.

Per person and month (docs/quality.md gives the same list):
    workload              cases they finished: 办结 (resolve) or 当场解决 events they made
    first_reply_on_time   of the first replies they gave, the share given by the first-reply deadline
    resolution_on_time    of the cases they resolved, the share resolved by the resolution deadline
    first_contact         of the cases they took in, the share solved at once (首问解决)
    satisfaction          CSAT of the return visits (reached) of the cases they resolved (ReturnVisit.handler):
                          share of 4-5
    mean_score            the mean visit score of those cases (shown, not weighted)
    accuracy              1 − error rate: errors recorded against them / items of theirs checked
    visits_done           return visits they finished
Score = Σ weightᵢ × valueᵢ / Σ weightᵢ over the metrics that have a value, where workload and visits
are scaled to the month's highest (= 100) and rates are percentages; a metric without data is left out
rather than counted as zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, Sum

from kefu.org.models import User
from kefu.tickets.models import Case, CaseEvent
from kefu.visits.models import SATISFIED_MIN, ReturnVisit

from .models import Check, CheckError, ScorecardWeights, Stage, StageTime
from .selectors import bounds

METRICS = (
    "workload",
    "first_reply_on_time",
    "resolution_on_time",
    "first_contact_resolution",
    "satisfaction",
    "accuracy",
    "visits_done",
)


@dataclass
class Row:
    user_id: int
    name: str = ""
    workload: int = 0
    first_replies: int = 0
    first_replies_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    taken_in: int = 0
    solved_at_once: int = 0
    visits_reached: int = 0
    visits_satisfied: int = 0
    score_sum: int = 0
    checked: int = 0
    errors: int = 0
    fatal: int = 0
    visits_done: int = 0
    values: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.visits_reached if self.visits_reached else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.checked if self.checked else None


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def weights_for(project_id: int) -> ScorecardWeights:
    return ScorecardWeights.objects.filter(project_id=project_id).first() or ScorecardWeights(project_id=project_id)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def scorecard(project_id: int, month: dt.date) -> list[Row]:
    start, end = month_bounds(month)
    lo, hi = bounds(start, end)
    rows: dict[int, Row] = defaultdict(lambda: Row(user_id=0))
    d: Any

    def row(uid: int | None) -> Row | None:
        if uid is None:
            return None
        r = rows[uid]
        r.user_id = uid
        return r

    events = CaseEvent.objects.filter(case__project_id=project_id, at__gte=lo, at__lt=hi, actor__isnull=False)
    for d in events.filter(kind__in=["resolve", "solve_at_once"]).values("actor_id").annotate(n=Count("pk")).order_by():
        if (x := row(d["actor_id"])) is not None:
            x.workload = d["n"]
    times = StageTime.objects.filter(project_id=project_id, ended_at__gte=lo, ended_at__lt=hi, operator__isnull=False)
    on_time_reply = Q(case__first_reply_due__isnull=True) | Q(ended_at__lte=F("case__first_reply_due"))
    for d in (
        times.filter(stage=Stage.FIRST_REPLY)
        .values("operator_id")
        .annotate(n=Count("pk"), ok=Count("pk", filter=on_time_reply))
        .order_by()
    ):
        if (x := row(d["operator_id"])) is not None:
            x.first_replies, x.first_replies_on_time = d["n"], d["ok"]
    on_time_resolve = Q(case__resolution_due__isnull=True) | Q(ended_at__lte=F("case__resolution_due"))
    for d in (
        times.filter(stage=Stage.HANDLE)
        .values("operator_id")
        .annotate(n=Count("pk"), ok=Count("pk", filter=on_time_resolve))
        .order_by()
    ):
        if (x := row(d["operator_id"])) is not None:
            x.resolved, x.resolved_on_time = d["n"], d["ok"]
    for d in (
        Case.objects.filter(project_id=project_id, created_at__gte=lo, created_at__lt=hi)
        .values("created_by_id")
        .annotate(n=Count("pk"), fcr=Count("pk", filter=Q(first_contact_resolution=True)))
        .order_by()
    ):
        if (x := row(d["created_by_id"])) is not None:
            x.taken_in, x.solved_at_once = d["n"], d["fcr"]
    visits = ReturnVisit.objects.filter(project_id=project_id, completed_at__gte=lo, completed_at__lt=hi)
    for d in (
        visits.filter(status=ReturnVisit.Status.DONE, case__isnull=False, handler__isnull=False)
        .values("handler_id")
        .annotate(n=Count("pk"), ok=Count("pk", filter=Q(score__gte=SATISFIED_MIN)), total=Sum("score"))
        .order_by()
    ):
        if (x := row(d["handler_id"])) is not None:
            x.visits_reached, x.visits_satisfied, x.score_sum = d["n"], d["ok"], d["total"] or 0
    finished = [ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED]
    for d in (
        visits.filter(status__in=finished, completed_by__isnull=False)
        .values("completed_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if (x := row(d["completed_by_id"])) is not None:
            x.visits_done = d["n"]
    for d in (
        Check.objects.filter(project_id=project_id, checked_at__gte=lo, checked_at__lt=hi, operator__isnull=False)
        .values("operator_id")
        .annotate(n=Sum("quantity_checked"))
        .order_by()
    ):
        if (x := row(d["operator_id"])) is not None:
            x.checked = d["n"] or 0
    for d in (
        CheckError.objects.filter(check_item__project_id=project_id, at__gte=lo, at__lt=hi, operator__isnull=False)
        .values("operator_id")
        .annotate(n=Count("pk"), f=Count("pk", filter=Q(fatal=True)))
        .order_by()
    ):
        if (x := row(d["operator_id"])) is not None:
            x.errors, x.fatal = d["n"], d["f"]

    people = {u.pk: u for u in User.objects.filter(pk__in=list(rows), kind=User.Kind.STAFF)}
    result = [x for uid, x in rows.items() if uid in people]
    for x in result:
        x.name = people[x.user_id].display_name
    _score(result, weights_for(project_id))
    return sorted(result, key=lambda x: (-(x.score or 0), x.name))


def _score(rows: list[Row], weights: ScorecardWeights) -> None:
    top_workload = max((r.workload for r in rows), default=0)
    top_visits = max((r.visits_done for r in rows), default=0)
    for r in rows:
        accuracy = None if r.error_rate is None else max(0.0, 1 - r.error_rate)
        values: dict[str, float | None] = {
            "workload": r.workload / top_workload * 100 if top_workload else None,
            "first_reply_on_time": _pct(_ratio(r.first_replies_on_time, r.first_replies)),
            "resolution_on_time": _pct(_ratio(r.resolved_on_time, r.resolved)),
            "first_contact_resolution": _pct(_ratio(r.solved_at_once, r.taken_in)),
            "satisfaction": _pct(_ratio(r.visits_satisfied, r.visits_reached)),
            "accuracy": _pct(accuracy),
            "visits_done": r.visits_done / top_visits * 100 if top_visits else None,
        }
        r.values = values
        total_weight = sum(getattr(weights, m) for m in METRICS if values[m] is not None)
        if total_weight:
            r.score = (
                sum(getattr(weights, m) * (values[m] or 0) for m in METRICS if values[m] is not None) / total_weight
            )


def _pct(x: float | None) -> float | None:
    return None if x is None else x * 100


def as_table(rows: list[Row]) -> tuple[list[str], list[list[Any]]]:
    """The scorecard as the page and the xlsx show it (same numbers, same order)."""
    headers = [
        "员工", "综合得分", "工作量", "首次答复数", "首次答复及时率%", "办结数", "办结及时率%", "受理数", "首问解决率%",
        "回访数", "满意率%", "平均满意度", "质检数量", "差错数", "致命差错", "准确率%", "完成回访数",
    ]  # fmt: skip

    def r1(x: float | None) -> float | None:
        return None if x is None else round(x, 1)

    table = [
        [
            r.name,
            r1(r.score),
            r.workload,
            r.first_replies,
            r1(r.values.get("first_reply_on_time")),
            r.resolved,
            r1(r.values.get("resolution_on_time")),
            r.taken_in,
            r1(r.values.get("first_contact_resolution")),
            r.visits_reached,
            r1(r.values.get("satisfaction")),
            r1(r.mean_score),
            r.checked,
            r.errors,
            r.fatal,
            r1(r.values.get("accuracy")),
            r.visits_done,
        ]
        for r in rows
    ]
    return headers, table
