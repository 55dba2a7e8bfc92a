"""The dashboard (工作台) per role: hand-counted figures for a small world, every number and chart segment opening
the list it counts with exactly that many rows, and what each role sees.

The world, on 2026-11-20 10:00 Beijing time (NOW), project A 阳光花园 with zones A1 and A2 and project B 中心大厦:

  #   kind          created      status       zone dept  handler  resolution due      other
  1   repair        11-20 09:00  new          A1   -     -        11-21 09:00
  2   complaint     11-19 09:00  new          A2   -     -        11-20 09:00         overdue
  3   repair        11-20 08:00  dispatched   A1   工程  fred     11-20 12:00         due soon
  4   repair        11-18 10:00  in_progress  A1   工程  fred     11-19 10:00         overdue
  5   consultation  11-10 10:00  accepted     A2   客服  alice    11-12 10:00         overdue
  6   repair        11-15 10:00  waiting      A2   工程  fred     11-16 10:00         paused: neither
  7   repair        11-20 09:30  in_progress  A1   工程  gus      11-20 13:00         child of #4, due soon
  8   repair        11-05 10:00  closed       A1   工程  fred     11-06 10:00         resolved 11-06 09:00: met
  9   complaint     11-03 10:00  resolved     A2   客服  alice    11-04 10:00         resolved 11-08: missed
  10  consultation  11-20 08:30  closed       A1   -     alice    none                resolved 11-20 08:40: met
  11  repair        10-20 10:00  closed       A1   工程  fred     10-21 10:00         resolved 10-25: last month
  12  suggestion    10-25 10:00  cancelled    A2   -     -        -
  13  help          11-20 07:00  dispatched   A2   客服  alice    11-22 10:00         1st reply due 08:00: overdue
  B1  repair        11-20 09:00  new          -    -     -        11-20 09:30         overdue
  B2  consultation  11-10 10:00  closed       -    -     bob      11-12 10:00         resolved 11-11: met

Return visits (case visits unless said): A: #8 done 11-07 score 5; #9 done 11-09 score 2; #11 done 10-30 score 4
(last month); #10 pending; a plan visit done 11-12 score 5 (not a case visit); stella's pending call on #3 due
today 15:00 and one on #4 due 11-25. B: B2 done 11-12 score 5.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu import testing as t
from kefu.conftest import login
from kefu.org.models import Membership
from kefu.org.roles import Role
from kefu.reports import dashboard_views
from kefu.reports.dashboard import dashboard_figures
from kefu.tickets.models import Case
from kefu.visits.models import ReturnVisit

BJ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=BJ)


def bj(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BJ)


def build(w, now: dt.datetime = NOW) -> SimpleNamespace:
    """The world of the module docstring; `now` other than NOW moves every time by the same amount."""
    shift = now - NOW

    def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        return bj(month, day, hour, minute) + shift

    kf: Any = t.DepartmentFactory(project=w.a, code="KF", name="客服部")
    gc: Any = t.DepartmentFactory(project=w.a, code="GC", name="工程部")
    Membership.objects.filter(user__in=[w.alice, w.sam], project=w.a).update(department=kf)
    Membership.objects.filter(user=w.fred, project=w.a).update(department=gc)
    gus = t.staff(Role.FIELD_STAFF, w.a, username="gus", department=gc, name="葛军")
    seq = iter(range(1, 100))

    def case(project, kind, created, status, zone=None, dept=None, who=None, due=None, **kw):
        n = next(seq)
        return Case.objects.create(
            number=f"T{project.code}{n:03d}",
            project=project,
            kind=kind,
            channel="phone",
            status=status,
            zone=zone,
            department=dept,
            assignee=who,
            title=f"工单{n}",
            created_by=w.alice if project == w.a else w.bob,
            created_at=created,
            resolution_due=due,
            **kw,
        )

    a1, a2 = w.a1, w.a2
    c = SimpleNamespace(kf=kf, gc=gc, gus=gus)
    c.c1 = case(w.a, "repair", at(11, 20, 9), "new", a1, due=at(11, 21, 9))
    c.c2 = case(w.a, "complaint", at(11, 19, 9), "new", a2, due=at(11, 20, 9))
    c.c3 = case(w.a, "repair", at(11, 20, 8), "dispatched", a1, gc, w.fred, at(11, 20, 12))
    c.c4 = case(w.a, "repair", at(11, 18), "in_progress", a1, gc, w.fred, at(11, 19))
    c.c5 = case(w.a, "consultation", at(11, 10), "accepted", a2, kf, w.alice, at(11, 12))
    c.c6 = case(w.a, "repair", at(11, 15), "waiting", a2, gc, w.fred, at(11, 16))
    c.c7 = case(w.a, "repair", at(11, 20, 9, 30), "in_progress", a1, gc, gus, at(11, 20, 13), parent=c.c4)
    c.c8 = case(w.a, "repair", at(11, 5), "closed", a1, gc, w.fred, at(11, 6), resolved_at=at(11, 6, 9))
    c.c9 = case(w.a, "complaint", at(11, 3), "resolved", a2, kf, w.alice, at(11, 4), resolved_at=at(11, 8))
    c.c10 = case(w.a, "consultation", at(11, 20, 8, 30), "closed", a1, None, w.alice, resolved_at=at(11, 20, 8, 40))
    c.c11 = case(w.a, "repair", at(10, 20), "closed", a1, gc, w.fred, at(10, 21), resolved_at=at(10, 25))
    c.c12 = case(w.a, "suggestion", at(10, 25), "cancelled", a2)
    c.c13 = case(w.a, "help", at(11, 20, 7), "dispatched", a2, kf, w.alice, at(11, 22), first_reply_due=at(11, 20, 8))
    c.b1 = case(w.b, "repair", at(11, 20, 9), "new", due=at(11, 20, 9, 30))
    c.b2 = case(w.b, "consultation", at(11, 10), "closed", None, None, w.bob, at(11, 12), resolved_at=at(11, 11))

    def visit(case_, status, score=None, completed=None, project=None, source="case", who=None, due=None):
        return ReturnVisit.objects.create(
            project=project or (case_.project if case_ else w.a),
            zone=case_.zone if case_ else w.a1,
            source=source,
            case=case_,
            unit=w.unit_a1 if source == "plan" else None,
            status=status,
            score=score,
            completed_at=completed,
            assignee=who,
            due_at=due or (completed or at(11, 30)),
            created_at=at(10, 1),
        )

    visit(c.c8, "done", 5, at(11, 7))
    visit(c.c9, "done", 2, at(11, 9))
    visit(c.c11, "done", 4, at(10, 30))
    visit(c.c10, "pending")
    visit(None, "done", 5, at(11, 12), source="plan")
    visit(c.c3, "pending", who=w.stella, due=at(11, 20, 15))
    visit(c.c4, "pending", who=w.stella, due=at(11, 25))
    visit(c.b2, "done", 5, at(11, 12))
    return c


@pytest.fixture
def cases(world):
    return build(world)


def figures(d) -> dict[str, int]:
    return {f.key: f.value for f in d.figures()}


def points(d, key: str) -> dict[str, int]:
    chart = next(c for c in d.charts if c.key == key)
    return {p.label: p.value for p in chart.points}


# Hand-counted figures ----------------------------------------------------------------------------------------


def test_supervisor_of_a_sees_project_a_only(world, cases):
    d = dashboard_figures(world.sam, world.a, NOW)
    f = figures(d)
    # today: #1, #3, #10, #13 (#7 is a child work order; B1 is project B)
    assert f["today"] == 4
    # open: #1 #2 #3 #4 #5 #6 #7 #13; due soon #3 #7; overdue #2 #4 #5 #13; unassigned #1 #2
    assert (f["backlog"], f["due_soon"], f["overdue"], f["unassigned"]) == (8, 2, 4, 2)
    assert f["mine"] == 0
    assert points(d, "backlog") == {"待派单": 2, "已派单": 2, "已接单": 1, "处理中": 2, "挂起": 1}
    # this month, top-level: repair #1 #3 #4 #6 #8, complaint #2 #9, consultation #5 #10, help #13
    assert points(d, "kinds") == {"咨询": 2, "投诉": 2, "报修": 5, "求助": 1}
    intake = points(d, "intake")
    days = list(intake)
    assert (len(days), days[0], days[-1]) == (30, "10-22", "11-20")
    assert (intake["11-20"], intake["11-19"], intake["10-25"], intake["11-18"]) == (4, 1, 1, 1)
    assert sum(intake.values()) == 11  # 10 this month and #12 on 10-25; #11 (10-20) is before the window
    # resolved this month: #8 met, #10 met (no deadline), #9 missed
    assert d.sla is not None and (d.sla.part.value, d.sla.other.value, d.sla.whole.value) == (2, 1, 3)
    assert d.sla.pct == 66.7
    # reached case visits this month: #8 (5) and #9 (2); #11's was in October, the plan visit is no case visit
    assert d.csat is not None and (d.csat.part.value, d.csat.whole.value, d.csat.pct) == (1, 2, 50.0)
    assert points(d, "overdue_departments") == {"客服部": 2, "工程部": 1, "未指定部门": 1}
    assert [(h.label, h.value) for h in d.handlers] == [("王丽", 2), ("黄永刚", 1)]
    assert d.projects == []  # one project chosen: no comparison


def test_agent_sees_the_desk_and_her_own_work(world, cases):
    d = dashboard_figures(world.alice, world.a, NOW)
    f = figures(d)
    assert (f["today"], f["backlog"], f["overdue"]) == (4, 8, 4)
    assert f["mine"] == 2  # #5 and #13
    assert d.sla is None and d.csat is None and d.handlers == []
    assert {c.key for c in d.charts} == {"intake", "backlog", "kinds"}


def test_agent_of_b_never_sees_project_a(world, cases):
    d = dashboard_figures(world.bob, world.b, NOW)
    f = figures(d)
    assert (f["today"], f["backlog"], f["overdue"], f["unassigned"], f["due_soon"]) == (1, 1, 1, 1, 0)
    assert points(d, "kinds") == {"报修": 1, "咨询": 1}
    # Bob chooses project A at the top (he holds no role there): nothing of A.
    d = dashboard_figures(world.bob, world.a, NOW)
    assert d.empty or all(v == 0 for v in figures(d).values())


def test_steward_sees_her_zone_and_todays_calls(world, cases):
    d = dashboard_figures(world.stella, world.a, NOW)
    f = figures(d)
    # zone A1: open #1 #3 #4 #7; due soon #3 #7; overdue #4; new #1; today #1 #3 #10
    assert (f["backlog"], f["due_soon"], f["overdue"], f["unassigned"], f["today"]) == (4, 2, 1, 1, 3)
    assert f["visits_today"] == 1  # the call on #3 due today 15:00; the one due 11-25 is not today's
    assert d.sla is None and d.handlers == []


def test_field_staff_sees_his_jobs(world, cases):
    d = dashboard_figures(world.fred, world.a, NOW)
    f = figures(d)
    # open and his: #3 #4 #6; due soon #3; overdue #4 (#6 waits); resolved this month #8 (#11 in October)
    assert (f["jobs_open"], f["jobs_due_soon"], f["jobs_overdue"], f["jobs_resolved"]) == (3, 1, 1, 1)
    assert d.tiles == [] and d.charts == []


def test_head_office_compares_the_projects(world, cases):
    d = dashboard_figures(world.hera, None, NOW)
    f = figures(d)
    assert (f["today"], f["backlog"], f["overdue"]) == (5, 9, 5)
    rows = {p.name: p for p in d.projects}
    a, b = rows["阳光花园"], rows["中心大厦"]
    assert (a.intake.value, a.backlog.value, a.overdue.value) == (10, 8, 4)
    assert (a.sla.part.value, a.sla.whole.value, a.sla.pct) == (2, 3, 66.7)
    assert (a.csat.part.value, a.csat.whole.value, a.csat.pct) == (1, 2, 50.0)
    assert (b.intake.value, b.backlog.value, b.overdue.value) == (2, 1, 1)
    assert (b.sla.pct, b.csat.pct) == (100.0, 100.0)
    assert d.sla is not None and (d.sla.part.value, d.sla.whole.value) == (3, 4)
    # departments of every project are named with their project
    assert points(d, "overdue_departments")["阳光花园 客服部"] == 2


def test_dashboard_takes_a_bounded_number_of_queries(world, cases):
    dashboard_figures(world.hera, None, NOW)  # warm the per-user caches as a request would
    with CaptureQueriesContext(connection) as q:
        dashboard_figures(world.hera, None, NOW)
    assert len(q.captured_queries) <= 12, [x["sql"][:120] for x in q.captured_queries]


# The page ----------------------------------------------------------------------------------------------------

LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*data-count="(\d+)"')


def linked_counts(body: str) -> list[tuple[str, int]]:
    return [(unescape(href), int(n)) for href, n in LINK.findall(body)]


def list_count(client, href: str) -> int:
    r = client.get(href)
    assert r.status_code == 200, href
    if "cards" in r.context:  # the steward's phone list of today's calls
        return len(r.context["cards"])
    n = r.context["page"].paginator.count
    assert f"共 {n:,} 条" in r.content.decode(), href
    return n


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(dashboard_views, "_now", lambda: NOW)


def choose(client, project) -> None:
    client.post("/project/", {"project": project.pk if project else "all", "next": "/"})


@pytest.mark.parametrize(
    ("who", "project"),
    [("sam", "a"), ("alice", "a"), ("stella", "a"), ("fred", "a"), ("bob", "b"), ("hera", None), ("quinn", "a")],
)
def test_every_number_opens_a_list_of_that_many_rows(world, client, who, project):
    """At the real time, the world moved to now: each linked number equals the count of the list it opens."""
    from django.utils import timezone

    build(world, timezone.now())
    login(client, getattr(world, who))
    choose(client, getattr(world, project) if project else None)
    body = client.get("/").content.decode()
    links = linked_counts(body)
    assert len(links) >= 4
    for href, n in links:
        assert list_count(client, href) == n, href
    # every figure and every non-zero chart segment is on the page as a link
    r = client.get("/")
    d = r.context["d"]
    hrefs = {h for h, _n in links}
    assert {f.href for f in d.figures()} <= hrefs
    assert {p.href for c in d.charts for p in c.points if p.value} <= hrefs


def test_manager_page_shows_the_figures(world, cases, client, at_now):
    login(client, world.sam)
    body = client.get("/").content.decode()
    assert "工作台 · 阳光花园" in body
    for label in ("今日受理", "未完成", "即将超时", "已超时", "待派单", "我的待办", "本月办结及时率", "本月满意率"):
        assert label in body, label
    assert "66.7%" in body and "50.0%" in body
    assert "超时工单最多的处理人" in body and "王丽" in body
    assert 'id="chart-intake"' in body and 'id="chart-overdue_departments"' in body
    assert "vendor/echarts/echarts.min.js" in body
    counts = dict(linked_counts(body))
    assert counts["/cases/?queue=open"] == 8 and counts["/cases/?queue=overdue"] == 4
    assert counts["/cases/?queue=open&status=waiting"] == 1


def test_agent_page_has_no_management_parts(world, cases, client, at_now):
    login(client, world.alice)
    body = client.get("/").content.decode()
    assert "我的待办" in body and "今日受理" in body
    assert "本月办结及时率" not in body and "超时工单最多的处理人" not in body


def test_field_staff_page_links_the_phone_jobs(world, cases, client, at_now):
    login(client, world.fred)
    body = client.get("/").content.decode()
    assert "我的任务" in body and "/cases/jobs/" in body and "本月完成" in body
    assert "待派单" not in body and "今日受理" not in body


def test_steward_page(world, cases, client, at_now):
    login(client, world.stella)
    body = client.get("/").content.decode()
    assert "我负责区域的工单" in body and "今日回访" in body and "/visits/today/" in body


def test_head_office_page_compares_projects(world, cases, client, at_now):
    login(client, world.hera)
    choose(client, None)
    body = client.get("/").content.decode()
    assert "工作台 · 全部项目" in body and "各项目对比（本月）" in body
    assert "阳光花园" in body and "中心大厦" in body
    assert f"project={world.b.pk}" in body


def test_archivist_and_qc_reviewer(world, cases, client, at_now):
    login(client, world.archie)
    body = client.get("/").content.decode()
    assert "客户档案" in body and "今日受理" not in body  # the archive figures, as before
    login(client, world.quinn)
    body = client.get("/").content.decode()
    assert "质检复核" in body and "待我检查" in body
    assert "本月办结及时率" not in body


def test_people_without_a_role_see_the_no_role_page(db, client):
    user = t.UserFactory(username="nobody")
    login(client, user)
    r = client.get("/")
    assert r.status_code == 200 and "d" not in r.context
