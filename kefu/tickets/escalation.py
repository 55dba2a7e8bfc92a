"""The SLA sweep: warn before a deadline, escalate a breach up the chain, each exactly once.

`sweep()` is run every minute by `manage.py run_scheduler` (and may be run by several processes at
once). For every open case whose clock is running (not 挂起 waiting) it looks at two targets:

- "resolution": the SLA's resolution_due (never the dispatcher's required_by);
- "first_reply": first_reply_due, while the customer has had no reply.

Level 0 is the warning when warn_at has passed (to the handler; to the supervisors when nobody has the
case). Level k >= 1 is reached when the elapsed time is at least multiples[k-1] times the target
duration (due - created_at, waiting time left out on both sides): 1 → supervisors, 2 → managers,
3 → head office. A major complaint (重大投诉) is sent to the managers at intake (services._escalate_major).

Exactly once: each (case, target, level) is one Escalation row under a unique constraint. A case is
handled in one transaction holding its row lock (SKIP LOCKED on PostgreSQL, so several workers share the
work); the Escalation row is inserted in a savepoint first and, if another worker got there first, the
event and the notifications are not written. A crash rolls the case's transaction back whole, and the
next sweep does it again. Notifications also carry dedupe_key "esc:<case>:<target>:<level>".

Cost: candidates come from index range scans on (status, resolution_due), (status, first_reply_due)
and warn_at, excluding cases already escalated to the top level, read in keyset pages; only cases with
something new to do are locked, at most `limit` per sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kefu.notify.models import Notification
from kefu.notify.services import notify
from kefu.org.roles import Role

from . import sla
from .models import Case, CaseEvent, Escalation, SlaPolicy
from .states import Status

log = logging.getLogger(__name__)

# Open and with the SLA clock running (WAITING: the clock is paused).
RUNNING = (Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS)
TOP_LEVEL = len(sla.LEVEL_ROLES)
DEFAULT_LIMIT = 500
PAGE_SIZE = 500

FIRST_REPLY = Escalation.Target.FIRST_REPLY.value
RESOLUTION = Escalation.Target.RESOLUTION.value
TARGET_LABEL = {FIRST_REPLY: "首次答复", RESOLUTION: "办结"}
LEVEL_LABEL = {0: "处理人", 1: "客服主管", 2: "客服经理", 3: "总部"}


@dataclass
class SweepResult:
    candidates: int = 0  # cases looked at
    cases: int = 0  # cases that got a new warning or escalation
    warned: int = 0
    escalated: int = 0
    skipped: int = 0  # locked by another worker, or changed meanwhile
    errors: int = 0
    more: bool = False  # the limit was reached: more work is waiting
    done: list[tuple[str, str, int]] = field(default_factory=list)  # (number, target, level)

    def __str__(self) -> str:
        return (
            f"checked {self.candidates}, warned {self.warned}, escalated {self.escalated}, "
            f"skipped {self.skipped}, errors {self.errors}{', more waiting' if self.more else ''}"
        )


# What is due --------------------------------------------------------------------------------------


def _due(case: Case, target: str) -> dt.datetime | None:
    if target == FIRST_REPLY:
        return case.first_reply_due if case.first_replied_at is None else None
    return case.resolution_due


def levels_reached(
    *, created_at: dt.datetime, due: dt.datetime, now: dt.datetime, multiples: list[float], paused: dt.timedelta
) -> int:
    """How many escalation levels the elapsed time has reached: multiples m with elapsed >= m * target.

    Waiting time stopped the clock: resume() moved `due` by it, so it is taken off both the elapsed time
    and the target duration."""
    target = due - created_at - paused
    elapsed = now - created_at - paused
    if target <= dt.timedelta(0):  # a deadline at or before intake: every level once it has passed
        return len(multiples) if now >= due else 0
    return sum(1 for m in multiples[:TOP_LEVEL] if elapsed >= target * m)


def plan(
    case: Case, *, policy: SlaPolicy | None, existing: set[tuple[str, int]], paused: dt.timedelta, now: dt.datetime
) -> list[tuple[str, int]]:
    """The (target, level) pairs that are due and not yet recorded, in order."""
    if case.status not in RUNNING:
        return []
    todo: list[tuple[str, int]] = []
    warn_due = case.warn_at is not None and case.resolution_due is not None and case.warn_at <= now
    if warn_due and (RESOLUTION, 0) not in existing:
        todo.append((RESOLUTION, 0))
    multiples = sla.multiples_of(policy)
    for target in (FIRST_REPLY, RESOLUTION):
        due = _due(case, target)
        if due is None or due > now:
            continue
        reached = levels_reached(created_at=case.created_at, due=due, now=now, multiples=multiples, paused=paused)
        todo.extend((target, level) for level in range(1, reached + 1) if (target, level) not in existing)
    return todo


# Finding candidates cheaply -------------------------------------------------------------------------


class _Recorded(Exists):
    """EXISTS (… LIMIT 1 OFFSET 0): a look-up of each candidate in the escalations' unique (case, target, level)
    index. The OFFSET keeps PostgreSQL from planning it as a join, which it would do from the table's
    statistics: right after many escalations were written (before autovacuum's ANALYZE) it believes the table
    empty and scans it once per candidate (10 s for 16,000 overdue cases at 1M)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, template=Exists.template, **extra_context)  # no need there


def _not_recorded(target: str, level_q: Q) -> Exists:
    return _Recorded(Escalation.objects.filter(level_q, case=OuterRef("pk"), target=target))


def _candidate_queries(now: dt.datetime) -> list[tuple[str, QuerySet[Case]]]:
    """(ordering field, queryset) for each kind of candidate. Each is an index range scan."""
    base = Case.objects.filter(status__in=RUNNING)
    top = Q(level__gte=TOP_LEVEL)
    return [
        ("warn_at", base.filter(warn_at__lte=now).exclude(_not_recorded(RESOLUTION, Q(level=0)))),
        (
            "first_reply_due",
            base.filter(first_reply_due__lte=now, first_replied_at__isnull=True).exclude(
                _not_recorded(FIRST_REPLY, top)
            ),
        ),
        ("resolution_due", base.filter(resolution_due__lte=now).exclude(_not_recorded(RESOLUTION, top))),
    ]


def _pages(order: str, qs: QuerySet[Case]) -> Iterator[list[Case]]:
    """Keyset pages of (pk, the ordering field): never an OFFSET, never the whole table."""
    last: tuple[dt.datetime, int] | None = None
    fields = ("pk", "status", "created_at", "warn_at", "first_reply_due", "first_replied_at", "resolution_due")
    while True:
        page_qs = qs.only(*fields, "sla_policy_id").order_by(order, "pk")
        if last is not None:
            page_qs = page_qs.filter(Q(**{f"{order}__gt": last[0]}) | Q(**{order: last[0], "pk__gt": last[1]}))
        page = list(page_qs[:PAGE_SIZE])
        if not page:
            return
        yield page
        if len(page) < PAGE_SIZE:
            return
        tail = page[-1]
        last = (getattr(tail, order), tail.pk)


def _existing(case_ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    out: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for case_id, target, level in Escalation.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "target", "level"
    ):
        out[case_id].add((target, level))
    return out


def _paused(case_ids: list[int]) -> dict[int, dt.timedelta]:
    """Total waiting time per case, from the timeline's resume events (data.paused_seconds)."""
    out: dict[int, dt.timedelta] = defaultdict(dt.timedelta)
    for case_id, data in CaseEvent.objects.filter(case_id__in=case_ids, kind="resume").values_list("case_id", "data"):
        seconds = (data or {}).get("paused_seconds") or 0
        out[case_id] += dt.timedelta(seconds=int(seconds))
    return out


class _Policies(dict[int, SlaPolicy | None]):
    def get_for(self, policy_id: int | None) -> SlaPolicy | None:
        if policy_id is None:
            return None
        if policy_id not in self:
            self[policy_id] = SlaPolicy.objects.filter(pk=policy_id).first()
        return self[policy_id]


# Doing it ---------------------------------------------------------------------------------------


class _Staff(dict[tuple[int, str], list[Any]]):
    """The people of each project and role, read once per sweep."""

    def of(self, project_id: int, role: str) -> list[Any]:
        from .services import project_staff

        if (project_id, role) not in self:
            self[(project_id, role)] = project_staff(project_id, Role(role))
        return self[(project_id, role)]


def _recipients(case: Case, level: int, staff: _Staff | None = None) -> list[Any]:
    staff = _Staff() if staff is None else staff
    if level == 0 and case.assignee is not None and case.assignee.is_active:
        return [case.assignee]
    # Unassigned (level 0) or level k: that role of the project; nobody in it → the next one up.
    start = 0 if level == 0 else level - 1
    for role in sla.LEVEL_ROLES[start:]:
        people = staff.of(case.project_id, role)
        if people:
            return people
    return []


def _fmt(when: dt.datetime | None) -> str:
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}" if when else ""


def _record(case: Case, target: str, level: int, now: dt.datetime, staff: _Staff | None = None) -> bool:
    """Write one warning/escalation with its event and notifications. False if it was already there."""
    try:
        with transaction.atomic():
            Escalation.objects.create(case=case, target=target, level=level, at=now)
    except IntegrityError:
        return False  # another worker (or an earlier run) recorded it: nothing else is written
    people = _recipients(case, level, staff)
    names = [p.display_name for p in people]
    due = _due(case, target)
    what = TARGET_LABEL[target]
    if level == 0:
        body = f"{what}期限 {_fmt(due)}，即将超时，已提醒{'、'.join(names) or '（无人）'}"
        title = f"即将超时：{case.number} {case.title}"
        kind = Notification.Kind.WARNING
    else:
        body = f"{what}超时（期限 {_fmt(due)}），已升级至{LEVEL_LABEL[level]}"
        title = f"超时升级（{what}，{LEVEL_LABEL[level]}）：{case.number} {case.title}"
        kind = Notification.Kind.ESCALATION
    CaseEvent.objects.create(
        case=case,
        kind="warn" if level == 0 else "escalate",
        actor=None,
        at=now,
        body=body,
        data={"target": target, "level": level, "to": names},
    )
    notify(people, kind=kind, title=title, body=body, case=case, dedupe_key=f"esc:{case.pk}:{target}:{level}")
    return True


def _process(
    case_id: int, now: dt.datetime, policies: _Policies, result: SweepResult, staff: _Staff | None = None
) -> bool:
    """One case, one transaction, under its row lock. True if something new was recorded."""
    with transaction.atomic():
        qs = Case.objects.filter(pk=case_id, status__in=RUNNING)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        else:
            qs = qs.select_for_update()
        case = qs.first()
        if case is None:  # locked by another worker (it does the work), or no longer running
            result.skipped += 1
            return False
        existing = _existing([case.pk])[case.pk]
        todo = plan(
            case, policy=policies.get_for(case.sla_policy_id), existing=existing, paused=_paused([case.pk])[case.pk],
            now=now,
        )  # fmt: skip
        written = [(t, lv) for t, lv in todo if _record(case, t, lv, now, staff)]
        if not written:
            result.skipped += 1
            return False
        top = max(lv for _t, lv in written)
        if top > case.escalation_level:
            case.escalation_level = top
            case.save(update_fields=["escalation_level", "updated_at"])
    for target, level in written:
        result.done.append((case.number, target, level))
        if level == 0:
            result.warned += 1
        else:
            result.escalated += 1
    return True


def sweep(
    now: dt.datetime | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    after_case: Callable[[int], None] | None = None,
) -> SweepResult:
    """Warn and escalate what is due now; at most `limit` cases per call.

    after_case(case_id) is called after each case's transaction has committed (tests use it to
    simulate a crash between cases)."""
    now = now or timezone.now()
    result = SweepResult()
    policies = _Policies()
    staff = _Staff()
    seen: set[int] = set()
    for order, qs in _candidate_queries(now):
        for page in _pages(order, qs):
            ids = [c.pk for c in page if c.pk not in seen]
            existing = _existing(ids)
            paused = _paused(ids)
            for c in page:
                if c.pk in seen:
                    continue
                seen.add(c.pk)
                result.candidates += 1
                todo = plan(
                    c, policy=policies.get_for(c.sla_policy_id), existing=existing[c.pk], paused=paused[c.pk], now=now
                )
                if not todo:
                    continue
                if result.cases >= limit:
                    result.more = True
                    return result
                try:
                    if _process(c.pk, now, policies, result, staff):
                        result.cases += 1
                except Exception:
                    log.exception("SLA sweep failed on case %s", c.pk)
                    result.errors += 1
                    continue
                if after_case is not None:
                    after_case(c.pk)
    return result
