"""Every write to the organisation: one function per action, each checks who may do it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kefu.core.errors import Forbidden, ValidationFailed

from .models import Department, Membership, Project, User, Zone
from .roles import Perm, Role
from .scope import can, forget

MSG_FORBIDDEN = "您没有权限执行此操作"


def _require(actor: User, perm: Perm, project_id: int | None) -> None:
    if project_id is None:
        # Organisation-wide changes (head-office departments, new projects) need head office.
        if not _is_head(actor):
            raise Forbidden(MSG_FORBIDDEN)
        return
    if not can(actor, perm, project_id):
        raise Forbidden(MSG_FORBIDDEN)


def _clean_and_save(obj: Any, *, update_fields: list[str] | None = None) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        from kefu.core.errors import from_django_validation

        raise from_django_validation(exc) from exc
    obj.save(update_fields=update_fields)


# Projects ---------------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor: User, code: str, name: str, kind: str, address: str = "", phone: str = "") -> Project:
    _require(actor, Perm.MANAGE_ORG, None)
    project = Project(code=code.strip(), name=name.strip(), kind=kind, address=address, phone=phone)
    _clean_and_save(project)
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, **fields: Any) -> Project:
    _require(actor, Perm.MANAGE_ORG, project.pk)
    allowed = {"name", "kind", "address", "phone", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed("不可修改的字段", fields={k: ["不可修改"] for k in unknown})
    if "is_active" in fields:
        _require(actor, Perm.MANAGE_ORG, None)
    for k, v in fields.items():
        setattr(project, k, v)
    _clean_and_save(project)
    return project


# Zones ------------------------------------------------------------------------------------------


@transaction.atomic
def zone_create(*, actor: User, project: Project, code: str, name: str, description: str = "") -> Zone:
    _require(actor, Perm.MANAGE_ORG, project.pk)
    zone = Zone(project=project, code=code.strip(), name=name.strip(), description=description)
    _clean_and_save(zone)
    return zone


@transaction.atomic
def zone_update(*, actor: User, zone: Zone, name: str, description: str = "") -> Zone:
    _require(actor, Perm.MANAGE_ORG, zone.project_id)
    zone.name = name.strip()
    zone.description = description
    _clean_and_save(zone)
    return zone


# Departments ------------------------------------------------------------------------------------

MSG_DEPT_CYCLE = "上级部门不能是本部门或其下级部门"
MSG_DEPT_OTHER_PROJECT = "上级部门必须属于同一项目"


def _check_parent(dept: Department, parent: Department | None) -> None:
    if parent is None:
        return
    if parent.project_id != dept.project_id:
        raise ValidationFailed(MSG_DEPT_OTHER_PROJECT, fields={"parent": [MSG_DEPT_OTHER_PROJECT]})
    node: Department | None = parent
    while node is not None:
        if dept.pk is not None and node.pk == dept.pk:
            raise ValidationFailed(MSG_DEPT_CYCLE, fields={"parent": [MSG_DEPT_CYCLE]})
        node = node.parent


@transaction.atomic
def department_create(
    *,
    actor: User,
    project: Project | None,
    code: str,
    name: str,
    parent: Department | None = None,
    trade: str = "",
    sort: int = 0,
) -> Department:
    _require(actor, Perm.MANAGE_ORG, project.pk if project else None)
    dept = Department(project=project, code=code.strip(), name=name.strip(), parent=parent, trade=trade, sort=sort)
    _check_parent(dept, parent)
    _clean_and_save(dept)
    return dept


@transaction.atomic
def department_update(
    *, actor: User, department: Department, name: str, parent: Department | None, trade: str = "", sort: int = 0
) -> Department:
    _require(actor, Perm.MANAGE_ORG, department.project_id)
    _check_parent(department, parent)
    department.name = name.strip()
    department.parent = parent
    department.trade = trade
    department.sort = sort
    _clean_and_save(department)
    return department


# Staff and roles --------------------------------------------------------------------------------

MSG_USERNAME_TAKEN = "该登录名已被使用"
MSG_ROLE_EXISTS = "该员工在此项目已有此角色"
MSG_HEAD_OFFICE_PROJECT = "总部角色不属于单个项目"
MSG_ROLE_NEEDS_PROJECT = "请选择项目"
MSG_ZONE_OTHER_PROJECT = "负责区域必须属于该项目"
MSG_DEPT_WRONG_PROJECT = "部门必须属于该项目"


@transaction.atomic
def staff_create(
    *,
    actor: User,
    username: str,
    name: str,
    password: str,
    mobile: str = "",
    email: str = "",
    employee_no: str = "",
) -> User:
    if not can(actor, Perm.MANAGE_ORG):
        raise Forbidden(MSG_FORBIDDEN)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(MSG_USERNAME_TAKEN, fields={"username": [MSG_USERNAME_TAKEN]})
    user = User(username=username, name=name.strip(), mobile=mobile, email=email, employee_no=employee_no)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={"password": list(exc.messages)}) from exc
    user.set_password(password)
    _clean_and_save(user)
    return user


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user: User,
    name: str,
    mobile: str = "",
    email: str = "",
    employee_no: str = "",
    on_duty: bool = True,
    is_active: bool = True,
) -> User:
    if not _may_manage_person(actor, user):
        raise Forbidden(MSG_FORBIDDEN)
    user.name = name.strip()
    user.mobile = mobile
    user.email = email
    user.employee_no = employee_no
    user.on_duty = on_duty
    user.is_active = is_active
    _clean_and_save(user, update_fields=["name", "mobile", "email", "employee_no", "on_duty", "is_active"])
    return user


def _is_head(actor: User) -> bool:
    return actor.memberships.filter(role=Role.HEAD_OFFICE, is_active=True).exists()


def _may_manage_person(actor: User, user: User) -> bool:
    """Head office, or a manager of every project the person works in."""
    if _is_head(actor):
        return True
    projects = {m.project_id for m in user.memberships.filter(is_active=True)}
    if None in projects:
        return False
    if not projects:
        return can(actor, Perm.MANAGE_ORG)
    return all(can(actor, Perm.MANAGE_ORG, p) for p in projects)


@transaction.atomic
def membership_add(
    *,
    actor: User,
    user: User,
    role: str,
    project: Project | None,
    department: Department | None = None,
    zones: list[Zone] | None = None,
) -> Membership:
    if role == Role.HEAD_OFFICE:
        if project is not None:
            raise ValidationFailed(MSG_HEAD_OFFICE_PROJECT, fields={"project": [MSG_HEAD_OFFICE_PROJECT]})
        _require(actor, Perm.MANAGE_ORG, None)
    else:
        if project is None:
            raise ValidationFailed(MSG_ROLE_NEEDS_PROJECT, fields={"project": [MSG_ROLE_NEEDS_PROJECT]})
        _require(actor, Perm.MANAGE_ORG, project.pk)
    if role not in Role.values:
        raise ValidationFailed("无效的角色", fields={"role": ["无效的角色"]})
    if department is not None and department.project_id != (project.pk if project else None):
        raise ValidationFailed(MSG_DEPT_WRONG_PROJECT, fields={"department": [MSG_DEPT_WRONG_PROJECT]})
    zones = zones or []
    if any(project is None or z.project_id != project.pk for z in zones):
        raise ValidationFailed(MSG_ZONE_OTHER_PROJECT, fields={"zones": [MSG_ZONE_OTHER_PROJECT]})
    existing = Membership.objects.filter(user=user, project=project, role=role).first()
    if existing is not None and existing.is_active:
        raise ValidationFailed(MSG_ROLE_EXISTS, fields={"role": [MSG_ROLE_EXISTS]})
    try:
        with transaction.atomic():
            if existing is not None:
                existing.is_active = True
                existing.department = department
                existing.save(update_fields=["is_active", "department"])
                m = existing
            else:
                m = Membership.objects.create(user=user, project=project, role=role, department=department)
    except IntegrityError as exc:
        raise ValidationFailed(MSG_ROLE_EXISTS, fields={"role": [MSG_ROLE_EXISTS]}) from exc
    m.zones.set(zones)
    forget(user)
    return m


@transaction.atomic
def membership_update(
    *, actor: User, membership: Membership, department: Department | None, zones: list[Zone]
) -> Membership:
    _require(actor, Perm.MANAGE_ORG, membership.project_id)
    if department is not None and department.project_id != membership.project_id:
        raise ValidationFailed(MSG_DEPT_WRONG_PROJECT, fields={"department": [MSG_DEPT_WRONG_PROJECT]})
    if any(z.project_id != membership.project_id for z in zones):
        raise ValidationFailed(MSG_ZONE_OTHER_PROJECT, fields={"zones": [MSG_ZONE_OTHER_PROJECT]})
    membership.department = department
    membership.save(update_fields=["department"])
    membership.zones.set(zones)
    forget(membership.user)
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership) -> Membership:
    """Take a role away. The row stays (inactive) so history and audit keep their meaning."""
    _require(actor, Perm.MANAGE_ORG, membership.project_id)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    forget(membership.user)
    return membership
