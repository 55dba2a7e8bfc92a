"""Demo QC work on top of the demo cases (called by seed_demo after the cases and visits exist).

The desk's replies and closures have already queued review checks (quality.services.on_reply/on_closure).
Here the QC reviewers work through them (most pass; some are returned with errors, corrected by their
operator and passed), weekly sampling plans draw from closed cases and visits, every past day is reconciled
and the supervisors sign the days off. Everything goes through the services, with fixed random seeds."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Min
from django.utils import timezone

from kefu.org.models import Project
from kefu.org.roles import Role
from kefu.tickets.models import Case
from kefu.tickets.services import project_staff

from . import reconcile, services
from .models import Check, ErrorPoint, SamplingPlan, ScorecardWeights

SEED = 20261122
CAUSES = {
    "E01": "来电人描述为噪音扰民，误登记为建议",
    "E02": "电梯故障派给了土建班组",
    "E03": "投诉受理后超过24小时才首次答复",
    "E04": "处理过程未记录联系时间和结果",
    "E05": "答复的收费标准与物业服务合同不符",
    "E06": "答复中使用“这不归我们管”等生硬用语",
    "E07": "办结后未按规定回访即关闭",
    "E08": "维修完成未上传现场照片和业主签字",
    "E09": "业主电话号码录入错一位",
    "E10": "复核未发现派单错误",
    "E11": "交接时遗失业主提交的书面材料",
    "E12": "报修超过时限仍未办结",
}
CORRECTIONS = ["已补充记录并重新致电业主说明", "已更正登记信息", "已补传照片和签字单", "已向业主道歉并重新答复"]


def _moment(rng: random.Random, after: dt.datetime, hours: tuple[float, float], now: dt.datetime) -> dt.datetime:
    return min(after + dt.timedelta(hours=rng.uniform(*hours)), now - dt.timedelta(minutes=rng.randint(5, 90)))


def _work_through(checks: list[Check], rng: random.Random, now: dt.datetime, return_share: float) -> None:
    points = list(ErrorPoint.objects.filter(project__isnull=True, is_active=True))
    for check in checks:
        reviewer = check.reviewer
        if reviewer is None or check.operator_id == reviewer.pk:
            continue
        at = _moment(rng, check.created_at, (1, 20), now)
        if at <= check.created_at:
            continue
        if rng.random() >= return_share or check.operator is None or not check.operator.is_active:
            services.check_pass(actor=reviewer, check=check, now=at)
            continue
        found = rng.sample(points, rng.choice([1, 1, 2]))
        services.check_return(
            actor=reviewer,
            check=check,
            findings=[services.Finding(p, CAUSES.get(p.code, p.name)) for p in found],
            now=at,
        )
        fixed = _moment(rng, at, (1, 30), now)
        if fixed <= at or rng.random() < 0.15:
            continue  # still waiting for its operator
        check.refresh_from_db()
        services.check_correct(actor=check.operator, check=check, note=rng.choice(CORRECTIONS), now=fixed)
        again = _moment(rng, fixed, (0.5, 8), now)
        if again > fixed:
            check.refresh_from_db()
            services.check_pass(actor=reviewer, check=check, now=again)


def _weeks(now: dt.datetime, n: int) -> list[tuple[dt.date, dt.date]]:
    today = timezone.localtime(now).date()
    monday = today - dt.timedelta(days=today.weekday())
    return [(monday - dt.timedelta(days=7 * k), monday - dt.timedelta(days=7 * k - 6)) for k in range(n, 0, -1)]


def build_demo_qc(small: bool = False) -> None:
    now = timezone.now()
    rng = random.Random(SEED)
    for project in Project.objects.filter(is_active=True).order_by("code"):
        reviewers = services.reviewers(project.pk)
        managers = project_staff(project.pk, Role.MANAGER)
        supervisors = project_staff(project.pk, Role.SUPERVISOR)
        ScorecardWeights.objects.get_or_create(project=project)
        # 1. The review queue: everything older than half a day has been looked at.
        waiting = list(
            Check.objects.filter(
                project=project, status=Check.Status.PENDING, created_at__lt=now - dt.timedelta(hours=12)
            )
            .select_related("reviewer", "operator")
            .order_by("created_at", "pk")
        )
        _work_through(waiting, rng, now, return_share=0.08)
        # 2. Weekly sampling of closed cases and of return visits, by the project's QC staff.
        if managers and reviewers and Case.objects.filter(project=project).exists():
            manager = managers[0]
            plans = [
                services.sampling_plan_save(
                    actor=manager,
                    project=project,
                    name="已关闭工单每周抽检10%",
                    target=SamplingPlan.Target.CLOSED_CASES,
                    mode=SamplingPlan.Mode.SHARE,
                    share_percent=10,
                    reviewer_ids=[u.pk for u in reviewers],
                    now=now - dt.timedelta(days=40),
                ),
                services.sampling_plan_save(
                    actor=manager,
                    project=project,
                    name="回访记录每人每周2件",
                    target=SamplingPlan.Target.VISITS,
                    mode=SamplingPlan.Mode.PER_OPERATOR,
                    per_operator=2,
                    reviewer_ids=[u.pk for u in reviewers],
                    now=now - dt.timedelta(days=40),
                ),
            ]
            for start, end in _weeks(now, 2 if small else 4):
                drawn_at = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(9, 30)))
                for i, plan in enumerate(plans):
                    draw = services.sampling_draw(
                        actor=reviewers[0], plan=plan, period_start=start, period_end=end, seed=SEED + i, now=drawn_at
                    )
                    _work_through(
                        list(draw.checks.select_related("reviewer", "operator").order_by("pk")), rng, now, 0.12
                    )
        # 3. Every past day reconciled, in order; the supervisors signed all but the last two days.
        first = Case.objects.filter(project=project).aggregate(d=Min("created_at"))["d"]
        if first is None:
            continue
        day = timezone.localtime(first).date()
        yesterday = timezone.localtime(now).date() - dt.timedelta(days=1)
        while day <= yesterday:
            rows = reconcile.reconcile_day(project, day, now=now)
            if rows and supervisors and day < yesterday - dt.timedelta(days=1):
                at = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, 0)))
                note = "" if not any(r.mismatch for r in rows) else "已核对差异原因"
                services.reconciliation_sign_off(actor=supervisors[0], project=project, day=day, note=note, now=at)
            day += dt.timedelta(days=1)
