"""日结: the daily reconciliation per project and channel, computed from the timeline and checked against
the cases' own statuses, so that nothing is lost.

For a day D (Beijing time), from the status-changing events of D (every CaseEvent with a to_status):
    new       = cases created on D
    finished  = moves from an open status (待派单/已派单/已接单/处理中/挂起) to a done one (办结/关闭/取消)
    reopened  = moves from a done status back to an open one
    opening   = open cases at the start of D  (the last reconciled day's closing, carried over the events of
                any days in between; the very first day is counted from each case's last status event before D)
    closing   = opening + new + reopened − finished
The end-of-day count per live status (open or 已办结待回访) is the start-of-day count plus the day's moves. The
check: closing must equal the open cases counted from Case.status now, less what the events after D changed
since (closing_actual). A difference means a case changed without its event: it is flagged, never hidden.
Cost: the events since the start of D (found by their time) plus one grouped count of open cases, however many
cases exist; the very first day adds the live cases' timelines (the backlog, not the history).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from kefu.org.models import Project
from kefu.tickets.models import Case, CaseEvent
from kefu.tickets.states import OPEN_STATUSES, Status

from .models import Reconciliation

OPEN = {s.value for s in OPEN_STATUSES}
IN_PROGRESS = {Status.DISPATCHED.value, Status.IN_PROGRESS.value, Status.ACCEPTED.value}
# The statuses a day keeps counts of: the open ones and 已办结待回访. (Closed and cancelled cases only ever grow
# in number and are not reported; counting them would cost the whole history every day.)
LIVE = OPEN | {Status.RESOLVED.value}
CHUNK = 5000  # case ids per query
VALUES = (
    "opening", "new", "reopened", "finished", "closing", "closing_actual", "state_new", "state_in_progress",
    "state_waiting", "state_resolved", "closed_today", "states", "mismatch", "computed_at",
)  # fmt: skip


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz), dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time.min, tzinfo=tz
    )


Flows = dict[str, dict[str, Counter[str]]]  # channel -> {"flow": counts, "net": change per status}


def _status_events(lo: dt.datetime, hi: dt.datetime | None) -> QuerySet[CaseEvent]:
    """The status-changing events from lo (to hi) of every project, found through the events' time index."""
    qs = CaseEvent.objects.filter(at__gte=lo)
    if hi is not None:
        qs = qs.filter(at__lt=hi)
    return qs.exclude(to_status="")


class Periods:
    """The events of the periods a reconciliation reads, each period read once for all projects (a day's
    reconciliation of 20 projects reads each period once). The events are read alone, by their time index,
    and their cases' project and channel by id: joined in one query, SQLite starts from the cases instead,
    all of them since the beginning."""

    def __init__(self) -> None:
        self._flows: dict[tuple[dt.datetime, dt.datetime | None], dict[int, Flows]] = {}
        self._changed: dict[dt.datetime, dict[int, set[int]]] = {}
        self._cases: dict[int, tuple[int, str]] = {}  # case id -> (project id, channel)

    def _case_info(self, ids: set[int]) -> dict[int, tuple[int, str]]:
        missing = sorted(ids - self._cases.keys())
        for i in range(0, len(missing), CHUNK):
            rows = (
                Case.objects.filter(pk__in=missing[i : i + CHUNK]).order_by().values_list("pk", "project_id", "channel")
            )
            self._cases.update((pk, (project_id, channel)) for pk, project_id, channel in rows)
        return self._cases

    def flows(self, project_id: int, lo: dt.datetime, hi: dt.datetime | None) -> Flows:
        """Per channel: the period's created / finished / reopened / closed counts and each status's net change."""
        if (lo, hi) not in self._flows:
            grouped = (
                _status_events(lo, hi)
                .values_list("case_id", "kind", "from_status", "to_status")
                .annotate(n=Count("pk"))
                .order_by()
            )
            rows = list(grouped)
            cases = self._case_info({r[0] for r in rows})
            per_project: dict[int, Flows] = defaultdict(
                lambda: defaultdict(lambda: {"flow": Counter(), "net": Counter()})
            )
            for case_id, kind, f, t, n in rows:
                p, channel = cases[case_id]
                _count(per_project[p][channel], kind, f, t, n)
            self._flows[(lo, hi)] = per_project
        return self._flows[(lo, hi)].get(project_id, {})

    def changed_since(self, project_id: int, at: dt.datetime) -> set[int]:
        """The ids of the project's cases with a status event at or after `at`."""
        if at not in self._changed:
            # no DISTINCT: SQLite would read the (case, at) index whole to produce the ids in order
            ids = set(_status_events(at, None).order_by().values_list("case_id", flat=True))
            cases = self._case_info(ids)
            per_project: dict[int, set[int]] = defaultdict(set)
            for case_id in ids:
                per_project[cases[case_id][0]].add(case_id)
            self._changed[at] = per_project
        return self._changed[at].get(project_id, set())


def _count(counts: dict[str, Counter[str]], kind: str, f: str, t: str, n: int) -> None:
    flow, net = counts["flow"], counts["net"]
    if f:
        net[f] -= n
    net[t] += n
    if not f:
        flow["new"] += n
    elif f in OPEN and t not in OPEN:
        flow["finished"] += n
    elif f not in OPEN and t in OPEN:
        flow["reopened"] += n
    if kind in ("close", "solve_at_once"):
        flow["closed"] += n


def _status_at(project_id: int, at: dt.datetime, periods: Periods) -> dict[str, Counter[str]]:
    """Per channel, how many cases were in each live status at `at`: each case's last status event before it.

    The cases read are those that can have been live then: live now, or changed since (a case that is done
    now and has no event since `at` was done at `at` too). So the first day costs the backlog and the days
    since `at`, not the whole history. (A case closed without its event before `at` is not seen here; the
    days after it are checked event by event.)"""
    ids = set(Case.objects.filter(project_id=project_id, status__in=LIVE).order_by().values_list("pk", flat=True))
    ids |= periods.changed_since(project_id, at)
    out: dict[str, Counter[str]] = defaultdict(Counter)
    ordered = sorted(ids)
    last = (  # each case's last status event before `at`: one look along its (case, at) index
        CaseEvent.objects.filter(case=OuterRef("pk"), at__lt=at)
        .exclude(to_status="")
        .order_by("-at", "-pk")
        .values("to_status")[:1]
    )
    for i in range(0, len(ordered), CHUNK):
        rows = (
            Case.objects.filter(pk__in=ordered[i : i + CHUNK])
            .annotate(s=Subquery(last))
            .values_list("channel", "s")
            .order_by()
        )
        for channel, status in rows:
            if status in LIVE:
                out[channel][status] += 1
    return out


def _open_now(project_id: int) -> Counter[str]:
    rows = (
        Case.objects.filter(project_id=project_id, status__in=OPEN).values("channel").annotate(n=Count("pk")).order_by()
    )
    return Counter({r["channel"]: r["n"] for r in rows})


def _start(
    project: Project, day: dt.date, lo: dt.datetime, periods: Periods
) -> tuple[dict[str, Counter[str]], dict[str, int], set[str]]:
    """The counts per channel and live status at the start of the day, the opening per channel (the closing
    chain) and the channels of the last reconciled day. From the last reconciled day before this one and the
    events since its end (none when it is the day before); without one, from the timeline (_status_at)."""
    start: dict[str, Counter[str]] = defaultdict(Counter)
    opening: dict[str, int] = {}
    last = Reconciliation.objects.filter(project=project, day__lt=day).order_by("-day").values_list("day", flat=True)
    last_day = last.first()
    if last_day is None:
        start = _status_at(project.pk, lo, periods)
        return start, {ch: sum(c[s] for s in OPEN) for ch, c in start.items()}, set()
    previous = list(Reconciliation.objects.filter(project=project, day=last_day))
    for r in previous:
        start[r.channel].update({k: int(v) for k, v in r.states.items() if k in LIVE})
        opening[r.channel] = r.closing
    if last_day < day - dt.timedelta(days=1):  # days not reconciled in between: their events carry the counts on
        for ch, gap in periods.flows(project.pk, day_bounds(last_day)[1], lo).items():
            start[ch].update(gap["net"])
            f = gap["flow"]
            opening[ch] = opening.get(ch, 0) + f["new"] + f["reopened"] - f["finished"]
    return start, opening, {r.channel for r in previous}


@transaction.atomic
def reconcile_day(
    project: Project, day: dt.date, now: dt.datetime | None = None, periods: Periods | None = None
) -> list[Reconciliation]:
    """Compute (or recompute, keeping a sign-off) one project's day, one row per channel with any activity.
    periods: the events already read for other projects of the same day (reconcile())."""
    now = now or timezone.now()
    periods = periods or Periods()
    lo, hi = day_bounds(day)
    start, openings, previous = _start(project, day, lo, periods)
    day_flows = periods.flows(project.pk, lo, hi)
    after = periods.flows(project.pk, hi, None)
    open_now = _open_now(project.pk)
    channels = sorted({ch for ch, c in start.items() if sum(c[s] for s in OPEN)} | set(day_flows) | previous)
    existing = {r.channel: r for r in Reconciliation.objects.filter(project=project, day=day)}
    rows, new_rows = [], []
    for ch in channels:
        begin = start.get(ch, Counter())
        flow = day_flows.get(ch, {"flow": Counter(), "net": Counter()})
        end = Counter(begin)
        end.update(flow["net"])
        opening = openings.get(ch, sum(begin[s] for s in OPEN))
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
            "states": {k: v for k, v in sorted(end.items()) if v and k in LIVE},
            "mismatch": closing != closing_actual or state_total != closing,
            "computed_at": now,
        }
        row = existing.get(ch)  # a recomputed day keeps its sign-off
        if row is None:
            row = Reconciliation(project=project, channel=ch, day=day)
            new_rows.append(row)
        for field, value in values.items():
            setattr(row, field, value)
        rows.append(row)
    changed = [r for r in rows if r.pk is not None]
    if changed:
        Reconciliation.objects.bulk_update(changed, list(VALUES))
    Reconciliation.objects.bulk_create(new_rows)
    return rows


def reconcile(day: dt.date, projects: Iterable[Project] | None = None, now: dt.datetime | None = None) -> int:
    """The nightly job: every active project's day. Returns the number of rows written."""
    n = 0
    periods = Periods()  # each period's events read once for all projects
    for project in projects if projects is not None else Project.objects.filter(is_active=True):
        n += len(reconcile_day(project, day, now, periods))
    return n
