"""The case reports' figures equal counts made independently from the timeline.

A generated data set (`build_book`): about ninety cases made through the real services (intake, dispatch,
accept, hold, replies, resolve, return visits, close, reopen, cancel, merge, split into work orders, solved at
once) in two projects, over fourteen months, with planted repeat complaints. Each test recounts a figure in
plain Python from the CaseEvent rows (the timeline: when each case was created, every status it went through,
its first public reply, its resolution, the return-visit results) and the cases' fixed attributes (project,
kind, category, unit...), and asserts that kefu.reports.figures says the same.

The data set is also used by test_views.py and test_browser.py.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from kefu import testing as t
from kefu.customers.models import Unit
from kefu.org.models import Membership, User
from kefu.org.roles import Role
from kefu.reports import figures
from kefu.reports.base import Filters, Period, day_period, month_period, quarter_period, week_period
from kefu.reports.figures import Csat, Flow, Volume
from kefu.tickets import services as ts
from kefu.tickets.models import Case, CaseEvent, Category
from kefu.visits import services as vs
from kefu.visits.models import ReturnVisit

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)
REPORT_NOW = dt.datetime(2026, 12, 15, 9, 0, tzinfo=BJ)
NOVEMBER = month_period(2026, 11)
Q4 = quarter_period(2026, 4)
TALLY_DAY = dt.date(2026, 11, 18)
DONE = {"resolved", "closed"}
OPEN = {"new", "dispatched", "accepted", "in_progress", "waiting"}


def bj(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=BJ)


# The data set ---------------------------------------------------------------------------------------------


@dataclass
class Cast:
    """Who works in a project: the desk agent, the complaint handler, the field staff, the manager."""

    project: Any
    agent: Any
    officer: Any
    fixers: list[Any]
    manager: Any
    units: list[Any]
    customers: dict[int, Any]
    service_dept: Any
    works_dept: Any


# (kind, weight) and the paths a case of that kind may take, with weights.
KINDS = [("complaint", 40), ("suggestion", 14), ("repair", 30), ("consultation", 9), ("help", 5), ("praise", 2)]
PATHS = {
    "complaint": [
        ("new", 2), ("dispatched", 2), ("accepted", 2), ("waiting", 2), ("resolved", 3), ("closed", 2),
        ("visit_ok", 6), ("visit_bad", 3), ("unreachable", 1), ("cancel", 2), ("merge", 2), ("reopened", 2),
        ("split", 1),
    ],
    "suggestion": [("new", 2), ("accepted", 2), ("resolved", 2), ("visit_ok", 3), ("closed", 2), ("cancel", 1)],
    "repair": [
        ("dispatched", 2), ("accepted", 2), ("waiting", 1), ("resolved", 2), ("visit_ok", 5), ("visit_bad", 2),
        ("closed", 2), ("cancel", 1), ("split", 1), ("merge", 1),
    ],
    "consultation": [("solve", 5), ("resolved", 1), ("new", 1)],
    "help": [("visit_ok", 2), ("accepted", 1)],
    "praise": [("resolved", 1)],
}  # fmt: skip
CHANNELS = [("phone", 40), ("wechat", 25), ("walk_in", 12), ("portal", 12), ("email", 4), ("patrol", 7)]
# Cases created per month; the day of the tally gets a few of its own.
MONTHS = [((2025, 11), 6), ((2026, 9), 8), ((2026, 10), 16), ((2026, 11), 44), ((2026, 12), 4)]
HOURS = [0, 2, 7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16, 17, 18, 19, 20, 21, 23]


def handler(case: Case) -> User:
    assert case.assignee is not None
    return case.assignee


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def _units(project: Any, zones: list[Any], n: int, vacant: int) -> list[Any]:
    building = t.BuildingFactory(project=project, code=f"R{project.code}")
    units: list[Any] = []
    for i in range(n + vacant):
        zone = zones[i % len(zones)] if zones else None
        units.append(t.UnitFactory(building=building, zone=zone, number=f"{i + 1:02d}01"))
    for u in units[:n]:
        t.household(u, mobile=f"1380000{u.pk:04d}")
    return units[:n]


def _cast(desk: Any) -> tuple[Cast, Cast]:
    w = desk.w
    units_a = [w.unit_a1, w.unit_a2, *_units(w.a, [w.a1, w.a2], 6, 2)]
    custs_a = {w.unit_a1.pk: w.cust_a1, w.unit_a2.pk: w.cust_a2}
    a = Cast(w.a, w.alice, w.carl, [desk.fred, desk.gus], w.mia, units_a, custs_a, desk.kf, desk.gc)
    kf_b: Any = t.DepartmentFactory(project=w.b, code="KFB", name="客服部")
    gc_b: Any = t.DepartmentFactory(project=w.b, code="GCB", name="工程部")
    Membership.objects.filter(user=w.bob, project=w.b).update(department=kf_b)
    bill = t.staff(Role.FIELD_STAFF, w.b, username="bill", department=gc_b, name="毕力")
    units_b = [w.unit_b, *_units(w.b, [], 3, 1)]
    b = Cast(w.b, w.bob, w.bob, [bill], w.mike, units_b, {w.unit_b.pk: w.cust_b}, kf_b, gc_b)
    for cast in (a, b):
        for u in cast.units:
            if u.pk not in cast.customers:
                cast.customers[u.pk] = u.occupancies.first().customer
    return a, b


def _categories(a: Any) -> dict[str, list[Category]]:
    """The shared tree, plus project A's own children with no trade of their own (the parent's applies)."""
    fw = Category.objects.get(project__isnull=True, kind="complaint", code="FW")
    sd = Category.objects.get(project__isnull=True, kind="repair", code="SD")
    Category.objects.create(project=a, kind="complaint", parent=fw, code="FW-TD", name="态度生硬", sort=1)
    Category.objects.create(project=a, kind="repair", parent=sd, code="SD-QT", name="其他水电", sort=9)
    out: dict[str, list[Category]] = defaultdict(list)
    for c in Category.objects.filter(is_active=True).order_by("kind", "sort", "code"):
        out[c.kind].append(c)
    return out


class Story:
    """Makes cases and lives them through the services, in time order within each case."""

    def __init__(self, desk: Any, seed: int = 6) -> None:
        self.rng = random.Random(seed)
        self.a, self.b = _cast(desk)
        self.categories = _categories(self.a.project)
        self.cases: list[Case] = []

    def cast(self, case: Case) -> Cast:
        return self.a if case.project_id == self.a.project.pk else self.b

    def category(self, cast: Cast, kind: str) -> Category | None:
        options = [c for c in self.categories[kind] if c.project_id in (None, cast.project.pk)]
        return self.rng.choice(options) if options else None

    def create(self, cast: Cast, kind: str, at: dt.datetime, **kw: Any) -> Case:
        rng = self.rng
        # Random cases keep off the units the planted complaints use (see `planted`).
        shared = [u for i, u in enumerate(cast.units) if (i not in (2, 3, 4, 5) if cast is self.a else i != 1)]
        unit = kw.pop("unit", None) or (rng.choice(shared) if rng.random() < 0.9 else None)
        case = ts.case_create(
            actor=cast.agent,
            project=cast.project,
            kind=kind,
            channel=kw.pop("channel", None) or weighted(rng, CHANNELS),
            title=kw.pop("title", f"{kind} {len(self.cases) + 1}"),
            category=kw.pop("category", None) or self.category(cast, kind),
            priority="urgent" if kind == "repair" and rng.random() < 0.15 else "normal",
            is_major=kind == "complaint" and rng.random() < 0.12,
            unit=unit,
            customer=cast.customers.get(unit.pk) if unit else None,
            location="" if unit else "3号楼大堂",
            now=at,
        )
        self.cases.append(case)
        return case

    def live(self, case: Case, path: str, at: dt.datetime) -> None:
        """Take the case along a path, each step some hours after the last."""
        rng, cast = self.rng, self.cast(case)
        clock = [at]

        def later(lo: float, hi: float) -> dt.datetime:
            clock[0] = clock[0] + dt.timedelta(hours=rng.uniform(lo, hi))
            return clock[0]

        if path == "solve":
            ts.case_solve_at_once(actor=cast.agent, case=case, answer="已当场答复", now=later(0.1, 0.5))
            return
        if path == "new":
            return
        if path == "cancel":
            if rng.random() < 0.5:
                case = self.dispatch(case, later(0.2, 2))
            ts.case_cancel(actor=cast.agent, case=case, reason="客户撤销", now=later(0.5, 20))
            return
        if path == "merge":
            into = self.merge_target(case)
            if into is not None:
                ts.case_merge(actor=cast.agent, case=case, into=into, now=later(0.2, 3))
            return
        if path == "split" and cast is self.a:
            parts = [
                ts.Part(department=cast.works_dept, title="维修部分", assignee=cast.fixers[0]),
                ts.Part(department=cast.service_dept, title="协调部分", assignee=cast.officer),
            ]
            children = ts.case_split(actor=cast.agent, case=case, parts=parts, now=later(0.5, 2))
            for child in children:
                child = ts.case_accept(actor=handler(child), case=child, now=later(0.2, 1))
                ts.case_resolve(actor=handler(child), case=child, note="工作单完成", now=later(1, 30))
            self.after_resolve(Case.objects.get(pk=case.pk), later)
            return
        if case.kind == "complaint" and rng.random() < 0.75:
            ts.case_reply(actor=cast.officer, case=case, body="已收到您的投诉，正在处理", now=later(0.5, 36))
        case = self.dispatch(case, later(0.2, 3))
        if path == "dispatched":
            return
        case = ts.case_accept(actor=handler(case), case=case, now=later(0.2, 2))
        if path == "accepted":
            return
        if path == "waiting" or rng.random() < 0.15:
            case = ts.case_hold(actor=handler(case), case=case, reason="customer", now=later(1, 12))
            if path == "waiting":
                return
            case = ts.case_resume(actor=handler(case), case=case, now=later(2, 30))
        case = ts.case_resolve(actor=handler(case), case=case, note="已处理", now=later(1, 70))
        self.after_resolve(case, later, path)

    def after_resolve(self, case: Case, later: Any, path: str = "visit_ok") -> None:
        rng, cast = self.rng, self.cast(case)
        case.refresh_from_db()
        if case.status != "resolved" or path == "resolved":
            return
        if path == "closed":
            ts.case_close(actor=cast.agent, case=case, note="已电话确认", now=later(0.5, 10))
            return
        if path == "reopened":
            ts.case_reopen(actor=cast.agent, case=case, reason="客户来电说问题仍在", now=later(1, 20))
            return
        visit = ReturnVisit.objects.get(case=case, status="pending")
        if path == "unreachable":
            for _i in range(visit.max_attempts):
                visit = vs.visit_record(actor=cast.manager, visit=visit, outcome="no_answer", now=later(1, 5))
            return
        if path == "visit_bad":
            score = rng.choice([1, 2])
            vs.visit_record(
                actor=cast.manager, visit=visit, outcome="reached", score=score, solved=False, reason="slow",
                now=later(2, 20),
            )  # fmt: skip
            case = Case.objects.get(pk=case.pk)
            if case.status == "in_progress" and rng.random() < 0.6:  # reworked: resolved again, a 2nd call-back
                case = ts.case_resolve(actor=handler(case), case=case, note="返工完成", now=later(2, 30))
                self.after_resolve(case, later, "visit_ok")
            return
        score = rng.choice([3, 4, 4, 5, 5, 5])
        vs.visit_record(actor=cast.manager, visit=visit, outcome="reached", score=score, solved=True, now=later(2, 30))

    def dispatch(self, case: Case, at: dt.datetime) -> Case:
        cast = self.cast(case)
        handler = (
            cast.officer if case.kind in ("complaint", "suggestion", "consultation") else self.rng.choice(cast.fixers)
        )
        return ts.case_dispatch(actor=cast.agent, case=case, assignee=handler, now=at)

    def merge_target(self, case: Case) -> Case | None:
        """An earlier open case of the project (a merged duplicate points at the case that carries on)."""
        for other in reversed(self.cases):
            other.refresh_from_db()
            same_project = other.project_id == case.project_id and other.parent_id is None
            if other.pk != case.pk and same_project and other.status in OPEN and other.created_at < case.created_at:
                return other
        return None

    def random_case(self, at: dt.datetime, kinds: list[tuple[str, int]] = KINDS) -> None:
        cast = self.a if self.rng.random() < 0.75 else self.b
        kind = weighted(self.rng, kinds)
        case = self.create(cast, kind, at)
        self.live(case, weighted(self.rng, PATHS[kind]), at)


def planted(story: Story) -> dict[str, list[str]]:
    """Complaints planted on purpose: repeats and near-misses. Returns the numbers, named."""
    a, b = story.a, story.b
    cat = {c.code: c for c in story.categories["complaint"] if c.project_id is None}
    u1, u2, u3, u4 = a.units[2], a.units[3], a.units[4], a.units[5]
    names: dict[str, list[str]] = defaultdict(list)

    def complaint(cast: Cast, unit: Any, code: str, at: dt.datetime, path: str = "visit_ok", name: str = "") -> Case:
        case = story.create(cast, "complaint", at, unit=unit, category=cat[code], channel="phone")
        story.live(case, path, at)
        if name:
            names[name].append(case.number)
        return case

    complaint(a, u1, "FW", bj(2026, 11, 3, 9))
    complaint(a, u1, "FW", bj(2026, 11, 20, 15), "accepted", "repeat")  # 17 days later: a repeat
    complaint(a, u1, "WX", bj(2026, 11, 21, 11), "new", "other_category")  # the same unit, another category
    complaint(a, u2, "TC", bj(2026, 10, 25, 19))
    complaint(a, u2, "TC", bj(2026, 11, 10, 8), "visit_ok", "repeat")  # 16 days, across the month's start
    complaint(a, u3, "ZY", bj(2026, 9, 20, 22))
    complaint(a, u3, "ZY", bj(2026, 11, 5, 23), "resolved", "too_late")  # 46 days: not a repeat
    complaint(a, u4, "HJ", bj(2026, 11, 2, 10), "cancel")
    complaint(a, u4, "HJ", bj(2026, 11, 12, 10), "closed", "after_cancelled")  # the earlier one was cancelled
    complaint(a, u4, "SF", bj(2025, 11, 4, 10))
    complaint(a, u4, "SF", bj(2025, 11, 24, 10), "visit_ok", "repeat_last_year")
    complaint(b, b.units[1], "ZX", bj(2026, 11, 6, 14))
    complaint(b, b.units[1], "ZX", bj(2026, 11, 18, 9), "waiting", "repeat")  # project B, on the tally day
    return names


def build_book(desk: Any, *, seed: int = 6, months: list[tuple[tuple[int, int], int]] | None = None) -> Any:
    story = Story(desk, seed)
    rng = story.rng
    slots = []
    for (y, m), n in months or MONTHS:
        last = month_period(y, m).end.day if (y, m) != (2026, 12) else 1  # all done before REPORT_NOW
        slots += [bj(y, m, rng.randint(1, last), rng.choice(HOURS), rng.randint(0, 59)) for _i in range(n)]
    # The tally's day: cases of its own, and the day before (carried in).
    tally = [bj(2026, 11, 18, h, 30) for h in (8, 10, 13, 16, 21)] + [bj(2026, 11, 17, h) for h in (9, 15, 18)]
    for at in sorted(slots + tally):
        story.random_case(at, KINDS[:2] if at in tally else KINDS)
    names = planted(story)
    return SimpleNamespace(story=story, w=desk.w, desk=desk, a=story.a, b=story.b, names=names)


def make_desk():
    """The people and places of the `world` and `desk` fixtures (kefu/conftest.py, kefu/tickets/tests/conftest.py),
    made without them so that a module can build its data set once."""
    a = t.ProjectFactory(code="A", name="阳光花园")
    b = t.ProjectFactory(code="B", name="中心大厦", kind="office")
    w = SimpleNamespace(a=a, b=b, a1=t.ZoneFactory(project=a, code="A1", name="一区"))
    w.a2 = t.ZoneFactory(project=a, code="A2", name="二区")
    kf = t.DepartmentFactory(project=a, code="KF", name="客服部")
    gc = t.DepartmentFactory(project=a, code="GC", name="工程部")
    w.alice = t.staff(Role.AGENT, a, username="alice", name="王丽", department=kf)
    w.mia = t.staff(Role.MANAGER, a, username="mia", name="陈建国")
    w.carl = t.staff(Role.COMPLAINT_OFFICER, a, username="carl", name="赵敏", department=kf)
    w.fred = t.staff(Role.FIELD_STAFF, a, username="fred", name="黄永刚", department=gc)
    w.bob = t.staff(Role.AGENT, b, username="bob", name="唐佳琪")
    w.mike = t.staff(Role.MANAGER, b, username="mike", name="宋立新")
    w.hera = t.staff(Role.HEAD_OFFICE, None, username="hera", name="李总")
    w.unit_a1 = t.UnitFactory(building=t.BuildingFactory(project=a, code="1"), zone=w.a1, number="1201")
    w.unit_a2 = t.UnitFactory(building=t.BuildingFactory(project=a, code="2"), zone=w.a2, number="0801")
    w.unit_b = t.UnitFactory(building=t.BuildingFactory(project=b, code="1"), number="2001")
    w.cust_a1 = t.household(w.unit_a1, name="张伟", mobile="13800001111")
    w.cust_a2 = t.household(w.unit_a2, name="王芳", mobile="13900002222")
    w.cust_b = t.household(w.unit_b, name="李娜", mobile="13700003333")
    gus = t.staff(Role.FIELD_STAFF, a, username="gus", department=gc, name="葛军")
    return SimpleNamespace(w=w, kf=kf, gc=gc, gus=gus, fred=w.fred)


def module_book(django_db_blocker: Any) -> Any:
    """Build the data set once for a test module, inside a transaction rolled back after the module (each test
    runs in a savepoint of its own within it)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_book(make_desk())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def book(django_db_setup, django_db_blocker):
    yield from module_book(django_db_blocker)


# The independent count: the timeline, read in plain Python ------------------------------------------------


@dataclass
class Fact:
    """What the timeline says about one case (and its fixed attributes)."""

    case: Case
    created: dt.datetime
    changes: list[tuple[dt.datetime, int, str]] = field(default_factory=list)  # (at, event pk, to_status)
    resolved: dt.datetime | None = None  # the last resolution (resolve, or solved at once)
    first_reply: dt.datetime | None = None  # the first public reply (or the answer given at once)
    fcr: bool = False
    merged: bool = False
    scores: list[int] = field(default_factory=list)  # reached return visits

    @property
    def status(self) -> str:
        return max(self.changes)[2]

    def state_at(self, at: dt.datetime) -> str:
        if self.created >= at:
            return ""
        before = [c for c in self.changes if c[0] < at]
        return max(before)[2]

    @property
    def finished(self) -> bool:
        return self.status in DONE

    @property
    def received(self) -> bool:
        return self.status != "cancelled"

    @property
    def on_time(self) -> bool:
        c = self.case
        if not self.finished:
            return False
        resolved_ok = c.resolution_due is None or (self.resolved is not None and self.resolved <= c.resolution_due)
        reply_ok = c.first_reply_due is None or (self.first_reply is not None and self.first_reply <= c.first_reply_due)
        return resolved_ok and reply_ok

    def local(self) -> dt.datetime:
        return self.created.astimezone(BJ)


def timeline() -> dict[int, Fact]:
    """Every top-level case, as its events tell it."""
    facts: dict[int, Fact] = {}
    cases = {c.pk: c for c in Case.objects.filter(parent__isnull=True)}
    for e in CaseEvent.objects.filter(case_id__in=cases).order_by("at", "pk"):
        if e.kind == "create":
            facts[e.case_id] = Fact(cases[e.case_id], e.at)
        fact = facts[e.case_id]
        if e.to_status:
            fact.changes.append((e.at, e.pk, e.to_status))
        if e.kind in ("resolve", "solve_at_once"):
            fact.resolved = e.at
        if (e.kind == "comment" and e.is_public) or e.kind == "solve_at_once":
            fact.first_reply = fact.first_reply or e.at
        if e.kind == "solve_at_once":
            fact.fcr = True
        if e.kind == "cancel" and e.data.get("merged_into"):
            fact.merged = True
        if e.kind == "visit" and e.data.get("outcome") == "reached":
            fact.scores.append(e.data["score"])
    return facts


def scoped(facts: dict[int, Fact], *, project=None, zone=None, department=None) -> list[Fact]:
    out = []
    for fact in facts.values():
        c = fact.case
        if project is not None and c.project_id != project.pk:
            continue
        if zone is not None and c.zone_id != zone.pk:
            continue
        if department is not None and c.department_id != department.pk:
            continue
        out.append(fact)
    return out


def within(facts: list[Fact], period: Period) -> list[Fact]:
    return [x for x in facts if period.since <= x.created < period.until]


def count_volume(facts: list[Fact]) -> Volume:
    """The same numbers as figures.Volume, counted case by case."""
    return Volume(
        registered=len(facts),
        cancelled=sum(1 for x in facts if not x.received),
        finished=sum(1 for x in facts if x.finished),
        open=sum(1 for x in facts if x.status in OPEN),
        on_time=sum(1 for x in facts if x.on_time),
        fcr=sum(1 for x in facts if x.fcr and x.received),
        major=sum(1 for x in facts if x.case.is_major and x.received),
    )


def count_by(facts: list[Fact], key: Any) -> dict[tuple[Any, ...], Volume]:
    groups: dict[tuple[Any, ...], list[Fact]] = defaultdict(list)
    for x in facts:
        groups[key(x)].append(x)
    return {k: count_volume(v) for k, v in groups.items()}


def count_csat(facts: list[Fact]) -> Csat:
    scores = [s for x in facts if x.received for s in x.scores]
    return Csat(len(scores), sum(1 for s in scores if s >= 4), sum(scores))


def count_repeats(facts: dict[int, Fact], period: Period, pool: list[Fact]) -> set[str]:
    """Received complaints of the period (from `pool`) with an earlier received complaint on the same unit and
    category within 30 days (the earlier one from any department)."""
    complaints = [x for x in facts.values() if x.case.kind == "complaint" and x.received]
    out = set()
    for x in within(pool, period):
        c = x.case
        if c.kind != "complaint" or not x.received or c.unit_id is None or c.category_id is None:
            continue
        if any(
            y.case.unit_id == c.unit_id
            and y.case.category_id == c.category_id
            and x.created - dt.timedelta(days=30) <= y.created < x.created
            for y in complaints
        ):
            out.add(c.number)
    return out


def people(who: Any) -> Any:
    return User.objects.get(pk=who.pk)  # a fresh user: no cached scope


# The tests ----------------------------------------------------------------------------------------------


def test_the_data_set_is_what_the_reports_need(book):
    """The generated set has what the figures must cope with (else a test below would prove little)."""
    facts = timeline()
    nov = within(list(facts.values()), NOVEMBER)
    statuses = {x.status for x in nov}
    assert {"new", "dispatched", "accepted", "waiting", "resolved", "closed", "cancelled"} <= statuses
    assert any(x.merged for x in nov) and all(x.status == "cancelled" for x in facts.values() if x.merged)
    assert any(x.fcr for x in nov)
    assert any(len(x.scores) > 1 for x in facts.values())  # reworked after an unhappy visit, visited again
    assert any(any(c[2] in DONE for c in x.changes) and x.status in OPEN for x in nov)  # reopened
    assert Case.objects.filter(parent__isnull=False).exists()  # work orders, never counted
    complaints = [x for x in nov if x.case.kind == "complaint"]
    assert any(x.on_time for x in complaints) and any(x.finished and not x.on_time for x in complaints)
    assert len({x.case.project_id for x in nov}) == 2 and len(nov) >= 50


def test_volumes_by_kind_category_and_channel_equal_the_timeline(book):
    facts = timeline()
    hera = people(book.w.hera)
    everything = list(facts.values())
    for period in (NOVEMBER, NOVEMBER.previous(), NOVEMBER.year_before(), Q4):
        f = Filters(period)
        pool = within(everything, period)
        assert figures.volume(hera, f, period) == count_volume(pool)
        assert figures.volume_by(hera, f, period, "kind") == count_by(pool, lambda x: (x.case.kind,))
        assert figures.volume_by(hera, f, period, "kind", "category_id") == count_by(
            pool, lambda x: (x.case.kind, x.case.category_id)
        )
        assert figures.volume_by(hera, f, period, "channel") == count_by(pool, lambda x: (x.case.channel,))
    # received = registered − cancelled = finished + open, and never a merged duplicate
    v = figures.volume(hera, Filters(NOVEMBER), NOVEMBER)
    nov = within(everything, NOVEMBER)
    assert v.received == v.registered - v.cancelled == sum(1 for x in nov if x.received and not x.merged)


def test_the_monthly_complaint_figures_equal_the_timeline(book):
    """Volumes, handled and on-time rates, satisfaction, repeats and complaints per 100 households: for head
    office, the manager of A (by zone and by department too) and the manager of B."""
    facts = timeline()
    w = book.w
    a_units = Unit.objects.filter(project=w.a)
    cases = [
        (people(w.hera), Filters(NOVEMBER), {}),
        (people(w.mia), Filters(NOVEMBER, project=w.a), {"project": w.a}),
        (people(w.mia), Filters(NOVEMBER, project=w.a, zone=w.a1), {"project": w.a, "zone": w.a1}),
        (
            people(w.mia),
            Filters(NOVEMBER, project=w.a, department=book.desk.gc),
            {"project": w.a, "department": book.desk.gc},
        ),
        (people(w.mike), Filters(NOVEMBER, project=w.b), {"project": w.b}),
    ]
    for user, f, scope in cases:
        pool = scoped(facts, **scope)
        for period in (NOVEMBER, NOVEMBER.previous(), NOVEMBER.year_before()):
            complaints = [x for x in within(pool, period) if x.case.kind == "complaint"]
            expected = count_volume(complaints)
            got = figures.volume(user, f, period, kind="complaint")
            assert got == expected, (scope, period)
            assert got.handled_rate == (expected.finished / expected.received if expected.received else None)
            assert figures.csat(user, f, period, kind="complaint") == count_csat(complaints)
            repeats = {c.number for c in figures.repeats(user, f, period)}
            assert repeats == count_repeats(facts, period, pool), (scope, period)
        # by category: the leaves, and satisfaction per leaf
        complaints = [x for x in within(pool, NOVEMBER) if x.case.kind == "complaint"]
        assert figures.volume_by(user, f, NOVEMBER, "category_id", kind="complaint") == count_by(
            complaints, lambda x: (x.case.category_id,)
        )
        by_cat: dict[tuple[Any, ...], Csat] = {}
        for x in complaints:
            key = (x.case.category_id,)
            if x.received and x.scores:
                by_cat[key] = by_cat.get(key, Csat()) + count_csat([x])
        assert figures.csat_by(user, f, NOVEMBER, "category_id", kind="complaint") == by_cat
    # households: occupied units of the scope (project A: 8 with a household, 2 vacant; zone A1: half of them)
    mia = people(w.mia)
    assert figures.households(mia, Filters(NOVEMBER, project=w.a)) == a_units.filter(status="occupied").count() == 8
    assert figures.households(mia, Filters(NOVEMBER, project=w.a, zone=w.a1)) == 4
    assert figures.households(people(w.hera), Filters(NOVEMBER)) == 8 + 4


def test_the_planted_repeat_complaints_are_found_and_the_near_misses_are_not(book):
    hera = people(book.w.hera)
    found = {c.number for c in figures.repeats(hera, Filters(NOVEMBER), NOVEMBER)}
    assert set(book.names["repeat"]) <= found  # 17 days later; across the month's start; in project B
    assert not found & set(book.names["too_late"] + book.names["after_cancelled"] + book.names["other_category"])
    last_year = {c.number for c in figures.repeats(hera, Filters(NOVEMBER), NOVEMBER.year_before())}
    assert set(book.names["repeat_last_year"]) <= last_year
    items = figures.repeat_items(hera, Filters(NOVEMBER), NOVEMBER)
    assert {i.number for i in items} == found
    assert sum(figures.repeat_counts(hera, Filters(NOVEMBER), [NOVEMBER]).values()) == len(found)
    planted_repeat = next(i for i in items if i.number == book.names["repeat"][0])
    assert len(planted_repeat.earlier) >= 1  # the complaint it repeats, 17 days earlier


def test_trade_channel_and_load_figures_equal_the_timeline(book):
    facts = timeline()
    hera = people(book.w.hera)
    f = Filters(Q4)
    pool = within(list(facts.values()), Q4)
    # trade: the category's, or its parent's when blank (project A's 其他水电 has none: 水电)
    infos = figures.categories(x.case.category_id for x in pool)
    trades: dict[tuple[str, str], Volume] = defaultdict(Volume)
    for (kind, cid), v in figures.volume_by(hera, f, Q4, "kind", "category_id").items():
        trades[(kind, infos[cid].trade if cid in infos else "")] += v

    def trade_of(c: Case) -> str:
        if c.category is None:
            return ""
        return c.category.trade or (c.category.parent.trade if c.category.parent else "")

    assert dict(trades) == count_by(pool, lambda x: (x.case.kind, trade_of(x.case)))
    other = Category.objects.get(code="SD-QT")
    assert other.trade == "" and figures.categories([other.pk])[other.pk].trade == "水电"
    # load: by Beijing weekday and hour
    grid: dict[tuple[int, int], int] = defaultdict(int)
    for x in pool:
        grid[(x.local().isoweekday(), x.local().hour)] += 1
    assert figures.load_grid(hera, f, Q4) == dict(grid)
    assert sum(figures.weekdays_in(Q4).values()) == 92


def test_quarterly_figures_per_kind_and_month_equal_the_timeline(book):
    facts = timeline()
    mia = people(book.w.mia)
    f = Filters(Q4, project=book.w.a)
    pool = scoped(facts, project=book.w.a)
    quarter = within(pool, Q4)
    assert figures.volume_by(mia, f, Q4, "kind") == count_by(quarter, lambda x: (x.case.kind,))
    by_kind: dict[tuple[Any, ...], Csat] = {}
    for x in quarter:
        if x.received and x.scores:
            by_kind[(x.case.kind,)] = by_kind.get((x.case.kind,), Csat()) + count_csat([x])
    assert figures.csat_by(mia, f, Q4, "kind") == by_kind
    for m in (10, 11, 12):
        month = month_period(2026, m)
        assert figures.volume(mia, f, month) == count_volume(within(pool, month))
        assert figures.csat(mia, f, month) == count_csat(within(pool, month))
    fcr = figures.volume(mia, f, Q4)
    assert fcr.fcr == sum(1 for x in quarter if x.fcr and x.received) > 0


def count_tally(facts: list[Fact], period: Period) -> tuple[dict[str, Flow], set[str]]:
    """The tally recounted: each complaint or suggestion's state at the start and the end of the period."""
    flows: dict[str, Flow] = {"complaint": Flow(), "suggestion": Flow()}
    items = set()
    for x in facts:
        c = x.case
        if c.kind not in flows or x.merged or x.created >= period.until:
            continue
        start, end = x.state_at(period.since), x.state_at(period.until)
        flows[c.kind] += Flow(
            carried_in=int(start in OPEN),
            received=int(start == "" and end != "cancelled"),
            finished=int(start in OPEN | {""} and end in DONE),
            cancelled=int(start in OPEN and end == "cancelled"),
            reopened=int(start in DONE and end in OPEN),
            carried_out=int(end in OPEN),
            awaiting_visit=int(start in OPEN | {""} and end == "resolved"),
        )
        if period.kind == "day" and ((start == "" and end != "cancelled") or start in OPEN):
            items.add(c.number)
        if period.kind == "month" and end in OPEN | {"resolved"}:
            items.add(c.number)
    return flows, items


@pytest.mark.parametrize("period", [day_period(TALLY_DAY), NOVEMBER, month_period(2026, 10), week_period(TALLY_DAY)])
def test_the_tallies_equal_the_state_of_each_case_at_both_ends(book, period):
    facts = timeline()
    for user, scope in ((book.w.hera, {}), (book.w.mia, {"project": book.w.a}), (book.w.mike, {"project": book.w.b})):
        f = Filters(period, **scope)
        expected, items = count_tally(scoped(facts, **scope), period)
        t = figures.tally(people(user), f)
        assert t.by_kind() == expected, (scope, period)
        out = t.total
        assert out.carried_out == out.carried_in + out.received - out.finished - out.cancelled + out.reopened
        if period.kind in ("day", "month"):
            listed = figures.tally_items(people(user), f, "day" if period.kind == "day" else "open")
            assert {i.number for i in listed} == items
            assert (t.day_items if period.kind == "day" else t.open_items) == len(items)
    day = figures.tally(people(book.w.hera), Filters(day_period(TALLY_DAY))).total
    assert day.carried_in > 0 and day.received >= 5 and day.carried_out > 0  # the day has work on both sides
