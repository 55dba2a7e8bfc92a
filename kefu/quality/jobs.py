"""The once-a-day QC jobs the scheduler runs (kefu.tickets run_scheduler calls run_due() every round):

- after 00:30 Beijing time: the daily reconciliation (日结) of the day before, for every active project;
- after 08:00: the stuck-item digest (滞留提醒) to each project's supervisors, with the count per status.

Each is claimed with a unique DailyJob row first, so it runs once per day however many schedulers run."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.notify.models import Notification
from kefu.notify.services import notify
from kefu.org.models import Project
from kefu.org.roles import Role
from kefu.tickets.services import project_staff

from . import reconcile, selectors
from .models import DailyJob

RECONCILE_AFTER = dt.time(0, 30)
STUCK_AFTER = dt.time(8, 0)


def _claim(name: str, day: dt.date, now: dt.datetime) -> DailyJob | None:
    try:
        with transaction.atomic():
            return DailyJob.objects.create(name=name, day=day, done_at=now)
    except IntegrityError:
        return None


def stuck_digest(project: Project, now: dt.datetime) -> int:
    result = selectors.stuck(project.pk, now=now, limit=0)
    total = sum(result.counts.values())
    if not total:
        return 0
    from .models import StuckThreshold

    labels = dict(StuckThreshold.Item.choices)
    parts = "，".join(f"{labels[k]} {n} 件" for k, n in result.counts.items() if n)
    day = timezone.localtime(now).date()
    with transaction.atomic():
        return notify(
            project_staff(project.pk, Role.SUPERVISOR),
            kind=Notification.Kind.STUCK,
            title=f"{project.name} 滞留提醒：共 {total} 件",
            body=parts,
            url=f"/quality/stuck/?project={project.pk}",
            dedupe_key=f"stuck:{project.pk}:{day:%Y%m%d}",
        )


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Run whatever daily job is due and not yet done today. Returns what ran (for the scheduler's log)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    ran: list[str] = []
    if local.time() >= RECONCILE_AFTER:
        yesterday = local.date() - dt.timedelta(days=1)
        job = _claim("reconcile", yesterday, now)
        if job is not None:
            n = reconcile.reconcile(yesterday, now=now)
            job.result = f"{n} rows"
            job.save(update_fields=["result"])
            ran.append(f"reconciled {yesterday}: {n} rows")
    if local.time() >= STUCK_AFTER:
        job = _claim("stuck", local.date(), now)
        if job is not None:
            sent = sum(stuck_digest(p, now) for p in Project.objects.filter(is_active=True))
            job.result = f"{sent} notifications"
            job.save(update_fields=["result"])
            ran.append(f"stuck digest: {sent} notifications")
    return ran
