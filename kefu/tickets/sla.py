"""SLA policies applied to cases: due dates at intake, pausing while waiting.

(The sweep that warns and escalates lives in escalation.py.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

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
    # Every intake asks this: plain SQL, for the ORM would spend more building the three ORs than the database
    # spends answering them. (The same conditions as the Q filters they replace; tests in test_sla.py.)
    table = SlaPolicy._meta.db_table
    in_cats = f" OR category_id IN ({', '.join(['%s'] * len(cats))})" if cats else ""
    candidates = SlaPolicy.objects.raw(
        f"SELECT * FROM {table} WHERE kind = %s AND is_active "  # noqa: S608 - table name and placeholders only
        f"AND (project_id = %s OR project_id IS NULL) AND (category_id IS NULL{in_cats}) "
        "AND (priority = %s OR priority = '')",
        [kind, project_id, *cats, priority],
    )

    def rank(p: SlaPolicy) -> tuple[int, int, int]:
        cat_rank = len(cats) - cats.index(p.category_id) if p.category_id in cats else 0
        return (cat_rank, 1 if p.priority else 0, 1 if p.project_id else 0)

    best = sorted(candidates, key=rank, reverse=True)
    return best[0] if best else None


LEVEL_ROLES = ("supervisor", "manager", "head_office")  # escalation levels 1, 2, 3
DEFAULT_MULTIPLES = (1.0, 1.5, 2.0)


def parse_multiples(text: str) -> list[float]:
    """ "1,1.5,2" -> [1.0, 1.5, 2.0]. Raises ValueError unless 1 to 3 increasing numbers, the first >= 1."""
    parts = [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]
    if not parts:
        raise ValueError("请填写升级倍数，如 1,1.5,2")
    try:
        values = [float(x) for x in parts]
    except ValueError:
        raise ValueError("升级倍数须为数字，用逗号分隔，如 1,1.5,2") from None
    if len(values) > len(LEVEL_ROLES):
        raise ValueError(f"最多 {len(LEVEL_ROLES)} 级（主管、经理、总部）")
    if values[0] < 1:
        raise ValueError("升级倍数须不小于 1（超过时限才升级；之前由预警提醒处理人）")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError("升级倍数须逐级递增")
    return values


def multiples_of(policy: SlaPolicy | None) -> list[float]:
    """The policy's escalation multiples, at most one per level (the defaults without a policy)."""
    if policy is None:
        return list(DEFAULT_MULTIPLES)
    try:
        return parse_multiples(policy.escalate_multiples)
    except ValueError:
        values = sorted(v for v in policy.multiples() if v > 0)[: len(LEVEL_ROLES)]
        return values or list(DEFAULT_MULTIPLES)


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
