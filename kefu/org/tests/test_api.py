"""/api/v1/ projects, zones, departments, staff: scoped reads, service-checked writes, one error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kefu import testing as t
from kefu.org import services
from kefu.org.models import Department, Membership, Project, User, Zone
from kefu.org.roles import Role

GOOD_PASSWORD = "Huayuan-2026!"


@pytest.fixture
def api():
    return APIClient()


def as_(api, user):
    api.force_authenticate(user)
    return api


def _ids(response, field="id"):
    assert response.status_code == 200, response.content
    return {row[field] for row in response.json()["results"]}


def test_it_requires_authentication(api, world):
    for url in ("/api/v1/projects/", "/api/v1/zones/", "/api/v1/departments/", "/api/v1/staff/"):
        assert api.get(url).status_code in (401, 403)


# Projects ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "codes"),
    [("alice", {"A"}), ("stella", {"A"}), ("fred", {"A"}), ("bob", {"B"}), ("mike", {"B"}), ("hera", {"A", "B"})],
)
def test_it_lists_visible_projects(api, world, who, codes):
    assert _ids(as_(api, getattr(world, who)).get("/api/v1/projects/"), "code") == codes


def test_it_returns_404_for_an_invisible_project(api, world):
    r = as_(api, world.bob).get(f"/api/v1/projects/{world.a.pk}/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert as_(api, world.bob).get("/api/v1/projects/999999/").status_code == 404


def test_it_creates_a_project_as_head_office(api, world):
    r = as_(api, world.hera).post("/api/v1/projects/", {"code": "C", "name": "滨江壹号", "kind": "office"})
    assert r.status_code == 201
    assert r.json()["code"] == "C" and Project.objects.filter(code="C", kind="office").exists()


def test_it_refuses_a_project_from_a_manager(api, world):
    r = as_(api, world.mia).post("/api/v1/projects/", {"code": "C", "name": "滨江壹号"})
    assert r.status_code == 403
    assert r.json() == {"code": "forbidden", "message": services.MSG_FORBIDDEN, "fields": {}}
    assert not Project.objects.filter(code="C").exists()


def test_it_returns_400_with_fields_for_bad_input(api, world):
    r = as_(api, world.hera).post("/api/v1/projects/", {"name": "", "kind": "castle"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid"
    assert {"code", "name", "kind"} <= set(body["fields"])


def test_it_lets_a_manager_patch_their_project(api, world):
    r = as_(api, world.mia).patch(f"/api/v1/projects/{world.a.pk}/", {"phone": "0571-8888"}, format="json")
    assert r.status_code == 200
    world.a.refresh_from_db()
    assert world.a.phone == "0571-8888"


def test_it_refuses_an_agent_patching_the_project(api, world):
    r = as_(api, world.alice).patch(f"/api/v1/projects/{world.a.pk}/", {"name": "改名"}, format="json")
    assert r.status_code == 403
    world.a.refresh_from_db()
    assert world.a.name == "阳光花园"


def test_it_refuses_deactivation_by_a_manager(api, world):
    r = as_(api, world.mia).patch(f"/api/v1/projects/{world.a.pk}/", {"is_active": False}, format="json")
    assert r.status_code == 403
    world.a.refresh_from_db()
    assert world.a.is_active


def test_it_hides_another_project_from_a_manager_patch(api, world):
    r = as_(api, world.mia).patch(f"/api/v1/projects/{world.b.pk}/", {"name": "改名"}, format="json")
    assert r.status_code == 404


# Zones ------------------------------------------------------------------------------------------


@pytest.fixture
def b1(world):
    return t.ZoneFactory(project=world.b, code="B1", name="B一区")


def test_it_lists_zones_in_scope(api, world, b1):
    assert _ids(as_(api, world.alice).get("/api/v1/zones/"), "code") == {"A1", "A2"}
    assert _ids(as_(api, world.bob).get("/api/v1/zones/"), "code") == {"B1"}
    assert _ids(as_(api, world.hera).get("/api/v1/zones/", {"project": world.b.pk}), "code") == {"B1"}


def test_it_counts_units_of_a_zone(api, world):
    r = as_(api, world.alice).get(f"/api/v1/zones/{world.a1.pk}/")
    assert r.status_code == 200
    assert r.json()["unit_count"] == 1 and r.json()["project_name"] == "阳光花园"


def test_it_returns_404_for_a_project_filter_out_of_scope(api, world):
    assert as_(api, world.alice).get("/api/v1/zones/", {"project": world.b.pk}).status_code == 404
    assert as_(api, world.alice).get("/api/v1/zones/", {"project": "x"}).status_code == 400


def test_it_hides_bs_zone_from_mia(api, world, b1):
    as_(api, world.mia)
    assert api.get(f"/api/v1/zones/{b1.pk}/").status_code == 404
    assert api.patch(f"/api/v1/zones/{b1.pk}/", {"name": "改"}, format="json").status_code == 404
    b1.refresh_from_db()
    assert b1.name == "B一区"


def test_it_lets_a_manager_create_and_edit_zones(api, world):
    as_(api, world.mia)
    r = api.post("/api/v1/zones/", {"project": world.a.pk, "code": "A3", "name": "三区"}, format="json")
    assert r.status_code == 201
    zone_id = r.json()["id"]
    r = api.patch(f"/api/v1/zones/{zone_id}/", {"description": "5-6栋"}, format="json")
    assert r.status_code == 200
    assert Zone.objects.get(pk=zone_id).description == "5-6栋"
    assert Zone.objects.get(pk=zone_id).name == "三区"


def test_it_treats_an_invisible_project_as_missing_when_creating_a_zone(api, world):
    r = as_(api, world.mia).post("/api/v1/zones/", {"project": world.b.pk, "code": "B9", "name": "x"}, format="json")
    assert r.status_code == 400
    assert "project" in r.json()["fields"]
    assert not Zone.objects.filter(code="B9").exists()


def test_it_refuses_zone_creation_by_an_agent(api, world):
    r = as_(api, world.alice).post("/api/v1/zones/", {"project": world.a.pk, "code": "A3", "name": "三区"})
    assert r.status_code == 403
    assert not Zone.objects.filter(code="A3").exists()


def test_it_refuses_a_duplicate_zone_code(api, world):
    r = as_(api, world.mia).post("/api/v1/zones/", {"project": world.a.pk, "code": "A1", "name": "重复"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"


# Departments ------------------------------------------------------------------------------------


@pytest.fixture
def depts(world):
    eng = t.DepartmentFactory(project=world.a, code="GC", name="工程部")
    plumbing = t.DepartmentFactory(project=world.a, code="SD", name="水电班", parent=eng)
    b_dept = t.DepartmentFactory(project=world.b, code="KF", name="大厦客服部")
    head = t.DepartmentFactory(project=None, code="ZB", name="总部品质部")
    Membership.objects.filter(user=world.fred).update(department=plumbing)
    return type("D", (), {"eng": eng, "plumbing": plumbing, "b": b_dept, "head": head})


def test_it_lists_departments_with_head_office_ones(api, world, depts):
    r = as_(api, world.alice).get("/api/v1/departments/")
    assert _ids(r, "code") == {"GC", "SD", "ZB"}
    rows = {d["code"]: d for d in r.json()["results"]}
    assert rows["SD"]["parent"] == depts.eng.pk and rows["SD"]["member_count"] == 1
    assert rows["ZB"]["project"] is None and rows["ZB"]["project_name"] == "总部"
    assert _ids(as_(api, world.bob).get("/api/v1/departments/"), "code") == {"KF", "ZB"}


def test_it_hides_bs_department_from_mia(api, world, depts):
    as_(api, world.mia)
    assert api.get(f"/api/v1/departments/{depts.b.pk}/").status_code == 404
    assert api.patch(f"/api/v1/departments/{depts.b.pk}/", {"name": "改"}, format="json").status_code == 404


def test_it_refuses_a_department_cycle(api, world, depts):
    r = as_(api, world.mia).patch(f"/api/v1/departments/{depts.eng.pk}/", {"parent": depts.plumbing.pk}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "code": "invalid",
        "message": services.MSG_DEPT_CYCLE,
        "fields": {"parent": [services.MSG_DEPT_CYCLE]},
    }
    depts.eng.refresh_from_db()
    assert depts.eng.parent is None


def test_it_lets_a_manager_create_a_department(api, world, depts):
    r = as_(api, world.mia).post(
        "/api/v1/departments/",
        {"project": world.a.pk, "parent": depts.eng.pk, "code": "TJ", "name": "土建班", "trade": "土建"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert Department.objects.get(code="TJ").parent == depts.eng


def test_it_refuses_a_head_office_department_from_a_manager(api, world, depts):
    r = as_(api, world.mia).post("/api/v1/departments/", {"project": None, "code": "ZB2", "name": "x"}, format="json")
    assert r.status_code == 403
    assert not Department.objects.filter(code="ZB2").exists()


def test_it_patches_a_department_keeping_other_fields(api, world, depts):
    r = as_(api, world.mia).patch(f"/api/v1/departments/{depts.plumbing.pk}/", {"sort": 5}, format="json")
    assert r.status_code == 200
    depts.plumbing.refresh_from_db()
    assert (depts.plumbing.sort, depts.plumbing.parent, depts.plumbing.name) == (5, depts.eng, "水电班")


# Staff ------------------------------------------------------------------------------------------


def test_it_lists_staff_in_scope(api, world):
    assert _ids(as_(api, world.bob).get("/api/v1/staff/"), "username") == {"bob", "mike"}
    assert "bob" not in _ids(as_(api, world.alice).get("/api/v1/staff/"), "username")
    assert _ids(as_(api, world.hera).get("/api/v1/staff/", {"role": "manager"}), "username") == {"mia", "mike"}
    assert _ids(as_(api, world.hera).get("/api/v1/staff/", {"q": "stel"}), "username") == {"stella"}


def test_it_refuses_an_unknown_role_filter(api, world):
    r = as_(api, world.hera).get("/api/v1/staff/", {"role": "king"})
    assert r.status_code == 400 and "role" in r.json()["fields"]


def test_it_hides_other_projects_people(api, world):
    assert as_(api, world.bob).get(f"/api/v1/staff/{world.alice.pk}/").status_code == 404
    assert as_(api, world.alice).get(f"/api/v1/staff/{world.hera.pk}/").status_code == 404


def test_it_shows_only_roles_in_the_askers_projects(api, world):
    services.membership_add(actor=world.hera, user=world.alice, role=Role.AGENT, project=world.b)
    roles = as_(api, world.mia).get(f"/api/v1/staff/{world.alice.pk}/").json()["roles"]
    assert [(r["project"], r["role"]) for r in roles] == [(world.a.pk, "agent")]
    roles = as_(api, world.hera).get(f"/api/v1/staff/{world.alice.pk}/roles/").json()
    assert {r["project_name"] for r in roles} == {"阳光花园", "中心大厦"}


def test_it_creates_staff_with_a_first_role(api, world):
    r = as_(api, world.mia).post(
        "/api/v1/staff/",
        {"username": "lily", "name": "李丽", "password": GOOD_PASSWORD, "role": "steward", "project": world.a.pk,
         "zones": [world.a2.pk]},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    assert "password" not in body
    assert [(x["role"], x["zones"]) for x in body["roles"]] == [("steward", [world.a2.pk])]
    assert as_(api, world.mia).get(f"/api/v1/staff/{body['id']}/").status_code == 200


def test_it_refuses_a_weak_password_in_chinese(api, world):
    r = as_(api, world.mia).post(
        "/api/v1/staff/",
        {"username": "lily", "name": "李丽", "password": "12345678", "role": "agent", "project": world.a.pk},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["message"] == "这个密码太常见了。"
    assert "password" in r.json()["fields"]
    assert not User.objects.filter(username="lily").exists()


def test_it_creates_nobody_when_the_role_is_refused(api, world):
    r = as_(api, world.hera).post(
        "/api/v1/staff/",
        {"username": "lily", "name": "李丽", "password": GOOD_PASSWORD, "role": "head_office", "project": world.a.pk},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["message"] == services.MSG_HEAD_OFFICE_PROJECT
    assert not User.objects.filter(username="lily").exists()


def test_it_refuses_staff_creation_by_an_agent(api, world):
    r = as_(api, world.alice).post(
        "/api/v1/staff/",
        {"username": "lily", "name": "李丽", "password": GOOD_PASSWORD, "role": "agent", "project": world.a.pk},
        format="json",
    )
    assert r.status_code == 403
    assert not User.objects.filter(username="lily").exists()


def test_it_patches_a_person(api, world):
    r = as_(api, world.mia).patch(f"/api/v1/staff/{world.fred.pk}/", {"on_duty": False}, format="json")
    assert r.status_code == 200
    world.fred.refresh_from_db()
    assert not world.fred.on_duty and world.fred.is_active


def test_it_refuses_a_patch_by_an_agent(api, world):
    r = as_(api, world.alice).patch(f"/api/v1/staff/{world.fred.pk}/", {"name": "改名"}, format="json")
    assert r.status_code == 403
    world.fred.refresh_from_db()
    assert world.fred.name != "改名"


def test_it_adds_a_role_through_the_roles_action(api, world):
    r = as_(api, world.hera).post(f"/api/v1/staff/{world.alice.pk}/roles/", {"role": "agent", "project": world.b.pk})
    assert r.status_code == 201
    assert r.json()["project_name"] == "中心大厦"
    assert world.alice.memberships.filter(project=world.b, is_active=True).exists()


def test_it_refuses_a_duplicate_role(api, world):
    r = as_(api, world.mia).post(f"/api/v1/staff/{world.alice.pk}/roles/", {"role": "agent", "project": world.a.pk})
    assert r.status_code == 400
    assert r.json()["message"] == services.MSG_ROLE_EXISTS


def test_it_refuses_steward_zones_of_another_project(api, world):
    b1 = t.ZoneFactory(project=world.b, code="B1")
    r = as_(api, world.hera).post(
        f"/api/v1/staff/{world.alice.pk}/roles/",
        {"role": "steward", "project": world.a.pk, "zones": [b1.pk]},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {"zones": [services.MSG_ZONE_OTHER_PROJECT]}


def test_it_refuses_a_role_by_an_agent(api, world):
    r = as_(api, world.alice).post(f"/api/v1/staff/{world.fred.pk}/roles/", {"role": "agent", "project": world.a.pk})
    assert r.status_code == 403
    assert world.fred.memberships.count() == 1


def test_it_changes_and_ends_a_role(api, world):
    m = world.stella.memberships.get()
    as_(api, world.mia)
    r = api.patch(f"/api/v1/staff/{world.stella.pk}/roles/{m.pk}/", {"zones": [world.a2.pk]}, format="json")
    assert r.status_code == 200 and r.json()["zones"] == [world.a2.pk]
    r = api.post(f"/api/v1/staff/{world.stella.pk}/roles/{m.pk}/end/")
    assert r.status_code == 200 and r.json()["is_active"] is False
    m.refresh_from_db()
    assert not m.is_active


def test_it_hides_a_role_of_another_person_or_project(api, world):
    bob_role = world.bob.memberships.get()
    alice_in_b = services.membership_add(actor=world.hera, user=world.alice, role=Role.AGENT, project=world.b)
    as_(api, world.mia)
    # a role id under a person it does not belong to
    assert api.post(f"/api/v1/staff/{world.alice.pk}/roles/{bob_role.pk}/end/").status_code == 404
    # the visible person's role in a project mia cannot see
    assert api.post(f"/api/v1/staff/{world.alice.pk}/roles/{alice_in_b.pk}/end/").status_code == 404
    bob_role.refresh_from_db()
    alice_in_b.refresh_from_db()
    assert bob_role.is_active and alice_in_b.is_active


def test_it_refuses_ending_a_role_by_an_agent(api, world):
    m = world.fred.memberships.get()
    r = as_(api, world.alice).post(f"/api/v1/staff/{world.fred.pk}/roles/{m.pk}/end/")
    assert r.status_code == 403
    m.refresh_from_db()
    assert m.is_active


def test_it_serves_a_schema_with_the_org_endpoints(client, world):
    client.force_login(world.alice)
    r = client.get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    for path in ("/api/v1/projects/", "/api/v1/zones/", "/api/v1/departments/", "/api/v1/staff/{id}/roles/"):
        assert path in text
