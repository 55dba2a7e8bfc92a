"""SLA policies applied to cases: due dates at intake, pausing while waiting.

(The sweep that warns and escalates lives in escalation.py.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from . import calendar
from .models import Case, SlaPolicy


def policy_for(*, project_id: int, kind: str, category: Any = None, priority: str = "") -> SlaPolicy | None:
    """The most specific active policy: project over shared, category (or an ancestor) over none,
    priority over any."""
    cats: list[int] = []
    node = category
    while node is not None:
        cats.append(node.pk)
        node = node.parent
    candidates = SlaPolicy.objects.filter(
        Q(project_id=project_id) | Q(project__isnull=True),
        Q(category_id__in=cats) | Q(category__isnull=True),
        Q(priority=priority) | Q(priority=""),
        kind=kind,
        is_active=True,
    )

    def rank(p: SlaPolicy) -> tuple[int, int, int]:
        cat_rank = len(cats) - cats.index(p.category_id) if p.category_id in cats else 0
        return (cat_rank, 1 if p.priority else 0, 1 if p.project_id else 0)

    best = sorted(candidates, key=rank, reverse=True)
    return best[0] if best else None


def due_after(start: dt.datetime, value: int, unit: str) -> dt.datetime:
    if unit == SlaPolicy.Unit.WORKING_DAYS:
        return calendar.add_working_days(timezone.localtime(start), value)
    return start + dt.timedelta(hours=value)


def apply(case: Case, now: dt.datetime) -> None:
    """Set the case's policy and due dates (not saved)."""
    policy = policy_for(project_id=case.project_id, kind=case.kind, category=case.category, priority=case.priority)
    case.sla_policy = policy
    if policy is None:
        case.first_reply_due = case.resolution_due = case.warn_at = None
        return
    case.first_reply_due = now + dt.timedelta(hours=policy.first_reply_hours) if policy.first_reply_hours else None
    case.resolution_due = due_after(now, policy.resolution_value, policy.resolution_unit)
    case.warn_at = now + (case.resolution_due - now) * (policy.warn_percent / 100)


def pause(case: Case, now: dt.datetime) -> None:
    case.paused_at = now


def resume(case: Case, now: dt.datetime) -> dt.timedelta:
    """Shift the open deadlines by the time spent waiting (the SLA clock was stopped)."""
    if case.paused_at is None:
        return dt.timedelta(0)
    paused = now - case.paused_at
    if case.first_reply_due and not case.first_replied_at:
        case.first_reply_due += paused
    if case.resolution_due:
        case.resolution_due += paused
    if case.warn_at:
        case.warn_at += paused
    case.paused_at = None
    return paused
