"""日结: the daily reconciliation per project and channel, computed from the timeline and checked against
the cases' own statuses, so that nothing is lost.

For a day D (Beijing time), from the status-changing events of D (every CaseEvent with a to_status):
    new       = cases created on D
    finished  = moves from an open status (待派单/已派单/已接单/处理中/挂起) to a done one (办结/关闭/取消)
    reopened  = moves from a done status back to an open one
    opening   = open cases at the start of D  (the previous day's closing; the first day is counted from
                each case's last status event before D)
    closing   = opening + new + reopened − finished
The end-of-day count per status is the start-of-day count plus the day's moves. The check: closing must
equal the open cases counted from Case.status now, less what the events after D changed since
(closing_actual). A difference means a case changed without its event: it is flagged, never hidden.
Cost: one pass over the day's events plus one grouped count of open cases, however many cases exist.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from kefu.org.models import Project
from kefu.tickets.models import Case, CaseEvent
from kefu.tickets.states import OPEN_STATUSES, Status

from .models import Reconciliation

OPEN = {s.value for s in OPEN_STATUSES}
IN_PROGRESS = {Status.DISPATCHED.value, Status.ACCEPTED.value, Status.IN_PROGRESS.value}


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz), dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time.min, tzinfo=tz
    )


def _status_at(project_id: int, at: dt.datetime) -> dict[str, Counter[str]]:
    """Per channel, how many cases were in each status at `at` (each case's last status event before it)."""
    last = (
        CaseEvent.objects.filter(case__project_id=project_id, at__lt=at)
        .exclude(to_status="")
        .annotate(rn=Window(RowNumber(), partition_by=[F("case_id")], order_by=[F("at").desc(), F("pk").desc()]))
        .filter(rn=1)
        .values("case__channel", "to_status")
    )
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in last:
        out[r["case__channel"]][r["to_status"]] += 1
    return out


def _flows(project_id: int, lo: dt.datetime, hi: dt.datetime | None) -> dict[str, dict[str, Counter[str]]]:
    """Per channel: the day's created / finished / reopened / closed counts and each status's net change."""
    qs = CaseEvent.objects.filter(case__project_id=project_id, at__gte=lo).exclude(to_status="")
    if hi is not None:
        qs = qs.filter(at__lt=hi)
    rows = qs.values("case__channel", "kind", "from_status", "to_status").annotate(n=Count("pk")).order_by()
    out: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {"flow": Counter(), "net": Counter()})
    for r in rows:
        ch, n = r["case__channel"], r["n"]
        f, t = r["from_status"], r["to_status"]
        flow, net = out[ch]["flow"], out[ch]["net"]
        if f:
            net[f] -= n
        net[t] += n
        if not f:
            flow["new"] += n
        elif f in OPEN and t not in OPEN:
            flow["finished"] += n
        elif f not in OPEN and t in OPEN:
            flow["reopened"] += n
        if r["kind"] in ("close", "solve_at_once"):
            flow["closed"] += n
    return out


def _open_now(project_id: int) -> Counter[str]:
    rows = (
        Case.objects.filter(project_id=project_id, status__in=OPEN).values("channel").annotate(n=Count("pk")).order_by()
    )
    return Counter({r["channel"]: r["n"] for r in rows})


@transaction.atomic
def reconcile_day(project: Project, day: dt.date, now: dt.datetime | None = None) -> list[Reconciliation]:
    """Compute (or recompute, keeping a sign-off) one project's day, one row per channel with any activity."""
    now = now or timezone.now()
    lo, hi = day_bounds(day)
    previous = {r.channel: r for r in Reconciliation.objects.filter(project=project, day=day - dt.timedelta(days=1))}
    start: dict[str, Counter[str]]
    if previous:
        start = defaultdict(Counter)
        for ch, r in previous.items():
            start[ch].update({k: int(v) for k, v in r.states.items()})
    else:
        start = _status_at(project.pk, lo)  # the first day: counted once from the whole history
    day_flows = _flows(project.pk, lo, hi)
    after = _flows(project.pk, hi, None)
    open_now = _open_now(project.pk)
    channels = sorted({ch for ch, c in start.items() if sum(c[s] for s in OPEN)} | set(day_flows) | set(previous))
    rows = []
    for ch in channels:
        begin = start.get(ch, Counter())
        flow = day_flows.get(ch, {"flow": Counter(), "net": Counter()})
        end = Counter(begin)
        end.update(flow["net"])
        opening = previous[ch].closing if ch in previous else sum(begin[s] for s in OPEN)
        f = flow["flow"]
        closing = opening + f["new"] + f["reopened"] - f["finished"]
        later = after.get(ch, {"flow": Counter(), "net": Counter()})["flow"]
        closing_actual = open_now.get(ch, 0) - (later["new"] + later["reopened"] - later["finished"])
        state_total = sum(end[s] for s in OPEN)
        values = {
            "opening": opening,
            "new": f["new"],
            "reopened": f["reopened"],
            "finished": f["finished"],
            "closing": closing,
            "closing_actual": closing_actual,
            "state_new": end[Status.NEW.value],
            "state_in_progress": sum(end[s] for s in IN_PROGRESS),
            "state_waiting": end[Status.WAITING.value],
            "state_resolved": end[Status.RESOLVED.value],
            "closed_today": f["closed"],
            "states": {k: v for k, v in sorted(end.items()) if v},
            "mismatch": closing != closing_actual or state_total != closing,
            "computed_at": now,
        }
        row, _ = Reconciliation.objects.update_or_create(project=project, channel=ch, day=day, defaults=values)
        rows.append(row)
    return rows


def reconcile(day: dt.date, projects: Iterable[Project] | None = None, now: dt.datetime | None = None) -> int:
    """The nightly job: every active project's day. Returns the number of rows written."""
    n = 0
    for project in projects if projects is not None else Project.objects.filter(is_active=True):
        n += len(reconcile_day(project, day, now))
    return n
