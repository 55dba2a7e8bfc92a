"""Desk settings pages: categories, SLA policies, the calendar. Who may see and change what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kefu.conftest import login
from kefu.core.errors import Forbidden, ValidationFailed
from kefu.tickets import calendar, settings_services
from kefu.tickets.models import CalendarDay, CalendarYear, Category, SlaPolicy

PAGES = ["desk_settings:categories", "desk_settings:policies", "desk_settings:calendar"]


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.parametrize("page", PAGES)
def test_managers_and_head_office_see_the_pages_others_get_404(client, world, page):
    for user in (world.mia, world.hera):
        assert login(client, user).get(reverse(page)).status_code == 200
    for user in (world.alice, world.sam, world.fred, world.carl):
        assert login(client, user).get(reverse(page)).status_code == 404


def test_index_redirects_to_categories(client, world):
    r = login(client, world.mia).get("/desk/settings/")
    assert r.status_code == 302 and r["Location"] == reverse("desk_settings:categories")


def test_writes_are_post_only_and_refused_to_others(client, world):
    cat = Category.objects.get(project__isnull=True, kind="repair", code="SD")
    assert login(client, world.mia).get(reverse("desk_settings:category_toggle", args=[cat.pk])).status_code == 405
    r = login(client, world.sam).post(reverse("desk_settings:category_toggle", args=[cat.pk]), {"active": "0"})
    assert r.status_code == 404
    cat.refresh_from_db()
    assert cat.is_active


# Categories ------------------------------------------------------------------------------------


def test_project_manager_adds_a_project_category_under_a_shared_parent(client, world):
    parent = Category.objects.get(project__isnull=True, kind="repair", code="SD")
    c = login(client, world.mia)
    page = c.get(reverse("desk_settings:categories"), {"kind": "repair"})
    assert "通用分类（全部项目）" in page.content.decode() and "只读" in page.content.decode()
    r = c.post(
        reverse("desk_settings:category_create"),
        {"kind": "repair", "scope": "project", "parent": parent.pk, "code": "SD-DX", "name": "地下室渗水", "sort": 5},
    )
    assert r.status_code == 302, r.content.decode()
    new = Category.objects.get(code="SD-DX")
    assert (new.project, new.parent, new.trade) == (world.a, parent, "水电")


def test_project_manager_cannot_change_shared_categories(client, world):
    shared = Category.objects.get(project__isnull=True, kind="repair", code="SD")
    c = login(client, world.mia)
    r = c.post(
        reverse("desk_settings:category_create"), {"kind": "repair", "scope": "shared", "code": "X", "name": "X"}
    )
    assert r.status_code == 404
    assert not Category.objects.filter(code="X").exists()
    r = c.post(reverse("desk_settings:category_edit", args=[shared.pk]), {"name": "改名"})
    assert r.status_code == 404
    r = c.post(reverse("desk_settings:category_toggle", args=[shared.pk]), {"active": "0"})
    shared.refresh_from_db()
    assert shared.is_active and shared.name == "水电"
    assert "通用设置只能由总部修改" in _messages(c.get(r["Location"]))[0]


def test_head_office_renames_sets_trade_and_department_then_deactivates(client, world):
    from kefu import testing as t

    ho_dept = t.DepartmentFactory(project=None, code="ZB", name="总部工程部")
    shared = Category.objects.get(project__isnull=True, kind="repair", code="TJ")
    c = login(client, world.hera)
    r = c.post(
        reverse("desk_settings:category_edit", args=[shared.pk]),
        {"name": "土建工程", "trade": "土建", "default_department": ho_dept.pk, "sort": 1, "is_active": "on"},
    )
    assert r.status_code == 302
    shared.refresh_from_db()
    assert (shared.name, shared.default_department) == ("土建工程", ho_dept)
    c.post(reverse("desk_settings:category_toggle", args=[shared.pk]), {"active": "0"})
    shared.refresh_from_db()
    assert not shared.is_active


def test_category_validation(world):
    with pytest.raises(ValidationFailed):  # duplicate code
        settings_services.category_create(actor=world.hera, project=None, kind="repair", code="SD", name="重复")
    other_kind = Category.objects.get(project__isnull=True, kind="complaint", code="FW")
    with pytest.raises(ValidationFailed):
        settings_services.category_create(
            actor=world.hera, project=None, kind="repair", code="Q", name="Q", parent=other_kind
        )
    b_cat = settings_services.category_create(actor=world.mike, project=world.b, kind="repair", code="B1", name="B")
    with pytest.raises(ValidationFailed):  # a parent from another project
        settings_services.category_create(
            actor=world.mia, project=world.a, kind="repair", code="A1", name="A", parent=b_cat
        )
    with pytest.raises(Forbidden):
        settings_services.category_create(actor=world.mia, project=world.b, kind="repair", code="A2", name="A")


# SLA policies ---------------------------------------------------------------------------------------


POLICY = {
    "name": "A 投诉：2个工作日",
    "kind": "complaint",
    "priority": "",
    "first_reply_hours": "12",
    "resolution_value": "2",
    "resolution_unit": "working_days",
    "warn_percent": "70",
    "escalate_multiples": "1，2",
    "is_active": "on",
}


def test_project_manager_creates_a_project_policy_used_for_new_cases(client, world):
    c = login(client, world.mia)
    assert c.get(reverse("desk_settings:policy_create"), {"scope": "project"}).status_code == 200
    assert c.get(reverse("desk_settings:policy_create"), {"scope": "shared"}).status_code == 404
    r = c.post(reverse("desk_settings:policy_create"), {**POLICY, "scope": "project"})
    assert r.status_code == 302, r.content.decode()
    p = SlaPolicy.objects.get(name=POLICY["name"])
    assert (p.project, p.escalate_multiples, p.first_reply_hours) == (world.a, "1,2", 12)
    from kefu.tickets import sla

    assert sla.policy_for(project_id=world.a.pk, kind="complaint") == p
    assert sla.policy_for(project_id=world.b.pk, kind="complaint") != p
    listing = c.get(reverse("desk_settings:policies")).content.decode()
    assert POLICY["name"] in listing and "投诉：24小时答复" in listing


@pytest.mark.parametrize(
    ("field", "value"),
    [("escalate_multiples", "2,1"), ("escalate_multiples", "abc"), ("escalate_multiples", "0.5"),
     ("warn_percent", "100"), ("resolution_value", "0"), ("name", "")],
)  # fmt: skip
def test_bad_policy_input_changes_nothing(client, world, field, value):
    before = SlaPolicy.objects.count()
    r = login(client, world.hera).post(reverse("desk_settings:policy_create"), {**POLICY, field: value})
    assert r.status_code == 200
    assert SlaPolicy.objects.count() == before
    assert "errorlist" in r.content.decode()


def test_category_of_another_kind_is_refused(world):
    leak = Category.objects.get(project__isnull=True, kind="repair", code="SD-LS")
    with pytest.raises(ValidationFailed):
        settings_services.sla_policy_create(
            actor=world.hera, project=None, name="x", kind="complaint", category=leak, resolution_value=1,
            resolution_unit="hours", warn_percent=80, escalate_multiples="1",
        )  # fmt: skip


def test_shared_policy_is_read_only_for_project_managers(client, world):
    shared = SlaPolicy.objects.get(kind="complaint", project__isnull=True)
    c = login(client, world.mia)
    page = c.get(reverse("desk_settings:policy_edit", args=[shared.pk]))
    assert page.status_code == 200 and "只能查看" in page.content.decode()
    assert c.post(reverse("desk_settings:policy_edit", args=[shared.pk]), POLICY).status_code == 404
    r = login(client, world.hera).post(
        reverse("desk_settings:policy_edit", args=[shared.pk]), {**POLICY, "name": "投诉：新标准"}
    )
    assert r.status_code == 302
    shared.refresh_from_db()
    assert (shared.name, shared.resolution_value) == ("投诉：新标准", 2)
    mikes = SlaPolicy.objects.create(project=world.b, name="B", kind="repair", resolution_value=1)
    assert login(client, world.mia).get(reverse("desk_settings:policy_edit", args=[mikes.pk])).status_code == 404


# The calendar ---------------------------------------------------------------------------------------


def test_calendar_lists_the_year_and_warns_for_a_missing_year(client, world):
    c = login(client, world.mia)
    page = c.get(reverse("desk_settings:calendar"), {"year": 2026}).content.decode()
    assert "国庆节调休上班" in page and "2026-10-10" in page
    page = c.get(reverse("desk_settings:calendar"), {"year": 2027}).content.decode()
    assert "2027 年的法定节假日安排尚未录入" in page
    assert "msg-error" in page


def test_enter_a_new_year_and_the_deadlines_follow(client, world):
    c = login(client, world.mia)
    for day, work, name in [("2027-10-01", "0", "国庆节"), ("2027-10-04", "0", "国庆节"), ("2027-09-26", "1", "")]:
        r = c.post(reverse("desk_settings:day_save"), {"date": day, "is_workday": work, "name": name})
        assert r.status_code == 302
    assert not calendar.is_workday(dt.date(2027, 10, 1))
    assert calendar.is_workday(dt.date(2027, 9, 26))
    assert CalendarDay.objects.get(date="2027-09-26").name == "调休上班"
    assert calendar.year_missing(2027)
    c.post(reverse("desk_settings:year_mark"), {"year": 2027, "entered": "1"})
    assert not calendar.year_missing(2027)
    assert CalendarYear.objects.get(year=2027).source == "手工录入"
    page = c.get(reverse("desk_settings:calendar"), {"year": 2027}).content.decode()
    assert "尚未录入：目前" not in page
    # edit a day, then delete it
    day = CalendarDay.objects.get(date="2027-10-04")
    r = c.post(
        reverse("desk_settings:day_edit", args=[day.pk]), {"date": "2027-10-05", "is_workday": "0", "name": "国庆节"}
    )
    assert r.status_code == 302
    assert calendar.is_workday(dt.date(2027, 10, 4)) and not calendar.is_workday(dt.date(2027, 10, 5))
    c.post(reverse("desk_settings:day_delete", args=[CalendarDay.objects.get(date="2027-10-05").pk]))
    assert calendar.is_workday(dt.date(2027, 10, 5))
    c.post(reverse("desk_settings:year_mark"), {"year": 2027, "entered": "0"})
    assert calendar.year_missing(2027)


def test_calendar_refused_to_non_managers(world):
    with pytest.raises(Forbidden):
        settings_services.calendar_day_set(actor=world.sam, date=dt.date(2027, 1, 1), is_workday=False)
    with pytest.raises(Forbidden):
        settings_services.calendar_year_mark(actor=world.alice, year=2027, entered=True)
