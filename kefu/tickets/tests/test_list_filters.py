"""The case list's filters that the dashboard and the reports link to: queue=open, resolved_from/resolved_to
(Beijing days), sla=met|missed, top_level=1, project and assignee; the page, its count and its xlsx agree."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.conftest import login
from kefu.tickets import services
from kefu.tickets.models import Case
from kefu.tickets.states import Status

BJ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A Beijing time in November 2026."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BJ)


def listed(client, query: str) -> list[str]:
    """The case numbers the list shows for a query (all on one page), checked against its "共 n 条"."""
    r = client.get("/cases/?" + query)
    assert r.status_code == 200
    numbers = [c.number for c in r.context["page"].object_list]
    assert f"共 {len(numbers)} 条" in r.content.decode()
    return sorted(numbers)


def exported(client, query: str) -> list[str]:
    r = client.get("/cases/?" + query + "&export=xlsx")
    ws = load_workbook(BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    assert ws is not None
    return sorted(str(row[0]) for row in ws.iter_rows(min_row=2, values_only=True) if row[0])


def setup(case: Case, **fields) -> Case:
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


@pytest.fixture
def cases(desk, new_case):
    """Project A: three open cases (new, dispatched, waiting), three resolved ones, one cancelled, one child."""
    c = {}
    c["new"] = new_case(title="新工单")
    c["dispatched"] = setup(new_case(title="已派单"), status=Status.DISPATCHED, assignee=desk.fred)
    c["waiting"] = setup(new_case(title="挂起"), status=Status.WAITING, assignee=desk.fred)
    # Resolved 2026-11-20 00:30 Beijing (= 11-19 16:30 UTC), 30 minutes before its deadline: met, on the 20th.
    c["met"] = setup(
        new_case(title="按时"),
        status=Status.RESOLVED,
        resolved_at=at(20, 0, 30),
        resolution_due=at(20, 1),
        assignee=desk.fred,
    )
    # Resolved 2026-11-19 23:50 Beijing, after its deadline: missed, on the 19th.
    c["missed"] = setup(
        new_case(title="超时"), status=Status.CLOSED, resolved_at=at(19, 23, 50), resolution_due=at(19, 12)
    )
    # No deadline at all: met.
    c["nodue"] = setup(new_case(title="无期限"), status=Status.CLOSED, resolved_at=at(21), resolution_due=None)
    c["cancelled"] = setup(new_case(title="取消"), status=Status.CANCELLED)
    c["child"] = setup(new_case(title="工作单"), status=Status.IN_PROGRESS, parent=c["new"], assignee=desk.gus)
    return c


def numbers(c, *keys):
    return sorted(c[k].number for k in keys)


def test_queue_open_lists_every_open_status_and_is_a_tab(desk, cases, client):
    login(client, desk.w.alice)
    assert listed(client, "queue=open") == numbers(cases, "new", "dispatched", "waiting", "child")
    body = client.get("/cases/?queue=open").content.decode()
    assert "未完成" in body and 'href="?queue=open"' in body
    # combined with a status, as the dashboard's backlog chart links it
    assert listed(client, "queue=open&status=waiting") == numbers(cases, "waiting")
    assert listed(client, "queue=open&status=closed") == []


def test_resolved_dates_are_beijing_days(desk, cases, client):
    login(client, desk.w.alice)
    assert listed(client, "resolved_from=2026-11-20&resolved_to=2026-11-20") == numbers(cases, "met")
    assert listed(client, "resolved_from=2026-11-19&resolved_to=2026-11-19") == numbers(cases, "missed")
    assert listed(client, "resolved_from=2026-11-19") == numbers(cases, "met", "missed", "nodue")
    assert listed(client, "resolved_to=2026-11-20") == numbers(cases, "met", "missed")


def test_sla_met_and_missed(desk, cases, client):
    login(client, desk.w.alice)
    assert listed(client, "sla=met") == numbers(cases, "met", "nodue")
    assert listed(client, "sla=missed") == numbers(cases, "missed")
    assert listed(client, "sla=met&resolved_from=2026-11-20&resolved_to=2026-11-30") == numbers(cases, "met", "nodue")
    # an unknown value is ignored rather than emptying the list
    assert len(listed(client, "sla=bogus")) == 8


def test_top_level_leaves_out_child_work_orders(desk, cases, client):
    login(client, desk.w.alice)
    assert cases["child"].number not in listed(client, "top_level=1")
    assert len(listed(client, "top_level=1")) == 7
    assert cases["child"].number in listed(client, "")


def test_assignee_filter_names_the_handler(desk, cases, client):
    login(client, desk.w.alice)
    q = f"queue=open&assignee={desk.fred.pk}"
    assert listed(client, q) == numbers(cases, "dispatched", "waiting")
    assert "黄永刚" in client.get("/cases/?" + q).content.decode()


def test_project_filter_within_scope(desk, cases, client):
    w = desk.w
    b_case = services.case_create(
        actor=w.bob,
        project=w.b,
        kind="consultation",
        channel="phone",
        title="B 项目咨询",
        unit=w.unit_b,
        customer=w.cust_b,
        now=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
    )
    login(client, w.hera)
    client.post("/project/", {"project": "all", "next": "/cases/"})
    assert listed(client, f"project={w.b.pk}") == [b_case.number]
    assert len(listed(client, f"project={w.a.pk}")) == 8
    assert "中心大厦" in client.get("/cases/").content.decode()  # the project select on 全部项目
    # an agent of A asking for B's cases gets none: the filter only narrows the scope
    login(client, w.alice)
    assert listed(client, f"project={w.b.pk}") == []


def test_export_has_the_filtered_rows(desk, cases, client):
    login(client, desk.w.alice)
    for q in ("queue=open", "sla=met", "resolved_from=2026-11-19&resolved_to=2026-11-19", "top_level=1"):
        assert exported(client, q) == listed(client, q)


def test_filter_bar_offers_the_new_filters(desk, cases, client):
    login(client, desk.w.alice)
    body = client.get("/cases/?sla=missed&top_level=1&resolved_from=2026-11-01").content.decode()
    assert 'name="resolved_from" value="2026-11-01"' in body
    assert 'name="resolved_to"' in body
    assert '<option value="missed" selected>超时办结</option>' in body
    assert 'name="top_level" value="1" checked' in body


def test_department_zero_lists_the_cases_without_a_department(desk, cases, client):
    setup(cases["dispatched"], department=desk.gc)
    setup(cases["waiting"], department=desk.kf)
    login(client, desk.w.alice)
    assert listed(client, "queue=open&department=0") == numbers(cases, "new", "child")
    assert listed(client, f"queue=open&department={desk.gc.pk}") == numbers(cases, "dispatched")
    assert '<option value="0" selected>未指定部门</option>' in client.get("/cases/?department=0").content.decode()


def test_field_staff_list_their_finished_jobs_under_all(desk, cases, client):
    login(client, desk.fred)
    q = f"queue=all&assignee={desk.fred.pk}&resolved_from=2026-11-01"
    assert listed(client, q) == numbers(cases, "met")
    assert listed(client, "") == numbers(cases, "dispatched", "waiting")  # still 我的工单 by default
