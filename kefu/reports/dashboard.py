"""The figures of the dashboard (工作台), per role, computed in a handful of COUNT queries.

Every number links to the list it counts, and is counted from that list's own queryset: a figure is described by
the query string of its link (e.g. ``queue=overdue&department=3``); the count runs the case list's own parsing
(tickets.forms.FilterForm) and selector (tickets.selectors.case_list) on that query string, so the list opened by
the link has exactly that many rows. Where several figures come out of one query (the open backlog by status,
due soon, overdue, unassigned and mine), each is a filtered COUNT over the 未完成 list with the condition of the
linked queue (selectors.queue_q), which is the same set of rows.

Cost: only aggregates over open cases (about 2% of all) or bounded date ranges (the last 30 days, this month),
each using one of Case's indexes; no Python loop over cases. `dashboard_figures(user, project, now)` is pure (no
request) so the benchmark can time it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import QueryDict
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.org.models import Project, User
from kefu.org.roles import Perm, Role
from kefu.org.scope import access, memberships
from kefu.tickets.forms import FilterForm
from kefu.tickets.models import Case
from kefu.tickets.selectors import NO_DEPARTMENT, Queue, SlaOutcome, case_list, day_start, queue_q, sla_q
from kefu.tickets.states import OPEN_STATUSES, Kind, Status

from .base import percent, share

INTAKE_DAYS = 30
TOP_DEPARTMENTS = 15
TOP_HANDLERS = 8

# Colours per status (the --st-* colours of kefu.css) and per kind, the same wherever they are drawn.
STATUS_COLORS = {
    Status.NEW: "#d46b08",
    Status.DISPATCHED: "#1858c0",
    Status.ACCEPTED: "#08979c",
    Status.IN_PROGRESS: "#531dab",
    Status.WAITING: "#8c6d00",
    Status.RESOLVED: "#1b7f3b",
    Status.CLOSED: "#4b5563",
    Status.CANCELLED: "#8a96a8",
}
KIND_COLORS = {
    Kind.CONSULTATION: "#1f6feb",
    Kind.COMPLAINT: "#c62828",
    Kind.SUGGESTION: "#08979c",
    Kind.REPAIR: "#d46b08",
    Kind.HELP: "#531dab",
    Kind.PRAISE: "#1b7f3b",
    Kind.SPECIAL_SERVICE: "#8c6d00",
}
OPEN_ORDER = [s for s in Status if s in OPEN_STATUSES]

MANAGE_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.HEAD_OFFICE})
DESK_ROLES = frozenset({Role.AGENT, Role.COMPLAINT_OFFICER}) | MANAGE_ROLES


# What the page shows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A number and the list of exactly those items."""

    key: str
    label: str
    value: int
    href: str
    tone: str = ""  # "" | ok | warn | danger
    note: str = ""


@dataclass(frozen=True)
class Rate:
    """A share such as 办结及时率: part of whole, both linking to their lists."""

    key: str
    label: str
    part: Figure
    whole: Figure
    other: Figure | None = None  # the complement (超时办结), when it has a list of its own

    @property
    def pct(self) -> float | None:
        return percent(share(self.part.value, self.whole.value))


@dataclass(frozen=True)
class Point:
    label: str
    value: int
    href: str
    color: str = ""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    points: list[Point]
    kind: str = "bar"  # bar | pie
    note: str = ""

    def spec(self) -> dict[str, Any]:
        """What the page's script draws (json_script): the same numbers as the table under the chart."""
        return {
            "id": f"chart-{self.key}",
            "kind": self.kind,
            "title": self.title,
            "labels": [p.label for p in self.points],
            "values": [p.value for p in self.points],
            "hrefs": [p.href for p in self.points],
            "colors": [p.color for p in self.points],
        }


@dataclass(frozen=True)
class ProjectRow:
    name: str
    intake: Figure
    backlog: Figure
    overdue: Figure
    sla: Rate
    csat: Rate


@dataclass
class Dashboard:
    now: dt.datetime
    today: dt.date
    month_start: dt.date
    project: Project | None
    roles: frozenset[str]
    desk: bool = False  # the case figures of the project (or, for a steward, the zones)
    manage: bool = False  # SLA, satisfaction, overdue by department and handler
    steward: bool = False
    field_staff: bool = False
    qc: bool = False
    tiles: list[Figure] = field(default_factory=list)
    mine: Figure | None = None
    visits_today: Figure | None = None
    jobs: list[Figure] = field(default_factory=list)
    qc_tiles: list[Figure] = field(default_factory=list)
    sla: Rate | None = None
    csat: Rate | None = None
    charts: list[Chart] = field(default_factory=list)
    handlers: list[Figure] = field(default_factory=list)
    projects: list[ProjectRow] = field(default_factory=list)
    # The grouped rows of each query, kept for the per-project comparison (no further query).
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing for this user here: the page falls back to the archive figures."""
        return not (self.desk or self.manage or self.steward or self.field_staff or self.qc)

    def figures(self) -> list[Figure]:
        """Every linked number on the page (the tests follow each link)."""
        out = [*self.tiles, *self.jobs, *self.qc_tiles, *self.handlers]
        out += [f for f in (self.mine, self.visits_today) if f is not None]
        for r in (self.sla, self.csat, *(p.sla for p in self.projects), *(p.csat for p in self.projects)):
            if r is not None:
                out += [f for f in (r.part, r.whole, r.other) if f is not None]
        for p in self.projects:
            out += [p.intake, p.backlog, p.overdue]
        return out


# Links and the querysets behind them ------------------------------------------------------------------------------


def _query(params: Mapping[str, Any]) -> str:
    return urlencode({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()})


@functools.cache
def _path(name: str, prefix: str) -> str:
    return reverse(name)


def case_href(**params: Any) -> str:
    return _path("tickets:workspace", get_script_prefix()) + "?" + _query(params)


def visit_href(**params: Any) -> str:
    return _path("visits:list", get_script_prefix()) + "?" + _query(params)


def cases_for(user: User, project: Project | None, now: dt.datetime, **params: Any) -> QuerySet[Case]:
    """The rows of the case list at case_href(**params), parsed as the list page parses its query string."""
    data = QueryDict(_query(params))
    filters = FilterForm(data).filters()
    return case_list(user=user, project=project, queue=params.get("queue", Queue.ALL), now=now, **filters).order_by()


def visits_for_list(user: User, project: Project | None, now: dt.datetime, **params: Any) -> QuerySet[Any]:
    """The rows of the return-visit list at visit_href(**params), as that page filters them."""
    from kefu.visits import selectors as visit_selectors
    from kefu.visits.forms import FilterForm as VisitFilterForm
    from kefu.visits.views import _filtered

    data = QueryDict(_query(params))
    qs = visit_selectors.visit_queue(user, params.get("queue", visit_selectors.Queue.ALL), now)
    return _filtered(qs, project, VisitFilterForm(data).filters()).order_by()


# Who sees what ------------------------------------------------------------------------------------------------


def dashboard_roles(user: User, project: Project | None) -> frozenset[str]:
    """The roles the user holds in the current project (every project on 全部项目); head office everywhere."""
    ms = memberships(user)
    if project is None:
        return frozenset(m.role for m in ms)
    return frozenset(m.role for m in ms if m.project_id == project.pk or m.role == Role.HEAD_OFFICE)


# The figures ------------------------------------------------------------------------------------------------------


def dashboard_figures(user: User, project: Project | None, now: dt.datetime) -> Dashboard:
    """Everything the dashboard shows to `user` with `project` chosen at the top (None: 全部项目)."""
    today = timezone.localdate(now)
    roles = dashboard_roles(user, project)
    d = Dashboard(now=now, today=today, month_start=today.replace(day=1), project=project, roles=roles)
    views_cases = not access(user, Perm.VIEW_CASES).is_empty
    d.manage = bool(roles & MANAGE_ROLES) and views_cases
    d.steward = Role.STEWARD in roles
    d.desk = views_cases and bool(roles & (DESK_ROLES | {Role.STEWARD}))
    d.field_staff = Role.FIELD_STAFF in roles
    d.qc = Role.QC_REVIEWER in roles and not access(user, Perm.QC_REVIEW).is_empty
    compare = d.manage and project is None and len(_projects(user)) > 1
    if d.desk or (d.qc and views_cases):
        _desk(d, user, project, compare)
    if d.desk:
        _intake(d, user, project, compare)
    if d.manage:
        _sla(d, user, project, compare)
        _csat(d, user, project, compare)
        _overdue_groups(d, user, project, compare)
    if compare:
        _compare(d, user)
    if d.steward:
        _visits_today(d, user)
    if d.field_staff:
        _jobs(d, user, project)
    if d.qc:
        _qc(d, user, project)
    return d


def _projects(user: User) -> list[Project]:
    from kefu.org.scope import visible_projects

    return list(visible_projects(user).order_by("code"))


def _group(compare: bool, *keys: str) -> list[str]:
    return [*keys, "project_id"] if compare else list(keys)


def _desk(d: Dashboard, user: User, project: Project | None, compare: bool) -> None:
    """One query over the 未完成 list: backlog by status, due soon, overdue, unassigned and mine."""
    now = d.now
    rows = list(
        cases_for(user, project, now, queue=Queue.OPEN)
        .values(*_group(compare, "status"))
        .annotate(
            n=Count("pk"),
            due_soon=Count("pk", filter=queue_q(Queue.DUE_SOON, user=user, now=now)),
            overdue=Count("pk", filter=queue_q(Queue.OVERDUE, user=user, now=now)),
            mine=Count("pk", filter=queue_q(Queue.MINE, user=user, now=now)),
        )
    )
    d.rows["open"] = rows
    by_status: dict[str, int] = defaultdict(int)
    for r in rows:
        by_status[r["status"]] += r["n"]
    total = sum(by_status.values())
    due_soon = sum(r["due_soon"] for r in rows)
    overdue = sum(r["overdue"] for r in rows)
    d.tiles += [
        Figure("backlog", _("未完成"), total, case_href(queue=Queue.OPEN)),
        Figure("due_soon", _("即将超时"), due_soon, case_href(queue=Queue.DUE_SOON), tone="warn" if due_soon else ""),
        Figure("overdue", _("已超时"), overdue, case_href(queue=Queue.OVERDUE), tone="danger" if overdue else ""),
        Figure("unassigned", _("待派单"), by_status[Status.NEW], case_href(queue=Queue.UNASSIGNED)),
    ]
    if not access(user, Perm.HANDLE_CASE).is_empty and d.desk:
        d.mine = Figure("mine", _("我的待办"), sum(r["mine"] for r in rows), case_href(queue=Queue.MINE))
    if d.desk:
        d.charts.append(
            Chart(
                "backlog",
                _("未完成工单 · 按状态"),
                [
                    Point(str(s.label), by_status[s], case_href(queue=Queue.OPEN, status=s.value), STATUS_COLORS[s])
                    for s in OPEN_ORDER
                ],
            )
        )


class LocalDate(TruncDate):
    """The local (Beijing) calendar day of a datetime column. Django's TruncDate calls a Python function per row
    on SQLite; where the zone's offset is the same over the whole range (China has no daylight saving time) this
    is SQLite's own date() with that offset, and TruncDate elsewhere."""

    def __init__(self, expression: str, *, offset: dt.timedelta | None, **extra: Any) -> None:
        super().__init__(expression, tzinfo=timezone.get_current_timezone(), **extra)
        self.offset = offset

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        if self.offset is None:
            return super().as_sqlite(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{int(self.offset.total_seconds()):+d} seconds")


def _fixed_offset(since: dt.datetime, until: dt.datetime) -> dt.timedelta | None:
    a, b = timezone.localtime(since).utcoffset(), timezone.localtime(until).utcoffset()
    return a if a == b else None


def _intake(d: Dashboard, user: User, project: Project | None, compare: bool) -> None:
    """Cases received (top-level): per day over the last 30 days, and this month per kind (and project)."""
    today = d.today
    days = [today - dt.timedelta(days=INTAKE_DAYS - 1 - i) for i in range(INTAKE_DAYS)]
    offset = _fixed_offset(day_start(days[0]), day_start(today + dt.timedelta(days=1)))
    per_day = {
        r["day"]: r["n"]
        for r in cases_for(user, project, d.now, top_level=1, created_from=days[0], created_to=today)
        .annotate(day=LocalDate("created_at", offset=offset))
        .values("day")
        .annotate(n=Count("pk"))
    }
    counts = [per_day.get(day, 0) for day in days]
    d.tiles.insert(
        0, Figure("today", _("今日受理"), counts[-1], case_href(top_level=1, created_from=today, created_to=today))
    )
    d.charts.insert(
        0,
        Chart(
            "intake",
            _("近30天受理量"),
            [
                Point(f"{day:%m-%d}", n, case_href(top_level=1, created_from=day, created_to=day))
                for day, n in zip(days, counts, strict=True)
            ],
        ),
    )
    rows = list(
        cases_for(user, project, d.now, top_level=1, created_from=d.month_start, created_to=today)
        .values(*_group(compare, "kind"))
        .annotate(month=Count("pk"))
    )
    d.rows["intake"] = rows
    by_kind: dict[str, int] = defaultdict(int)
    for r in rows:
        by_kind[r["kind"]] += r["month"]
    d.charts.append(
        Chart(
            "kinds",
            _("本月受理 · 按类型"),
            [
                Point(str(k.label), by_kind[k], _month_cases(d, kind=k.value), KIND_COLORS[k])
                for k in Kind
                if by_kind[k]
            ],
            kind="pie",
        )
    )


def _month_cases(d: Dashboard, **params: Any) -> str:
    return case_href(top_level=1, created_from=d.month_start, created_to=d.today, **params)


def _resolved_params(d: Dashboard) -> dict[str, Any]:
    return {"top_level": 1, "resolved_from": d.month_start, "resolved_to": d.today}


def _completed_params(d: Dashboard) -> dict[str, Any]:
    return {
        "queue": "all",
        "source": "case",
        "status": "done",
        "completed_from": d.month_start,
        "completed_to": d.today,
    }


def _sla(d: Dashboard, user: User, project: Project | None, compare: bool) -> None:
    """本月办结及时率: cases resolved this month by their resolution deadline, of all resolved this month."""
    params = _resolved_params(d)
    qs: QuerySet[Any] = cases_for(user, project, d.now, **params)
    aggs = {
        "met": Count("pk", filter=sla_q(SlaOutcome.MET)),
        "missed": Count("pk", filter=sla_q(SlaOutcome.MISSED)),
    }
    rows: list[dict[str, Any]] = list(qs.values("project_id").annotate(**aggs)) if compare else [qs.aggregate(**aggs)]
    d.rows["sla"] = rows
    d.sla = _sla_rate(params, sum(r["met"] for r in rows), sum(r["missed"] for r in rows))


def _sla_rate(params: dict[str, Any], met: int, missed: int, *, with_missed: bool = True) -> Rate:
    return Rate(
        "sla",
        _("本月办结及时率"),
        part=Figure("sla_met", _("按时办结"), met, case_href(**params, sla=SlaOutcome.MET)),
        whole=Figure("sla_resolved", _("本月办结"), met + missed, case_href(**params)),
        other=Figure("sla_missed", _("超时办结"), missed, case_href(**params, sla=SlaOutcome.MISSED))
        if with_missed
        else None,
    )


def _csat(d: Dashboard, user: User, project: Project | None, compare: bool) -> None:
    """本月满意率: case return visits that reached the customer this month, scoring 4-5, of all reached."""
    from kefu.visits.models import SATISFIED_MIN

    params = _completed_params(d)
    qs = visits_for_list(user, project, d.now, **params)
    aggs = {"reached": Count("pk"), "satisfied": Count("pk", filter=Q(score__gte=SATISFIED_MIN))}
    rows: list[dict[str, Any]] = list(qs.values("project_id").annotate(**aggs)) if compare else [qs.aggregate(**aggs)]
    d.rows["csat"] = rows
    d.csat = _csat_rate(params, sum(r["satisfied"] for r in rows), sum(r["reached"] for r in rows))


def _csat_rate(params: dict[str, Any], satisfied: int, reached: int) -> Rate:
    return Rate(
        "csat",
        _("本月满意率"),
        part=Figure("csat_satisfied", _("满意"), satisfied, visit_href(**params, satisfied=1)),
        whole=Figure("csat_reached", _("已回访"), reached, visit_href(**params)),
    )


def _overdue_groups(d: Dashboard, user: User, project: Project | None, compare: bool) -> None:
    """One query over the overdue cases by department and handler: the chart and the handlers' table."""
    rows = list(
        cases_for(user, project, d.now, queue=Queue.OVERDUE)
        .values(
            "department_id",
            "department__name",
            "department__project__name",
            "assignee_id",
            "assignee__name",
            "assignee__username",
        )
        .annotate(n=Count("pk"))
    )
    depts: dict[int, list[Any]] = {}
    handlers: dict[int, list[Any]] = {}
    for r in rows:
        dept = r["department_id"] or NO_DEPARTMENT
        label = r["department__name"] or _("未指定部门")
        if compare and r["department__project__name"]:
            label = f"{r['department__project__name']} {label}"
        depts.setdefault(dept, [label, 0])[1] += r["n"]
        if r["assignee_id"]:
            handlers.setdefault(r["assignee_id"], [r["assignee__name"] or r["assignee__username"], 0])[1] += r["n"]
    top = sorted(depts.items(), key=lambda kv: (-kv[1][1], kv[1][0]))
    d.charts.append(
        Chart(
            "overdue_departments",
            _("已超时 · 按处理部门"),
            [
                Point(label, n, case_href(queue=Queue.OVERDUE, department=pk), "#c62828")
                for pk, (label, n) in top[:TOP_DEPARTMENTS]
            ],
            note=_("仅显示超时最多的 %(n)s 个部门") % {"n": TOP_DEPARTMENTS} if len(top) > TOP_DEPARTMENTS else "",
        )
    )
    ranked = sorted(handlers.items(), key=lambda kv: (-kv[1][1], kv[1][0]))[:TOP_HANDLERS]
    d.handlers = [
        Figure(f"handler_{pk}", name, n, case_href(queue=Queue.OVERDUE, assignee=pk), tone="danger")
        for pk, (name, n) in ranked
    ]


def _compare(d: Dashboard, user: User) -> None:
    """Head office on 全部项目: one row per project from the rows already counted (no further query)."""
    by: dict[str, dict[int, dict[str, int]]] = {
        k: defaultdict(lambda: defaultdict(int)) for k in ("open", "intake", "sla", "csat")
    }
    for r in d.rows.get("open", []):
        _add(by["open"][r["project_id"]], r, ("n", "overdue"))
    for r in d.rows.get("intake", []):
        _add(by["intake"][r["project_id"]], r, ("month",))
    for r in d.rows.get("sla", []):
        _add(by["sla"][r["project_id"]], r, ("met", "missed"))
    for r in d.rows.get("csat", []):
        _add(by["csat"][r["project_id"]], r, ("reached", "satisfied"))
    for p in _projects(user):
        o, i, s, c = (by[k][p.pk] for k in ("open", "intake", "sla", "csat"))
        d.projects.append(
            ProjectRow(
                name=p.name,
                intake=Figure("p_intake", _("本月受理"), i["month"], _month_cases(d, project=p.pk)),
                backlog=Figure("p_backlog", _("未完成"), o["n"], case_href(queue=Queue.OPEN, project=p.pk)),
                overdue=Figure("p_overdue", _("已超时"), o["overdue"], case_href(queue=Queue.OVERDUE, project=p.pk)),
                sla=_sla_rate({**_resolved_params(d), "project": p.pk}, s["met"], s["missed"], with_missed=False),
                csat=_csat_rate({**_completed_params(d), "project": p.pk}, c["satisfied"], c["reached"]),
            )
        )


def _add(into: dict[str, int], row: Mapping[str, Any], keys: Iterable[str]) -> None:
    for k in keys:
        into[k] += row[k] or 0


def _visits_today(d: Dashboard, user: User) -> None:
    from kefu.visits import selectors as visit_selectors

    n = visit_selectors.visit_queue(user, visit_selectors.Queue.TODAY, d.now).order_by().count()
    d.visits_today = Figure("visits_today", _("今日回访"), n, reverse("visits:today"), tone="warn" if n else "")


def _jobs(d: Dashboard, user: User, project: Project | None) -> None:
    """The field worker's own jobs: open, due soon, overdue (one query) and resolved this month."""
    now = d.now
    mine = cases_for(user, project, now, queue=Queue.MINE).aggregate(
        n=Count("pk"),
        due_soon=Count("pk", filter=queue_q(Queue.DUE_SOON, user=user, now=now)),
        overdue=Count("pk", filter=queue_q(Queue.OVERDUE, user=user, now=now)),
    )
    done = {"queue": Queue.ALL, "assignee": user.pk, "resolved_from": d.month_start, "resolved_to": d.today}
    d.jobs = [
        Figure("jobs_open", _("我的待办"), mine["n"], case_href(queue=Queue.MINE)),
        Figure(
            "jobs_due_soon",
            _("即将超时"),
            mine["due_soon"],
            case_href(queue=Queue.DUE_SOON, assignee=user.pk),
            tone="warn" if mine["due_soon"] else "",
        ),
        Figure(
            "jobs_overdue",
            _("已超时"),
            mine["overdue"],
            case_href(queue=Queue.OVERDUE, assignee=user.pk),
            tone="danger" if mine["overdue"] else "",
        ),
        Figure("jobs_resolved", _("本月完成"), cases_for(user, project, now, **done).count(), case_href(**done)),
    ]


def _qc(d: Dashboard, user: User, project: Project | None) -> None:
    from kefu.quality import selectors as qc_selectors
    from kefu.quality.views import QUEUE_LABELS, _filtered

    d.qc_tiles = [
        Figure(
            f"qc_{q}",
            str(QUEUE_LABELS[q]),
            _filtered(qc_selectors.check_queue(user, q), project, {}).order_by().count(),
            reverse("quality:checks") + "?" + _query({"queue": q}),
        )
        for q in ("mine", "pending", "returned")
    ]
