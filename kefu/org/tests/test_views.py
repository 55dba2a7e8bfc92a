"""Organisation pages: who may see them, who may change what, and that bad input changes nothing."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kefu import testing as t
from kefu.conftest import login
from kefu.org import services
from kefu.org.models import Department, Membership, Project, User, Zone
from kefu.org.roles import Role

PAGES = ["org:projects", "org:departments", "org:staff"]


def _xlsx_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _all_projects(client):
    """Choose 全部项目 at the top (otherwise the first visible project is current)."""
    session = client.session
    session["kefu_project"] = "all"
    session.save()
    return client


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# Who may see the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["alice", "sam", "mia", "stella", "fred", "quinn", "archie", "carl", "bob", "hera"])
def test_it_shows_org_pages_to_every_staff_role(client, world, page, who):
    login(client, getattr(world, who))
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_it_hides_org_pages_from_a_person_without_a_role(client, world, page):
    login(client, t.UserFactory(username="nobody"))
    assert client.get(reverse(page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_login(client, world, page):
    r = client.get(reverse(page))
    assert r.status_code == 302
    assert "/login/" in r["Location"]


# Projects and zones -----------------------------------------------------------------------------


def test_it_lists_projects_with_their_zones(client, world):
    login(client, world.alice)
    r = client.get(reverse("org:projects"))
    body = r.content.decode()
    assert "阳光花园" in body and "一区" in body and "二区" in body
    assert "中心大厦" not in body
    assert reverse("org:project_edit", args=[world.a.pk]) not in body  # alice cannot manage
    assert reverse("org:project_create") not in body


def test_it_shows_manage_links_to_the_projects_manager_only(client, world):
    login(client, world.mia)
    body = client.get(reverse("org:projects")).content.decode()
    assert reverse("org:project_edit", args=[world.a.pk]) in body
    assert reverse("org:zone_create", args=[world.a.pk]) in body
    assert reverse("org:project_create") not in body  # only head office creates projects


def test_it_lets_head_office_see_every_project(client, world):
    _all_projects(login(client, world.hera))
    body = client.get(reverse("org:projects")).content.decode()
    assert "阳光花园" in body and "中心大厦" in body
    assert reverse("org:project_create") in body


def test_it_exports_projects_and_zones(client, world):
    login(client, world.alice)
    rows = _xlsx_rows(client.get(reverse("org:projects"), {"export": "xlsx"}))
    assert rows[0][:2] == ["项目编码", "项目名称"]
    assert {(r[0], r[5]) for r in rows[1:]} == {("A", "A1"), ("A", "A2")}


def test_it_lets_head_office_create_a_project(client, world):
    login(client, world.hera)
    r = client.post(reverse("org:project_create"), {"code": "C", "name": "滨江壹号", "kind": "residential"})
    assert r.status_code == 302
    assert Project.objects.filter(code="C", name="滨江壹号").exists()


def test_it_refuses_a_project_from_a_manager(client, world):
    login(client, world.mia)
    r = client.post(reverse("org:project_create"), {"code": "C", "name": "滨江壹号", "kind": "residential"})
    assert r.status_code == 200
    assert services.MSG_FORBIDDEN in r.content.decode()
    assert not Project.objects.filter(code="C").exists()


def test_it_refuses_a_duplicate_project_code(client, world):
    login(client, world.hera)
    r = client.post(reverse("org:project_create"), {"code": "A", "name": "重复", "kind": "residential"})
    assert r.status_code == 200
    assert r.context["form"].errors["code"]
    assert Project.objects.filter(code="A").count() == 1


def test_it_lets_a_manager_edit_their_project(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:project_edit", args=[world.a.pk]),
        {"name": "阳光花园二期", "kind": "residential", "address": "中山路1号", "phone": "0571-1234"},
    )
    assert r.status_code == 302
    world.a.refresh_from_db()
    assert (world.a.name, world.a.address) == ("阳光花园二期", "中山路1号")


def test_it_ignores_is_active_from_a_manager(client, world):
    login(client, world.mia)
    r = client.get(reverse("org:project_edit", args=[world.a.pk]))
    assert "is_active" not in r.context["form"].fields
    client.post(reverse("org:project_edit", args=[world.a.pk]), {"name": "阳光花园", "kind": "residential"})
    world.a.refresh_from_db()
    assert world.a.is_active


def test_it_refuses_an_agent_editing_the_project(client, world):
    login(client, world.alice)
    r = client.post(reverse("org:project_edit", args=[world.a.pk]), {"name": "改名", "kind": "residential"})
    assert r.status_code == 200
    assert services.MSG_FORBIDDEN in r.content.decode()
    world.a.refresh_from_db()
    assert world.a.name == "阳光花园"


def test_it_hides_another_projects_edit_page(client, world):
    login(client, world.mia)
    assert client.get(reverse("org:project_edit", args=[world.b.pk])).status_code == 404
    assert (
        client.post(reverse("org:project_edit", args=[world.b.pk]), {"name": "x", "kind": "office"}).status_code == 404
    )
    world.b.refresh_from_db()
    assert world.b.name == "中心大厦"


def test_it_lets_a_manager_create_a_zone(client, world):
    login(client, world.mia)
    r = client.post(reverse("org:zone_create", args=[world.a.pk]), {"code": "A3", "name": "三区"})
    zone = Zone.objects.get(project=world.a, code="A3")
    assert r.status_code == 302 and r["Location"] == reverse("org:zone", args=[zone.pk])


def test_it_refuses_a_zone_from_a_supervisor(client, world):
    login(client, world.sam)
    r = client.post(reverse("org:zone_create", args=[world.a.pk]), {"code": "A3", "name": "三区"})
    assert services.MSG_FORBIDDEN in r.content.decode()
    assert not Zone.objects.filter(code="A3").exists()


def test_it_hides_another_projects_zone_from_a_manager(client, world):
    b1 = t.ZoneFactory(project=world.b, code="B1", name="B一区")
    login(client, world.mia)
    assert client.get(reverse("org:zone", args=[b1.pk])).status_code == 404
    assert client.post(reverse("org:zone_edit", args=[b1.pk]), {"name": "改"}).status_code == 404
    assert client.post(reverse("org:zone_assign", args=[b1.pk]), {"building": 1}).status_code == 404
    assert client.post(reverse("org:zone_create", args=[world.b.pk]), {"code": "B2", "name": "x"}).status_code == 404
    b1.refresh_from_db()
    assert b1.name == "B一区"
    assert not Zone.objects.filter(code="B2").exists()


def test_it_lets_a_manager_edit_a_zone(client, world):
    login(client, world.mia)
    r = client.post(reverse("org:zone_edit", args=[world.a1.pk]), {"name": "东区", "description": "1-3栋"})
    assert r.status_code == 302
    world.a1.refresh_from_db()
    assert (world.a1.name, world.a1.description) == ("东区", "1-3栋")


def test_it_shows_a_zone_read_only_to_an_agent(client, world):
    login(client, world.alice)
    r = client.get(reverse("org:zone", args=[world.a1.pk]))
    assert r.status_code == 200
    assert reverse("org:zone_edit", args=[world.a1.pk]) not in r.content.decode()
    r = client.post(reverse("org:zone_edit", args=[world.a1.pk]), {"name": "东区"})
    assert services.MSG_FORBIDDEN in r.content.decode()
    world.a1.refresh_from_db()
    assert world.a1.name == "一区"


def test_it_refuses_zone_edit_by_get(client, world):
    login(client, world.mia)
    assert client.get(reverse("org:zone_edit", args=[world.a1.pk])).status_code == 405
    assert client.get(reverse("org:zone_assign", args=[world.a1.pk])).status_code == 405


def test_it_assigns_a_buildings_units_to_a_zone(client, world):
    building = world.unit_a2.building
    extra = t.UnitFactory(building=building, number="0802")
    login(client, world.mia)
    r = client.post(reverse("org:zone_assign", args=[world.a1.pk]), {"building": building.pk})
    assert r.status_code == 302
    world.unit_a2.refresh_from_db()
    extra.refresh_from_db()
    # "only units in no zone" is not ticked, so the unit of zone A2 moves too
    assert world.unit_a2.zone == world.a1 and extra.zone == world.a1
    assert "已将 2栋 的 2 套房屋划入一区" in _messages(client.get(reverse("org:zone", args=[world.a1.pk])))


def test_it_assigns_only_unzoned_units_when_asked(client, world):
    building = world.unit_a2.building
    extra = t.UnitFactory(building=building, number="0802")
    login(client, world.mia)
    client.post(reverse("org:zone_assign", args=[world.a1.pk]), {"building": building.pk, "only_unzoned": "on"})
    world.unit_a2.refresh_from_db()
    extra.refresh_from_db()
    assert world.unit_a2.zone == world.a2 and extra.zone == world.a1


def test_it_refuses_a_building_of_another_project(client, world):
    login(client, world.mia)
    r = client.post(reverse("org:zone_assign", args=[world.a1.pk]), {"building": world.unit_b.building_id})
    assert r.status_code == 200
    assert r.context["assign_form"].errors["building"]
    world.unit_b.refresh_from_db()
    assert world.unit_b.zone is None


def test_it_refuses_unit_assignment_by_an_agent(client, world):
    login(client, world.alice)
    r = client.post(reverse("org:zone_assign", args=[world.a1.pk]), {"building": world.unit_a2.building_id})
    assert r.status_code == 200
    assert services.MSG_FORBIDDEN in r.content.decode()
    world.unit_a2.refresh_from_db()
    assert world.unit_a2.zone == world.a2


# Departments ------------------------------------------------------------------------------------


@pytest.fixture
def depts(world):
    svc = t.DepartmentFactory(project=world.a, code="KF", name="客服部")
    eng = t.DepartmentFactory(project=world.a, code="GC", name="工程部")
    plumbing = t.DepartmentFactory(project=world.a, code="SD", name="水电班", parent=eng, trade="水电")
    b_dept = t.DepartmentFactory(project=world.b, code="KF", name="大厦客服部")
    head = t.DepartmentFactory(project=None, code="ZB", name="总部品质部")
    Membership.objects.filter(user=world.fred).update(department=plumbing)
    return type("D", (), {"svc": svc, "eng": eng, "plumbing": plumbing, "b": b_dept, "head": head})


def test_it_shows_the_department_tree_with_member_counts(client, world, depts):
    login(client, world.alice)
    r = client.get(reverse("org:departments"))
    tree = r.context["tree"]
    flat = {d.name: (depth, d.member_count) for _, rows in tree for d, depth, _ in rows}
    assert flat == {"客服部": (0, 0), "工程部": (0, 0), "水电班": (1, 1), "总部品质部": (0, 0)}
    body = r.content.decode()
    assert "大厦客服部" not in body
    assert reverse("org:department_edit", args=[depts.svc.pk]) not in body


def test_it_shows_department_edit_links_to_the_manager(client, world, depts):
    login(client, world.mia)
    body = client.get(reverse("org:departments")).content.decode()
    assert reverse("org:department_edit", args=[depts.svc.pk]) in body
    assert reverse("org:department_edit", args=[depts.head.pk]) not in body  # head office's own


def test_it_exports_departments(client, world, depts):
    login(client, world.alice)
    rows = _xlsx_rows(client.get(reverse("org:departments"), {"export": "xlsx"}))
    assert rows[0] == ["所属项目", "部门编码", "部门名称", "层级", "上级部门", "专业", "排序", "人数"]
    assert ["阳光花园", "SD", "水电班", 2, "工程部", "水电", 0, 1] in rows
    assert all(r[2] != "大厦客服部" for r in rows)


def test_it_lets_a_manager_create_a_department(client, world, depts):
    login(client, world.mia)
    r = client.post(
        reverse("org:department_create"),
        {"project": world.a.pk, "code": "TJ", "name": "土建班", "parent": depts.eng.pk, "trade": "土建"},
    )
    assert r.status_code == 302
    assert Department.objects.get(project=world.a, code="TJ").parent == depts.eng


def test_it_refuses_a_parent_from_another_project(client, world, depts):
    login(client, world.hera)  # current project A: A's and head office's departments are offered as parents
    r = client.post(
        reverse("org:department_create"),
        {"project": world.a.pk, "code": "TJ", "name": "土建班", "parent": depts.head.pk},
    )
    assert r.context["form"].errors["parent"] == [services.MSG_DEPT_OTHER_PROJECT]
    assert not Department.objects.filter(code="TJ").exists()


def test_it_shows_every_department_to_head_office(client, world, depts):
    _all_projects(login(client, world.hera))
    r = client.get(reverse("org:departments"))
    assert r.context["count"] == 5
    assert client.get(reverse("org:department_edit", args=[depts.b.pk])).status_code == 200


def test_it_refuses_a_department_in_another_project(client, world, depts):
    login(client, world.mia)
    r = client.post(reverse("org:department_create"), {"project": world.b.pk, "code": "TJ", "name": "土建班"})
    assert r.status_code == 200
    assert "project" in r.context["form"].errors  # B is not among mia's choices
    assert not Department.objects.filter(code="TJ").exists()


def test_it_refuses_a_head_office_department_from_a_manager(client, world, depts):
    login(client, world.mia)
    r = client.post(reverse("org:department_create"), {"project": "", "code": "ZB2", "name": "总部财务部"})
    assert "project" in r.context["form"].errors
    assert not Department.objects.filter(code="ZB2").exists()


def test_it_lets_head_office_create_a_head_office_department(client, world, depts):
    login(client, world.hera)
    r = client.post(reverse("org:department_create"), {"project": "", "code": "ZB2", "name": "总部财务部"})
    assert r.status_code == 302
    assert Department.objects.get(code="ZB2").project is None


def test_it_refuses_a_department_cycle_in_the_form(client, world, depts):
    login(client, world.mia)
    r = client.post(
        reverse("org:department_edit", args=[depts.eng.pk]), {"name": "工程部", "parent": depts.plumbing.pk}
    )
    assert r.status_code == 200
    assert r.context["form"].errors["parent"] == [services.MSG_DEPT_CYCLE]
    depts.eng.refresh_from_db()
    assert depts.eng.parent is None


def test_it_lets_a_manager_move_a_department(client, world, depts):
    login(client, world.mia)
    r = client.post(
        reverse("org:department_edit", args=[depts.plumbing.pk]),
        {"name": "水电组", "parent": depts.svc.pk, "trade": "水电", "sort": "3"},
    )
    assert r.status_code == 302
    depts.plumbing.refresh_from_db()
    assert (depts.plumbing.name, depts.plumbing.parent, depts.plumbing.sort) == ("水电组", depts.svc, 3)


def test_it_refuses_department_edit_by_an_agent(client, world, depts):
    login(client, world.alice)
    r = client.post(reverse("org:department_edit", args=[depts.svc.pk]), {"name": "改名"})
    assert services.MSG_FORBIDDEN in r.content.decode()
    depts.svc.refresh_from_db()
    assert depts.svc.name == "客服部"


def test_it_hides_another_projects_department(client, world, depts):
    login(client, world.mia)
    assert client.get(reverse("org:department_edit", args=[depts.b.pk])).status_code == 404
    assert client.post(reverse("org:department_edit", args=[depts.b.pk]), {"name": "x"}).status_code == 404
    depts.b.refresh_from_db()
    assert depts.b.name == "大厦客服部"


# Staff ------------------------------------------------------------------------------------------


def _names(response):
    return {p.username for p, _ in response.context["people"]}


def test_it_lists_only_staff_of_visible_projects(client, world):
    login(client, world.alice)
    r = client.get(reverse("org:staff"))
    assert _names(r) == {"alice", "sam", "mia", "stella", "fred", "quinn", "archie", "carl"}
    assert "共 8 条" in r.content.decode()


def test_it_lists_b_staff_to_bob(client, world):
    login(client, world.bob)
    assert _names(client.get(reverse("org:staff"))) == {"bob", "mike"}


def test_it_filters_staff_by_name_role_and_project(client, world):
    login(client, world.hera)
    assert _names(client.get(reverse("org:staff"), {"project": "", "role": "manager"})) == {"mia", "mike"}
    assert _names(client.get(reverse("org:staff"), {"project": world.b.pk})) == {"bob", "mike"}
    assert _names(client.get(reverse("org:staff"), {"project": "", "q": "ali"})) == {"alice"}
    assert _names(client.get(reverse("org:staff"), {"project": "", "role": "head_office"})) == {"hera"}


def test_it_ignores_a_project_filter_outside_the_users_scope(client, world):
    login(client, world.alice)
    assert "bob" not in _names(client.get(reverse("org:staff"), {"project": world.b.pk}))


def test_it_shows_each_persons_roles_as_tags(client, world):
    services.membership_add(actor=world.hera, user=world.alice, role=Role.AGENT, project=world.b)
    login(client, world.hera)
    r = client.get(reverse("org:staff"), {"project": "", "q": "alice"})
    [(_person, roles)] = r.context["people"]
    assert {(m.project.code, m.role) for m in roles} == {("A", "agent"), ("B", "agent")}
    assert "中心大厦 · 客服专员/前台" in r.content.decode()


def test_it_hides_roles_in_projects_the_viewer_cannot_see(client, world):
    services.membership_add(actor=world.hera, user=world.alice, role=Role.AGENT, project=world.b)
    login(client, world.mia)
    r = client.get(reverse("org:staff"), {"q": "alice"})
    [(_person, roles)] = r.context["people"]
    assert [m.project.code for m in roles] == ["A"]
    assert "中心大厦" not in r.content.decode()


def test_it_exports_staff_with_filters(client, world):
    login(client, world.alice)
    rows = _xlsx_rows(client.get(reverse("org:staff"), {"export": "xlsx", "role": "manager"}))
    assert rows[0] == ["工号", "姓名", "登录名", "手机", "邮箱", "岗位", "在岗", "账号状态"]
    assert [r[2] for r in rows[1:]] == ["mia"]
    assert rows[1][5] == "阳光花园·客服经理"


def test_it_creates_staff_with_a_first_role(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:staff_create"),
        {
            "username": "lily",
            "name": "李丽",
            "password": "Huayuan-2026!",
            "employee_no": "A-007",
            "role": "steward",
            "project": world.a.pk,
            "zones": [world.a2.pk],
        },
    )
    lily = User.objects.get(username="lily")
    assert r.status_code == 302 and r["Location"] == reverse("org:staff_detail", args=[lily.pk])
    assert lily.check_password("Huayuan-2026!")
    m = lily.memberships.get()
    assert (m.project, m.role, list(m.zones.all())) == (world.a, "steward", [world.a2])


def test_it_refuses_a_weak_password_in_chinese(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:staff_create"),
        {"username": "lily", "name": "李丽", "password": "123", "role": "agent", "project": world.a.pk},
    )
    assert r.status_code == 200
    errors = r.context["form"].errors["password"]
    assert any("密码" in e for e in errors)
    assert not User.objects.filter(username="lily").exists()


def test_it_creates_nobody_when_the_first_role_is_refused(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:staff_create"),
        {"username": "lily", "name": "李丽", "password": "Huayuan-2026!", "role": "steward", "project": world.a.pk,
         "zones": [t.ZoneFactory(project=world.b).pk]},
    )  # fmt: skip
    assert r.status_code == 200
    assert "zones" in r.context["form"].errors  # B's zone is not offered to mia
    assert not User.objects.filter(username="lily").exists()


def test_it_rolls_back_the_person_when_the_service_refuses_the_role(client, world):
    login(client, world.hera)
    r = client.post(
        reverse("org:staff_create"),
        {"username": "lily", "name": "李丽", "password": "Huayuan-2026!", "role": "steward", "project": world.a.pk,
         "zones": [t.ZoneFactory(project=world.b, code="B9").pk]},
    )  # fmt: skip
    assert r.context["form"].errors["zones"] == [services.MSG_ZONE_OTHER_PROJECT]
    assert not User.objects.filter(username="lily").exists()


def test_it_refuses_a_taken_username(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:staff_create"),
        {"username": "ALICE", "name": "另一个", "password": "Huayuan-2026!", "role": "agent", "project": world.a.pk},
    )
    assert r.context["form"].errors["username"] == [services.MSG_USERNAME_TAKEN]


def test_it_refuses_staff_creation_by_an_agent(client, world):
    login(client, world.alice)
    r = client.post(
        reverse("org:staff_create"),
        {"username": "lily", "name": "李丽", "password": "Huayuan-2026!", "role": "agent", "project": world.a.pk},
    )
    assert r.status_code == 200
    assert not User.objects.filter(username="lily").exists()


def test_it_offers_the_head_office_role_to_head_office_only(client, world):
    login(client, world.mia)
    roles = dict(client.get(reverse("org:staff_create")).context["form"].fields["role"].choices)
    assert "head_office" not in roles
    login(client, world.hera)
    roles = dict(client.get(reverse("org:staff_create")).context["form"].fields["role"].choices)
    assert "head_office" in roles


def test_it_shows_a_persons_page(client, world):
    login(client, world.alice)
    r = client.get(reverse("org:staff_detail", args=[world.fred.pk]))
    assert r.status_code == 200
    assert not r.context["may_edit"]
    assert reverse("org:staff_edit", args=[world.fred.pk]) not in r.content.decode()


def test_it_hides_other_projects_staff(client, world):
    login(client, world.alice)
    assert client.get(reverse("org:staff_detail", args=[world.bob.pk])).status_code == 404
    assert client.get(reverse("org:staff_detail", args=[world.hera.pk])).status_code == 404
    login(client, world.bob)
    assert client.get(reverse("org:staff_detail", args=[world.alice.pk])).status_code == 404


def test_it_lets_a_manager_edit_a_person(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:staff_edit", args=[world.fred.pk]),
        {"name": "傅师傅", "employee_no": "W-01", "mobile": "13600000000", "on_duty": "on", "is_active": "on"},
    )
    assert r.status_code == 302
    world.fred.refresh_from_db()
    assert (world.fred.name, world.fred.employee_no, world.fred.on_duty) == ("傅师傅", "W-01", True)


def test_it_refuses_editing_a_person_who_also_works_elsewhere(client, world):
    services.membership_add(actor=world.hera, user=world.fred, role=Role.FIELD_STAFF, project=world.b)
    login(client, world.mia)
    r = client.post(reverse("org:staff_edit", args=[world.fred.pk]), {"name": "改名", "is_active": "on"})
    assert services.MSG_FORBIDDEN in r.content.decode()
    world.fred.refresh_from_db()
    assert world.fred.name != "改名"


def test_it_refuses_editing_by_get_and_by_an_agent(client, world):
    login(client, world.alice)
    assert client.get(reverse("org:staff_edit", args=[world.fred.pk])).status_code == 405
    r = client.post(reverse("org:staff_edit", args=[world.fred.pk]), {"name": "改名", "is_active": "on"})
    assert services.MSG_FORBIDDEN in r.content.decode()
    world.fred.refresh_from_db()
    assert world.fred.name != "改名"


def test_it_adds_a_role_in_another_project(client, world):
    login(client, world.hera)
    r = client.post(reverse("org:role_add", args=[world.alice.pk]), {"role": "agent", "project": world.b.pk})
    assert r.status_code == 302
    assert set(world.alice.memberships.values_list("project__code", flat=True)) == {"A", "B"}


def test_it_refuses_a_duplicate_role(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:role_add", args=[world.alice.pk]), {"role": "agent", "project": world.a.pk}, follow=True
    )
    assert services.MSG_ROLE_EXISTS in _messages(r)
    assert world.alice.memberships.count() == 1


def test_it_refuses_a_role_in_a_project_the_manager_does_not_run(client, world):
    login(client, world.mia)
    r = client.post(
        reverse("org:role_add", args=[world.alice.pk]), {"role": "agent", "project": world.b.pk}, follow=True
    )
    assert r.status_code == 200
    assert not world.alice.memberships.filter(project=world.b).exists()


def test_it_changes_a_stewards_zones(client, world):
    m = world.stella.memberships.get()
    login(client, world.mia)
    r = client.post(reverse("org:role_edit", args=[m.pk]), {f"m{m.pk}-zones": [world.a1.pk, world.a2.pk]})
    assert r.status_code == 302
    assert set(m.zones.all()) == {world.a1, world.a2}


def test_it_refuses_role_changes_by_an_agent(client, world):
    m = world.stella.memberships.get()
    login(client, world.alice)
    r = client.post(reverse("org:role_edit", args=[m.pk]), {f"m{m.pk}-zones": [world.a2.pk]}, follow=True)
    assert services.MSG_FORBIDDEN in _messages(r)
    assert list(m.zones.all()) == [world.a1]
    r = client.post(reverse("org:role_end", args=[m.pk]), follow=True)
    assert services.MSG_FORBIDDEN in _messages(r)
    m.refresh_from_db()
    assert m.is_active


def test_it_ends_a_role(client, world):
    m = world.fred.memberships.get()
    login(client, world.mia)
    assert client.post(reverse("org:role_end", args=[m.pk])).status_code == 302
    m.refresh_from_db()
    assert not m.is_active


def test_it_hides_roles_of_another_project(client, world):
    m = world.bob.memberships.get()
    login(client, world.mia)
    assert client.post(reverse("org:role_end", args=[m.pk])).status_code == 404
    assert client.post(reverse("org:role_edit", args=[m.pk]), {}).status_code == 404
    m.refresh_from_db()
    assert m.is_active


def test_it_hides_a_visible_persons_role_in_another_project(client, world):
    other = services.membership_add(actor=world.hera, user=world.alice, role=Role.AGENT, project=world.b)
    login(client, world.mia)
    assert client.post(reverse("org:role_end", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_it_refuses_role_end_by_get(client, world):
    m = world.fred.memberships.get()
    login(client, world.mia)
    assert client.get(reverse("org:role_end", args=[m.pk])).status_code == 405
