"""The portal's own business actions: a customer signs up, asks to be linked to the unit they live in, and
staff approve (linking the account to the customer archive) or reject that request. Cases themselves are
changed only by kefu.tickets.services (customer_case_create, customer_case_comment, customer_case_cancel)
and rated through kefu.visits.services.rating_submit."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.customers import services as customer_services
from kefu.customers.models import Building, Contact, Customer, Occupancy, Unit
from kefu.customers.scoping import may_on_unit
from kefu.customers.services import MOBILE_RE
from kefu.notify.models import Notification
from kefu.notify.services import notify
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import can

from .access import is_customer, my_units
from .models import VerificationRequest

MSG_FORBIDDEN = "您没有权限执行此操作"
MSG_MOBILE = "请输入正确的 11 位手机号码"
MSG_MOBILE_TAKEN = "该手机号已注册，请直接登录"
MSG_NAME = "请填写姓名"
MSG_PASSWORD = "请设置密码"  # noqa: S105  (a message, not a password)
MSG_UNIT = "请选择房屋"
MSG_UNIT_MISMATCH = "所选房屋不在该楼栋"
MSG_RELATION = "请选择与房屋的关系"
MSG_ARCHIVE_NAME = "请填写在物业登记的姓名"
MSG_ALREADY_LINKED = "您已关联该房屋，无需再次核实"
MSG_ALREADY_PENDING = "该房屋的核实申请正在审核中，请耐心等待"
MSG_NOT_PENDING = "该申请已处理"
MSG_NOT_OCCUPANT = "所选客户不是该房屋的当前住户"
MSG_LINKED_ELSEWHERE = "该客户档案已关联其他微物业账号"
MSG_REASON = "请填写未通过的原因"
MSG_NEW_ARCHIVE = "新建客户档案需由本项目客服或资料管理员审核，请选择该房屋已有的客户档案"

RELATION_CATEGORY = {
    Occupancy.Relation.OWNER: Customer.Category.OWNER,
    Occupancy.Relation.TENANT: Customer.Category.TENANT,
    Occupancy.Relation.OCCUPANT: Customer.Category.OCCUPANT,
    Occupancy.Relation.ENTERPRISE: Customer.Category.ENTERPRISE,
}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def normalise_mobile(value: str) -> str:
    v = (value or "").strip().replace(" ", "").replace("-", "")
    return v[3:] if v.startswith("+86") else v


def mobile_taken(mobile: str) -> bool:
    return (
        User.objects.filter(username=mobile).exists()
        or User.objects.filter(kind=User.Kind.CUSTOMER, mobile=mobile).exists()
    )


# Sign-up ----------------------------------------------------------------------------------------------


@transaction.atomic
def account_signup(*, mobile: str, name: str, password: str) -> User:
    """A customer account: logs in by its mobile number (also its username). Django's password
    validators apply. Not linked to any archive until staff approve a verification request."""
    mobile = normalise_mobile(mobile)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not MOBILE_RE.match(mobile):
        errors["mobile"] = [MSG_MOBILE]
    elif mobile_taken(mobile):
        errors["mobile"] = [MSG_MOBILE_TAKEN]
    if not name:
        errors["name"] = [MSG_NAME]
    elif len(name) > 50:
        errors["name"] = ["姓名最多 50 个字"]
    user = User(username=mobile, name=name, mobile=mobile, kind=User.Kind.CUSTOMER)
    if not password:
        errors["password"] = [MSG_PASSWORD]
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same mobile signed up a moment ago
        raise ValidationFailed(MSG_MOBILE_TAKEN, fields={"mobile": [MSG_MOBILE_TAKEN]}) from exc
    return user


# Verification of occupancy (入住核实) --------------------------------------------------------------------


@transaction.atomic
def verification_request(
    *,
    actor: User,
    project: Project,
    building: Building,
    unit: Unit | None,
    relation: str,
    name: str,
    remark: str = "",
    now: dt.datetime | None = None,
) -> VerificationRequest:
    now = _now(now)
    if not is_customer(actor):
        raise Forbidden(MSG_FORBIDDEN)
    errors: dict[str, list[str]] = {}
    if building.project_id != project.pk:
        errors["building"] = [MSG_UNIT_MISMATCH]
    if unit is None:
        errors["unit"] = [MSG_UNIT]
    elif unit.building_id != building.pk or unit.project_id != project.pk:
        errors["unit"] = [MSG_UNIT_MISMATCH]
    if relation not in Occupancy.Relation.values:
        errors["relation"] = [MSG_RELATION]
    name = (name or "").strip()
    if not name:
        errors["name"] = [MSG_ARCHIVE_NAME]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    assert unit is not None
    if my_units(actor).filter(pk=unit.pk).exists():
        raise ValidationFailed(MSG_ALREADY_LINKED, fields={"unit": [MSG_ALREADY_LINKED]})
    pending = VerificationRequest.objects.filter(account=actor, unit=unit, status=VerificationRequest.Status.PENDING)
    if pending.exists():
        raise ValidationFailed(MSG_ALREADY_PENDING, fields={"unit": [MSG_ALREADY_PENDING]})
    try:
        with transaction.atomic():
            return VerificationRequest.objects.create(
                account=actor,
                project=project,
                building=building,
                unit=unit,
                relation=relation,
                name=name[:100],
                remark=(remark or "").strip()[:200],
                created_at=now,
            )
    except IntegrityError as exc:
        raise ValidationFailed(MSG_ALREADY_PENDING, fields={"unit": [MSG_ALREADY_PENDING]}) from exc


def _lock_pending(actor: User, request: VerificationRequest) -> VerificationRequest:
    locked = (
        VerificationRequest.objects.select_for_update(of=("self",)).select_related("unit", "account").get(pk=request.pk)
    )
    if not may_on_unit(actor, Perm.EDIT_ARCHIVES, locked.unit):
        raise Forbidden(MSG_FORBIDDEN)
    if locked.status != VerificationRequest.Status.PENDING:
        raise Conflict(MSG_NOT_PENDING, code="illegal_transition")
    return locked


def current_occupants(unit: Unit) -> list[Customer]:
    """The unit's current customers (the approval links one of them), owners first."""
    rows = (
        Occupancy.objects.filter(unit=unit, move_out__isnull=True, customer__is_active=True)
        .select_related("customer", "customer__account")
        .order_by("move_in", "pk")
    )
    occupants = [o.customer for o in rows]
    owners = {o.customer_id for o in rows if o.relation == Occupancy.Relation.OWNER}
    return sorted(occupants, key=lambda c: c.pk not in owners)


def suggested_customer(request: VerificationRequest) -> Customer | None:
    """The occupant whose archive name is the name given in the request, if exactly one."""
    wanted = request.name.replace(" ", "")
    same = [c for c in current_occupants(request.unit) if c.name.replace(" ", "") == wanted]
    return same[0] if len(same) == 1 else None


@transaction.atomic
def verification_approve(
    *, actor: User, request: VerificationRequest, customer: Customer | None = None, now: dt.datetime | None = None
) -> VerificationRequest:
    """Link the account to `customer`, a current occupant of the unit chosen by the reviewer. Without one,
    a new archive is created for the applicant (name, mobile, the relation as its type) and moved into the
    unit today: that needs the right to create archives in the project (customers.services decides)."""
    now = _now(now)
    request = _lock_pending(actor, request)
    account = request.account
    unit = request.unit
    if customer is not None:
        occupant_ids = {c.pk for c in current_occupants(unit)}
        if customer.pk not in occupant_ids:
            raise ValidationFailed(MSG_NOT_OCCUPANT, fields={"customer": [MSG_NOT_OCCUPANT]})
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.account_id not in (None, account.pk):
            raise Conflict(MSG_LINKED_ELSEWHERE, code="linked_elsewhere")
    else:
        if not can(actor, Perm.EDIT_ARCHIVES, unit.project_id):
            raise Forbidden(MSG_NEW_ARCHIVE)
        contacts = []
        if MOBILE_RE.match(account.mobile or ""):
            contacts.append(customer_services.ContactInput(Contact.Kind.MOBILE, account.mobile, is_primary=True))
        enterprise = request.relation == Occupancy.Relation.ENTERPRISE
        customer = customer_services.customer_create(
            actor=actor,
            project=unit.project,
            name=request.name,
            kind=Customer.Kind.ORGANISATION if enterprise else Customer.Kind.PERSON,
            category=RELATION_CATEGORY[Occupancy.Relation(request.relation)],
            contacts=contacts,
            remark="微物业入住核实时建档",
        )
        customer_services.occupancy_move_in(
            actor=actor,
            unit=unit,
            customer=customer,
            relation=request.relation,
            move_in=timezone.localdate(now),
            remark="微物业入住核实",
        )
    customer.account = account
    customer.save(update_fields=["account", "updated_at"])
    request.status = VerificationRequest.Status.APPROVED
    request.customer = customer
    request.reviewed_by = actor
    request.reviewed_at = now
    request.reason = ""
    request.save(update_fields=["status", "customer", "reviewed_by", "reviewed_at", "reason"])
    notify(
        [account],
        kind=Notification.Kind.COMMENT,
        title=f"入住核实已通过：{unit.code}",
        body="您的账号已关联该房屋，现在可以在线报事、查看进度和评价了。",
        url="/m/",
        dedupe_key=f"verification:{request.pk}",
    )
    return request


@transaction.atomic
def verification_reject(
    *, actor: User, request: VerificationRequest, reason: str, now: dt.datetime | None = None
) -> VerificationRequest:
    now = _now(now)
    request = _lock_pending(actor, request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(MSG_REASON, fields={"reason": [MSG_REASON]})
    request.status = VerificationRequest.Status.REJECTED
    request.reason = reason[:200]
    request.reviewed_by = actor
    request.reviewed_at = now
    request.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    notify(
        [request.account],
        kind=Notification.Kind.COMMENT,
        title=f"入住核实未通过：{request.unit.code}",
        body=reason,
        url="/m/verify/",
        dedupe_key=f"verification:{request.pk}",
    )
    return request
