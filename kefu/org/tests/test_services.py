"""Organisation services: the rules they keep and who they refuse. A refused write changes nothing."""

from __future__ import annotations

import pytest

from kefu import testing as t
from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.org import selectors, services
from kefu.org.models import Department, Membership, Project, User, Zone
from kefu.org.roles import Perm, Role
from kefu.org.scope import can, forget

GOOD_PASSWORD = "Huayuan-2026!"


# Projects and zones -----------------------------------------------------------------------------


def test_it_creates_a_project_for_head_office(world):
    p = services.project_create(actor=world.hera, code=" C ", name=" 滨江壹号 ", kind="residential")
    assert (p.code, p.name) == ("C", "滨江壹号")


@pytest.mark.parametrize("who", ["mia", "alice", "mike"])
def test_it_refuses_a_project_from_anyone_but_head_office(world, who):
    with pytest.raises(Forbidden) as exc:
        services.project_create(actor=getattr(world, who), code="C", name="滨江壹号", kind="residential")
    assert exc.value.message == services.MSG_FORBIDDEN
    assert not Project.objects.filter(code="C").exists()


def test_it_refuses_a_duplicate_project_code(world):
    with pytest.raises(ValidationFailed) as exc:
        services.project_create(actor=world.hera, code="A", name="重复", kind="residential")
    assert "code" in exc.value.fields


def test_it_lets_only_head_office_deactivate_a_project(world):
    with pytest.raises(Forbidden):
        services.project_update(actor=world.mia, project=world.a, is_active=False)
    world.a.refresh_from_db()
    assert world.a.is_active
    services.project_update(actor=world.hera, project=world.a, is_active=False)
    world.a.refresh_from_db()
    assert not world.a.is_active


def test_it_refuses_changing_a_project_code(world):
    with pytest.raises(ValidationFailed) as exc:
        services.project_update(actor=world.hera, project=world.a, code="Z")
    assert exc.value.fields == {"code": ["不可修改"]}


def test_it_refuses_a_zone_in_another_managers_project(world):
    with pytest.raises(Forbidden):
        services.zone_create(actor=world.mike, project=world.a, code="A3", name="三区")
    assert not Zone.objects.filter(code="A3").exists()


def test_it_refuses_a_duplicate_zone_code_in_a_project(world):
    with pytest.raises(ValidationFailed):
        services.zone_create(actor=world.mia, project=world.a, code="A1", name="重复")
    # the same code in another project is fine
    assert services.zone_create(actor=world.mike, project=world.b, code="A1", name="一区").project == world.b


# Departments ------------------------------------------------------------------------------------


def test_it_refuses_a_department_cycle(world):
    top = services.department_create(actor=world.mia, project=world.a, code="GC", name="工程部")
    mid = services.department_create(actor=world.mia, project=world.a, code="SD", name="水电班", parent=top)
    low = services.department_create(actor=world.mia, project=world.a, code="SD1", name="水电一组", parent=mid)
    for parent in (top, low):
        with pytest.raises(ValidationFailed) as exc:
            services.department_update(actor=world.mia, department=top, name="工程部", parent=parent)
        assert exc.value.message == services.MSG_DEPT_CYCLE
        assert exc.value.fields == {"parent": [services.MSG_DEPT_CYCLE]}
    top.refresh_from_db()
    assert top.parent is None


def test_it_refuses_a_parent_in_another_project(world):
    b_dept = services.department_create(actor=world.mike, project=world.b, code="KF", name="客服部")
    with pytest.raises(ValidationFailed) as exc:
        services.department_create(actor=world.hera, project=world.a, code="KF", name="客服部", parent=b_dept)
    assert exc.value.message == services.MSG_DEPT_OTHER_PROJECT
    assert not Department.objects.filter(project=world.a).exists()


def test_it_leaves_head_office_departments_to_head_office(world):
    with pytest.raises(Forbidden):
        services.department_create(actor=world.mia, project=None, code="ZB", name="总部品质部")
    dept = services.department_create(actor=world.hera, project=None, code="ZB", name="总部品质部")
    with pytest.raises(Forbidden):
        services.department_update(actor=world.mia, department=dept, name="改名", parent=None)
    dept.refresh_from_db()
    assert dept.name == "总部品质部"


# Staff and roles --------------------------------------------------------------------------------


def test_it_creates_staff_with_a_hashed_password(world):
    person = services.staff_create(actor=world.mia, username=" lily ", name="李丽", password=GOOD_PASSWORD)
    assert person.username == "lily"
    assert person.check_password(GOOD_PASSWORD) and person.password != GOOD_PASSWORD


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("123", "此密码太短，至少要包含 8 个字符。"),
        ("password", "这个密码太常见了。"),
        ("lily2026lily", "密码跟 用户名 太相似了。"),
    ],
)
def test_it_refuses_a_weak_password_in_chinese(world, password, message):
    with pytest.raises(ValidationFailed) as exc:
        services.staff_create(actor=world.mia, username="lily2026lily", name="李丽", password=password)
    assert exc.value.message == message
    assert message in exc.value.fields["password"]
    assert not User.objects.filter(username="lily2026lily").exists()


def test_it_refuses_a_username_taken_in_any_case(world):
    with pytest.raises(ValidationFailed) as exc:
        services.staff_create(actor=world.mia, username="Alice", name="另一个", password=GOOD_PASSWORD)
    assert exc.value.fields == {"username": [services.MSG_USERNAME_TAKEN]}


@pytest.mark.parametrize("who", ["alice", "sam", "stella", "fred"])
def test_it_refuses_staff_creation_without_manage_org(world, who):
    with pytest.raises(Forbidden):
        services.staff_create(actor=getattr(world, who), username="lily", name="李丽", password=GOOD_PASSWORD)
    assert not User.objects.filter(username="lily").exists()


def test_it_lets_one_person_hold_roles_in_several_projects(world):
    services.membership_add(actor=world.hera, user=world.alice, role=Role.AGENT, project=world.b)
    forget(world.alice)
    assert can(world.alice, Perm.VIEW_ORG, world.a.pk) and can(world.alice, Perm.VIEW_ORG, world.b.pk)


def test_it_refuses_a_head_office_role_with_a_project(world):
    with pytest.raises(ValidationFailed) as exc:
        services.membership_add(actor=world.hera, user=world.alice, role=Role.HEAD_OFFICE, project=world.a)
    assert exc.value.message == services.MSG_HEAD_OFFICE_PROJECT
    assert exc.value.fields == {"project": [services.MSG_HEAD_OFFICE_PROJECT]}
    assert not world.alice.memberships.filter(role=Role.HEAD_OFFICE).exists()


def test_it_refuses_a_project_role_without_a_project(world):
    with pytest.raises(ValidationFailed) as exc:
        services.membership_add(actor=world.hera, user=world.alice, role=Role.MANAGER, project=None)
    assert exc.value.message == services.MSG_ROLE_NEEDS_PROJECT


def test_it_refuses_the_head_office_role_from_a_manager(world):
    with pytest.raises(Forbidden):
        services.membership_add(actor=world.mia, user=world.alice, role=Role.HEAD_OFFICE, project=None)
    assert world.alice.memberships.count() == 1


def test_it_refuses_a_duplicate_role(world):
    with pytest.raises(ValidationFailed) as exc:
        services.membership_add(actor=world.mia, user=world.alice, role=Role.AGENT, project=world.a)
    assert exc.value.message == services.MSG_ROLE_EXISTS
    assert world.alice.memberships.count() == 1


def test_it_revives_an_ended_role(world):
    m = world.fred.memberships.get()
    services.membership_end(actor=world.mia, membership=m)
    again = services.membership_add(actor=world.mia, user=world.fred, role=Role.FIELD_STAFF, project=world.a)
    assert again.pk == m.pk and again.is_active


def test_it_requires_steward_zones_in_the_project(world):
    b1 = t.ZoneFactory(project=world.b, code="B1")
    with pytest.raises(ValidationFailed) as exc:
        services.membership_add(actor=world.hera, user=world.alice, role=Role.STEWARD, project=world.a, zones=[b1])
    assert exc.value.fields == {"zones": [services.MSG_ZONE_OTHER_PROJECT]}
    assert not world.alice.memberships.filter(role=Role.STEWARD).exists()
    m = world.stella.memberships.get()
    with pytest.raises(ValidationFailed) as exc:
        services.membership_update(actor=world.hera, membership=m, department=None, zones=[world.a2, b1])
    assert exc.value.message == services.MSG_ZONE_OTHER_PROJECT
    assert list(m.zones.all()) == [world.a1]


def test_it_requires_the_department_in_the_project(world):
    b_dept = t.DepartmentFactory(project=world.b)
    with pytest.raises(ValidationFailed) as exc:
        services.membership_add(actor=world.hera, user=world.fred, role=Role.AGENT, project=world.a, department=b_dept)
    assert exc.value.message == services.MSG_DEPT_WRONG_PROJECT
    m = world.fred.memberships.get()
    with pytest.raises(ValidationFailed):
        services.membership_update(actor=world.mia, membership=m, department=b_dept, zones=[])
    m.refresh_from_db()
    assert m.department is None


def test_it_changes_a_stewards_zones_and_scope(world):
    m = world.stella.memberships.get()
    services.membership_update(actor=world.mia, membership=m, department=None, zones=[world.a2])
    forget(world.stella)
    assert can(world.stella, Perm.VIEW_ARCHIVES, zone_id=world.a2.pk)
    assert not can(world.stella, Perm.VIEW_ARCHIVES, zone_id=world.a1.pk)


def test_it_ends_a_role_and_the_scope_with_it(world):
    m = world.alice.memberships.get()
    services.membership_end(actor=world.mia, membership=m)
    forget(world.alice)
    assert not can(world.alice, Perm.VIEW_ORG)
    assert Membership.objects.filter(pk=m.pk, is_active=False).exists()  # kept for history


@pytest.mark.parametrize("who", ["alice", "mike"])
def test_it_changes_nothing_on_a_forbidden_role_write(world, who):
    actor = getattr(world, who)
    m = world.stella.memberships.get()
    with pytest.raises(Forbidden):
        services.membership_update(actor=actor, membership=m, department=None, zones=[world.a2])
    with pytest.raises(Forbidden):
        services.membership_end(actor=actor, membership=m)
    with pytest.raises(Forbidden):
        services.membership_add(actor=actor, user=world.stella, role=Role.AGENT, project=world.a)
    m.refresh_from_db()
    assert m.is_active and list(m.zones.all()) == [world.a1]
    assert world.stella.memberships.count() == 1


def test_it_changes_nothing_on_a_forbidden_staff_update(world):
    services.membership_add(actor=world.hera, user=world.fred, role=Role.FIELD_STAFF, project=world.b)
    with pytest.raises(Forbidden):
        services.staff_update(actor=world.mia, user=world.fred, name="改名", is_active=False)
    world.fred.refresh_from_db()
    assert world.fred.name != "改名" and world.fred.is_active
    services.staff_update(actor=world.hera, user=world.fred, name="傅师傅")
    world.fred.refresh_from_db()
    assert world.fred.name == "傅师傅"


def test_it_refuses_a_manager_editing_head_office(world):
    with pytest.raises(Forbidden):
        services.staff_update(actor=world.mia, user=world.hera, name="改名")


# Selectors --------------------------------------------------------------------------------------


def test_it_scopes_projects(world):
    codes = lambda u: list(selectors.project_list(user=u).values_list("code", flat=True))  # noqa: E731
    assert codes(world.alice) == ["A"]
    assert codes(world.stella) == ["A"]
    assert codes(world.bob) == ["B"]
    assert codes(world.hera) == ["A", "B"]
    with pytest.raises(NotFound):
        selectors.project_get(user=world.mia, pk=world.b.pk)


def test_it_scopes_zones(world):
    b1 = t.ZoneFactory(project=world.b, code="B1")
    assert {z.code for z in selectors.zone_list(user=world.alice)} == {"A1", "A2"}
    assert {z.code for z in selectors.zone_list(user=world.hera)} == {"A1", "A2", "B1"}
    with pytest.raises(NotFound):
        selectors.zone_get(user=world.mia, pk=b1.pk)
    with pytest.raises(NotFound):
        selectors.zone_get(user=world.bob, pk=world.a1.pk)


def test_it_scopes_staff(world):
    assert set(selectors.staff_list(user=world.bob).values_list("username", flat=True)) == {"bob", "mike"}
    assert "hera" in set(selectors.staff_list(user=world.hera).values_list("username", flat=True))
    with pytest.raises(NotFound):
        selectors.staff_get(user=world.bob, pk=world.alice.pk)


def test_it_shows_a_person_without_roles_to_head_office(world):
    person = services.staff_create(actor=world.hera, username="lily", name="李丽", password=GOOD_PASSWORD)
    assert selectors.staff_get(user=world.hera, pk=person.pk) == person


def test_it_shows_every_department_to_head_office(world):
    t.DepartmentFactory(project=world.a, code="KF")
    t.DepartmentFactory(project=None, code="ZB")
    assert {d.code for d in selectors.department_list(user=world.hera)} == {"KF", "ZB"}


def test_it_shows_a_steward_their_own_zone(world):
    assert {z.code for z in selectors.zone_list(user=world.stella)} == {"A1"}
