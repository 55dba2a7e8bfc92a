"""The read paths at scale keep their answers: search by either plan, capped counts that say so, the scope
checked in Python for the case page, the unindexed scope of a list over all of a reader's projects."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from kefu.conftest import login
from kefu.tickets import search, selectors, services, views
from kefu.tickets.models import Case, Category


def cat(code, kind="repair"):
    return Category.objects.get(project__isnull=True, kind=kind, code=code)


@pytest.fixture
def many(desk, new_case):
    """Cases in A (one dispatched to fred, one in 工程部's pool, one in zone A2), one in B, with comments."""
    w = desk.w
    leak = new_case(title="卫生间漏水", description="楼上装修后开始漏水")
    kitchen = new_case(title="厨房漏水", description="水管接头滴水", unit=w.unit_a2, customer=w.cust_a2)
    door = new_case(title="门禁卡失灵", category=cat("ZN-MJ"))
    about = "机房 Router-3 的 IP 是 10.0.0.8，电费 ¥35.5"
    wifi = new_case(title="WiFi 无法连接", description=about, kind="consultation")
    services.case_comment(actor=w.alice, case=door, body="已通知维修工关闭止水阀")
    services.case_dispatch(actor=w.alice, case=leak, assignee=desk.fred, department=desk.gc)
    services.case_dispatch(actor=w.alice, case=kitchen, department=desk.gc, mode="pool")
    office = services.case_create(
        actor=w.bob, project=w.b, kind="repair", channel="phone", title="办公室漏水", unit=w.unit_b
    )
    return [leak, kitchen, door, wifi, office]


QUERIES = ["漏水", "卫生间漏水", "卫生间 漏水", "厨房漏水", "漏水 装修", "门禁", "止水阀", "停电", "wifi", "Router-3",
           "35.5", "10.0.0.8", "OR", '"漏水"', "漏水*", "卫生"]  # fmt: skip


def test_match_words_leave_out_the_parts_of_a_longer_word(desk, new_case):
    assert search.match_words("卫生间漏水") == ["卫生间", "漏水"]
    assert search.query_words("卫生间漏水") == ["卫生", "卫生间", "漏水"]  # the knowledge base's words: unchanged
    case = new_case(title="卫生间漏水")
    assert set(selectors.case_list(user=desk.w.alice, q="卫生").values_list("pk", flat=True)) == {case.pk}


def test_both_search_plans_find_the_same_cases_in_every_scope(desk, many):
    w = desk.w
    for user, q in itertools.product([w.alice, w.bob, w.hera, w.stella, desk.fred, desk.gus, w.mia], QUERIES):
        base = selectors.case_list(user=user)
        dense = set(search.filter_cases(base, q, mode=search.DENSE).values_list("pk", flat=True))
        sparse = set(search.filter_cases(base, q, mode=search.SPARSE).values_list("pk", flat=True))
        chosen = set(selectors.case_list(user=user, q=q).values_list("pk", flat=True))
        assert dense == sparse == chosen, (user.username, q)
        assert chosen <= set(base.values_list("pk", flat=True))  # never wider than the reader's scope
    assert set(selectors.case_list(user=w.alice, q="漏水").values_list("pk", flat=True)) == {many[0].pk, many[1].pk}
    assert set(selectors.case_list(user=w.bob, q="漏水").values_list("pk", flat=True)) == {many[4].pk}
    assert set(selectors.case_list(user=desk.fred, q="漏水").values_list("pk", flat=True)) == {many[0].pk, many[1].pk}


@pytest.mark.parametrize("mode", [search.DENSE, search.SPARSE])
def test_each_plan_keeps_the_newest_first_order(desk, new_case, mode):
    cases = [new_case(title=f"漏水 第{i}次") for i in range(4)]
    base = selectors.case_list(user=desk.w.alice)
    assert list(search.filter_cases(base, "漏水", mode=mode)) == sorted(
        cases, key=lambda c: (c.created_at, c.pk), reverse=True
    )


def test_the_search_page_counts_to_its_cap_and_says_so(desk, new_case, client, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 3)
    cases = [new_case(title=f"卫生间漏水 {i}") for i in range(5)]
    new_case(title="门禁卡失灵", category=cat("ZN-MJ"))
    r = login(client, desk.w.alice).get("/cases/?q=漏水")
    body = r.content.decode()
    assert "超过 3 条" in body and "只列出前 3 条" in body
    newest = sorted(cases, key=lambda c: (c.created_at, c.pk), reverse=True)
    assert [c.number for c in r.context["page"]] == [c.number for c in newest[:3]]
    r = client.get("/cases/?q=门禁")
    assert "共 1 条" in r.content.decode() and r.context["page"].paginator.capped is False
    bob = login(client, desk.w.bob).get("/cases/?q=漏水")
    assert "共 0 条" in bob.content.decode()


def test_the_list_count_is_exact_below_its_cap_and_capped_above(desk, new_case, client, monkeypatch):
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for i in range(2):
        new_case(title=f"漏水 {i}")
    c = login(client, desk.w.alice)
    body = c.get("/cases/").content.decode()
    assert "共 2 条" in body and "第 1 / 1" not in body
    for i in range(3):
        new_case(title=f"门禁 {i}", category=cat("ZN-MJ"))
    r = c.get("/cases/")
    body = r.content.decode()
    assert "超过 3 条" in body and "第 1 / 2+ 页" in body
    assert r.context["page"].paginator.count == 3 and r.context["page"].paginator.capped
    assert len(c.get("/cases/?page=2").context["page"].object_list) == 1  # the pages end at the cap
    assert "共 2 条" in c.get("/cases/?q=漏水").content.decode()


def test_list_pages_read_ids_first_are_the_filtered_list_in_order(desk, new_case, client, monkeypatch):
    """A page is read as ids, then rows: each page holds the next cases of the filtered list, newest first,
    with what a row shows, and no case twice or missing."""
    monkeypatch.setattr(views, "PER_PAGE", 2)
    w = desk.w
    repairs = [new_case(title=f"漏水 {i}") for i in range(4)]
    new_case(title="WiFi", kind="consultation")
    services.case_dispatch(actor=w.alice, case=repairs[1], assignee=desk.fred, department=desk.gc)
    c = login(client, desk.w.hera)  # head office: all projects
    seen = []
    for page in (1, 2):
        r = c.get(f"/cases/?queue=open&kind=repair&page={page}")
        rows = r.context["page"].object_list
        assert r.context["page"].paginator.num_pages == 2
        seen += [case.pk for case in rows]
        if page == 2:
            assert [case.title for case in rows] == ["漏水 1", "漏水 0"]
            assert rows[0].assignee == desk.fred and rows[0].department == desk.gc
    assert seen == [case.pk for case in reversed(repairs)]
    assert "漏水 1" in c.get("/cases/?queue=open&kind=repair&page=2").content.decode()


def test_case_visible_is_the_scope_query_in_python(desk, many):
    w = desk.w
    users = [w.alice, w.sam, w.mia, w.stella, w.fred, desk.gus, w.quinn, w.archie, w.carl, w.bob, w.mike, w.hera]
    for user in users:
        for case in Case.objects.all():
            expected = Case.objects.filter(selectors.case_scope_q(user), pk=case.pk).exists()
            assert selectors.case_visible(user, case) is expected, (user.username, case.title)
    assert selectors.case_get(user=desk.gus, number=many[1].number) == many[1]  # 工程部's pool
    with pytest.raises(Exception, match="未找到该工单"):
        selectors.case_get(user=w.bob, number=many[0].number)


def test_a_list_over_all_of_a_readers_projects_keeps_its_scope_in_every_form(desk, many):
    w = desk.w
    for user in [w.alice, w.mia, w.stella, desk.fred, desk.gus, w.bob, w.hera]:
        listed = list(selectors.case_list(user=user))
        scope = set(Case.objects.filter(selectors.case_scope_q(user)).values_list("pk", flat=True))
        assert {c.pk for c in listed} == scope, user.username
        assert listed == sorted(listed, key=lambda c: (c.created_at, c.pk), reverse=True)
        assert selectors.case_list(user=user).count() == len(scope)
        by_status = selectors.case_list(user=user).order_by().values("status").annotate(n=Count("pk"))
        assert sum(r["n"] for r in by_status) == len(scope)
    listing = str(selectors.case_list(user=w.alice).query)
    counting = str(selectors.case_list(user=w.alice).order_by().values("pk").query)
    if connection.vendor == "sqlite":  # the list is read newest first; a count keeps the scope's indexes
        assert '(+"tickets_case"."project_id")' in listing
    assert "(+" not in counting
    assert "(+" not in str(selectors.case_list(user=desk.fred).query)  # his own few cases: through the indexes


def test_the_case_page_and_the_list_read_a_fixed_number_of_times(desk, many, client):
    c = login(client, desk.w.alice)
    with CaptureQueriesContext(connection) as page:
        assert c.get(f"/cases/{many[0].number}/").status_code == 200
    with CaptureQueriesContext(connection) as listing:
        assert c.get("/cases/").status_code == 200
    assert len(page.captured_queries) <= 18, [q["sql"][:80] for q in page.captured_queries]
    # the list's page: its ids, then its rows by id (so that a sort can be done in an index alone)
    assert len(listing.captured_queries) <= 14, [q["sql"][:80] for q in listing.captured_queries]
