"""Every write to customer archives: one function per action, each in a transaction and
each refusing what the actor may not do. Views, the API and the importer all call these."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, ValidationFailed, from_django_validation
from kefu.org.models import Project, User, Zone
from kefu.org.roles import Perm
from kefu.org.scope import access, can

from .models import (
    Asset,
    AssetRecord,
    Building,
    Contact,
    CreditGrade,
    CreditGradeChange,
    Customer,
    CustomerNote,
    Entrance,
    KeyCustomer,
    Occupancy,
    RevealLog,
    Tag,
    Unit,
)
from .scoping import may_on_customer, may_on_unit

MSG_FORBIDDEN = "您没有权限执行此操作"
MSG_STALE = "该客户档案已被他人修改，请刷新后重试"
MSG_MOBILE = "手机号码格式不正确（应为 11 位数字，以 1 开头）"
MSG_LANDLINE = "固定电话格式不正确"
MSG_EMAIL = "邮箱格式不正确"
MSG_ID_CARD = "身份证号码格式不正确"
MSG_CONTACT_TOO_LONG = "联系方式过长（最多 100 个字符）"
MAX_CONTACT_LEN = 100
MSG_ALREADY_IN = "该客户已入住此房屋"
MSG_MOVE_OUT_BEFORE_IN = "迁出日期不能早于入住日期"
MSG_ALREADY_OUT = "该入住记录已迁出"
MSG_GRADE_REASON = "请填写评级原因"
MSG_GRADE_SAME = "新等级与当前等级相同"
MSG_KEY_EXISTS = "该客户已在重点关注名单中"
MSG_KEY_OWNER = "负责人必须是该项目的员工"
MSG_NOTE_EMPTY = "备注内容不能为空"
MSG_SERIAL_TAKEN = "该序列号已存在"
MSG_OTHER_PROJECT = "所选对象不属于该项目"

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$|^400-?\d{3}-?\d{4}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_CARD_RE = re.compile(r"^\d{17}[\dXx]$")


def _clean_save(obj: Any, *, exclude: Sequence[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    obj.save()


def _require_project(actor: User, perm: Perm, project_id: int) -> None:
    if not can(actor, perm, project_id):
        raise Forbidden(MSG_FORBIDDEN)


def _require_customer(actor: User, perm: Perm, customer: Customer) -> None:
    if not may_on_customer(actor, perm, customer):
        raise Forbidden(MSG_FORBIDDEN)


# Validation of contact values and ID numbers ---------------------------------------------------


def validate_contact(kind: str, value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if kind == Contact.Kind.MOBILE and not MOBILE_RE.match(value):
        raise ValidationFailed(MSG_MOBILE, fields={"value": [MSG_MOBILE]})
    if kind == Contact.Kind.LANDLINE and not LANDLINE_RE.match(value):
        raise ValidationFailed(MSG_LANDLINE, fields={"value": [MSG_LANDLINE]})
    if kind == Contact.Kind.EMAIL and not EMAIL_RE.match(value):
        raise ValidationFailed(MSG_EMAIL, fields={"value": [MSG_EMAIL]})
    if kind not in Contact.Kind.values:
        raise ValidationFailed("无效的联系方式类型", fields={"kind": ["无效的联系方式类型"]})
    if not value:
        raise ValidationFailed("请填写联系方式", fields={"value": ["请填写联系方式"]})
    if len(value) > MAX_CONTACT_LEN:
        raise ValidationFailed(MSG_CONTACT_TOO_LONG, fields={"value": [MSG_CONTACT_TOO_LONG]})
    return value


def id_card_checksum_ok(value: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    codes = "10X98765432"
    total = sum(int(c) * w for c, w in zip(value[:17], weights, strict=True))
    return codes[total % 11] == value[17].upper()


def validate_id_number(id_type: str, id_number: str) -> str:
    id_number = (id_number or "").strip().upper()
    if (
        id_type == Customer.IdType.ID_CARD
        and id_number
        and not (ID_CARD_RE.match(id_number) and id_card_checksum_ok(id_number))
    ):
        raise ValidationFailed(MSG_ID_CARD, fields={"id_number": [MSG_ID_CARD]})
    return id_number


# Customers -------------------------------------------------------------------------------------


@dataclass
class ContactInput:
    kind: str
    value: str
    label: str = ""
    is_primary: bool = False


def _next_customer_code(project: Project) -> str:
    """The next automatic code, PREFIX-000123. The project row is locked so two concurrent creates
    in one project serialise here; codes that are not prefix + digits (e.g. "A-VIP") are ignored."""
    Project.objects.select_for_update().filter(pk=project.pk).first()
    prefix = f"{project.code}-"
    last = (
        Customer.objects.filter(project=project, code__regex=rf"^{re.escape(prefix)}[0-9]+$")
        .order_by(Length("code").desc(), "-code")
        .values_list("code", flat=True)
        .first()
    )
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:06d}"


CUSTOMER_FIELDS = ("kind", "category", "name", "gender", "id_type", "id_number", "birthday", "remark")


@transaction.atomic
def customer_create(
    *,
    actor: User,
    project: Project,
    name: str,
    kind: str = Customer.Kind.PERSON,
    category: str = Customer.Category.OWNER,
    gender: str = "",
    id_type: str = "",
    id_number: str = "",
    birthday: dt.date | None = None,
    remark: str = "",
    credit_grade: str = CreditGrade.B,
    contacts: Iterable[ContactInput] = (),
    tags: Iterable[Tag] = (),
    code: str = "",
) -> Customer:
    _require_project(actor, Perm.EDIT_ARCHIVES, project.pk)
    customer = Customer(
        project=project,
        code=code.strip() or _next_customer_code(project),
        name=(name or "").strip(),
        kind=kind,
        category=category,
        gender=gender,
        id_type=id_type,
        id_number=validate_id_number(id_type, id_number),
        birthday=birthday,
        remark=remark,
        credit_grade=credit_grade,
    )
    _clean_save(customer)
    contact_list = list(contacts)
    if contact_list and not any(c.is_primary for c in contact_list):
        contact_list[0].is_primary = True
    for c in contact_list:
        Contact.objects.create(
            customer=customer,
            kind=c.kind,
            value=validate_contact(c.kind, c.value),
            label=c.label,
            is_primary=c.is_primary,
        )
    tag_list = list(tags)
    if any(t.project_id not in (None, project.pk) for t in tag_list):
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"tags": [MSG_OTHER_PROJECT]})
    if tag_list:
        customer.tags.set(tag_list)
    CreditGradeChange.objects.create(
        customer=customer,
        previous="",
        grade=credit_grade,
        reason="建档初始评级",
        effective_on=timezone.localdate(),
        changed_by=actor,
    )
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer: Customer, version: int | None = None, **fields: Any) -> Customer:
    """Change the archive's own fields. `version` is the one the editor saw: if someone saved
    in between, the change is refused rather than silently overwriting theirs."""
    _require_customer(actor, Perm.EDIT_ARCHIVES, customer)
    unknown = set(fields) - set(CUSTOMER_FIELDS) - {"tags"}
    if unknown:
        raise ValidationFailed("不可修改的字段", fields={k: ["不可修改"] for k in unknown})
    tags = fields.pop("tags", None)
    if "id_number" in fields or "id_type" in fields:
        fields["id_number"] = validate_id_number(
            fields.get("id_type", customer.id_type), fields.get("id_number", customer.id_number)
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if version is not None and locked.version != version:
        raise Conflict(MSG_STALE, code="stale")
    for k, v in fields.items():
        setattr(locked, k, v.strip() if isinstance(v, str) and k == "name" else v)
    locked.version = F("version") + 1
    try:
        locked.full_clean(exclude=["version"])
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    locked.save()
    if tags is not None:
        tags = list(tags)
        if any(t.project_id not in (None, locked.project_id) for t in tags):
            raise ValidationFailed(MSG_OTHER_PROJECT, fields={"tags": [MSG_OTHER_PROJECT]})
        locked.tags.set(tags)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def contact_add(
    *, actor: User, customer: Customer, kind: str, value: str, label: str = "", is_primary: bool = False
) -> Contact:
    _require_customer(actor, Perm.EDIT_ARCHIVES, customer)
    value = validate_contact(kind, value)
    if is_primary:
        customer.contacts.filter(kind=kind).update(is_primary=False)
    return Contact.objects.create(customer=customer, kind=kind, value=value, label=label, is_primary=is_primary)


@transaction.atomic
def contact_remove(*, actor: User, contact: Contact) -> None:
    _require_customer(actor, Perm.EDIT_ARCHIVES, contact.customer)
    contact.delete()


@transaction.atomic
def note_add(*, actor: User, customer: Customer, text: str) -> CustomerNote:
    _require_customer(actor, Perm.EDIT_ARCHIVES, customer)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(MSG_NOTE_EMPTY, fields={"text": [MSG_NOTE_EMPTY]})
    return CustomerNote.objects.create(customer=customer, author=actor, text=text)


# Credit grade and key customers ----------------------------------------------------------------


@transaction.atomic
def credit_grade_set(
    *, actor: User, customer: Customer, grade: str, reason: str, effective_on: dt.date | None = None
) -> CreditGradeChange:
    _require_customer(actor, Perm.GRADE_CREDIT, customer)
    if grade not in CreditGrade.values:
        raise ValidationFailed("无效的信用等级", fields={"grade": ["无效的信用等级"]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(MSG_GRADE_REASON, fields={"reason": [MSG_GRADE_REASON]})
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.credit_grade == grade:
        raise ValidationFailed(MSG_GRADE_SAME, fields={"grade": [MSG_GRADE_SAME]})
    change = CreditGradeChange.objects.create(
        customer=locked,
        previous=locked.credit_grade,
        grade=grade,
        reason=reason,
        effective_on=effective_on or timezone.localdate(),
        changed_by=actor,
    )
    locked.credit_grade = grade
    locked.version = F("version") + 1
    locked.save(update_fields=["credit_grade", "version", "updated_at"])
    return change


def _check_key_owner(customer: Customer, owner: User) -> None:
    if (
        not owner.memberships.filter(is_active=True).filter(project_id=customer.project_id).exists()
        and not owner.memberships.filter(is_active=True, role="head_office").exists()
    ):
        raise ValidationFailed(MSG_KEY_OWNER, fields={"owner": [MSG_KEY_OWNER]})


@transaction.atomic
def key_customer_add(*, actor: User, customer: Customer, owner: User, reason: str, review_on: dt.date) -> KeyCustomer:
    _require_customer(actor, Perm.MANAGE_KEY_CUSTOMERS, customer)
    if KeyCustomer.objects.filter(customer=customer).exists():
        raise ValidationFailed(MSG_KEY_EXISTS, fields={"customer": [MSG_KEY_EXISTS]})
    _check_key_owner(customer, owner)
    entry = KeyCustomer(
        customer=customer, owner=owner, reason=(reason or "").strip(), review_on=review_on, added_by=actor
    )
    _clean_save(entry, exclude=["added_by", "customer"])
    return entry


@transaction.atomic
def key_customer_update(
    *, actor: User, entry: KeyCustomer, owner: User, reason: str, review_on: dt.date
) -> KeyCustomer:
    _require_customer(actor, Perm.MANAGE_KEY_CUSTOMERS, entry.customer)
    _check_key_owner(entry.customer, owner)
    entry.owner = owner
    entry.reason = (reason or "").strip()
    entry.review_on = review_on
    _clean_save(entry, exclude=["added_by", "customer"])
    return entry


@transaction.atomic
def key_customer_remove(*, actor: User, entry: KeyCustomer) -> None:
    _require_customer(actor, Perm.MANAGE_KEY_CUSTOMERS, entry.customer)
    entry.delete()


# Property structure and occupancy --------------------------------------------------------------


@transaction.atomic
def building_create(*, actor: User, project: Project, code: str, name: str = "", floors: int = 0) -> Building:
    _require_project(actor, Perm.EDIT_ARCHIVES, project.pk)
    b = Building(project=project, code=code.strip(), name=(name or f"{code}栋").strip(), floors=floors)
    _clean_save(b)
    return b


@transaction.atomic
def entrance_get_or_create(*, actor: User, building: Building, code: str) -> Entrance:
    _require_project(actor, Perm.EDIT_ARCHIVES, building.project_id)
    entrance, _ = Entrance.objects.get_or_create(
        building=building, code=code.strip(), defaults={"name": f"{code.strip()}单元"}
    )
    return entrance


def unit_code(building: Building, entrance: Entrance | None, number: str) -> str:
    return "-".join(p for p in (building.code, entrance.code if entrance else "", number) if p)


@transaction.atomic
def unit_create(
    *,
    actor: User,
    building: Building,
    number: str,
    floor: int,
    entrance: Entrance | None = None,
    area: Any = None,
    kind: str = Unit.Kind.RESIDENCE,
    zone: Zone | None = None,
) -> Unit:
    _require_project(actor, Perm.EDIT_ARCHIVES, building.project_id)
    if entrance is not None and entrance.building_id != building.pk:
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"entrance": [MSG_OTHER_PROJECT]})
    if zone is not None and zone.project_id != building.project_id:
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"zone": [MSG_OTHER_PROJECT]})
    number = (number or "").strip()
    unit = Unit(
        project_id=building.project_id,
        building=building,
        entrance=entrance,
        number=number,
        floor=floor,
        code=unit_code(building, entrance, number),
        area=area,
        kind=kind,
        zone=zone,
    )
    _clean_save(unit)
    return unit


@transaction.atomic
def zone_assign_units(*, actor: User, zone: Zone, units: Iterable[Unit]) -> int:
    """Put units into a zone (a building, some floors...). Returns how many moved."""
    _require_project(actor, Perm.MANAGE_ORG, zone.project_id)
    ids = [u.pk for u in units]
    if Unit.objects.filter(pk__in=ids).exclude(project_id=zone.project_id).exists():
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"units": [MSG_OTHER_PROJECT]})
    moved = 0
    for unit in Unit.objects.filter(pk__in=ids).exclude(zone=zone):
        unit.zone = zone
        unit.save(update_fields=["zone"])  # one by one so that each move is audited
        moved += 1
    return moved


def _refresh_unit_status(unit: Unit) -> None:
    occupied = unit.occupancies.filter(move_out__isnull=True).exists()
    if occupied:
        status = unit.status if unit.status == Unit.Status.RENOVATING else Unit.Status.OCCUPIED
    else:
        status = Unit.Status.VACANT
    if unit.status != status:
        unit.status = status
        unit.save(update_fields=["status"])


@transaction.atomic
def occupancy_move_in(
    *, actor: User, unit: Unit, customer: Customer, relation: str, move_in: dt.date, remark: str = ""
) -> Occupancy:
    if not may_on_unit(actor, Perm.EDIT_ARCHIVES, unit):
        raise Forbidden(MSG_FORBIDDEN)
    if customer.project_id != unit.project_id:
        raise ValidationFailed(MSG_OTHER_PROJECT, fields={"customer": [MSG_OTHER_PROJECT]})
    if relation not in Occupancy.Relation.values:
        raise ValidationFailed("无效的关系", fields={"relation": ["无效的关系"]})
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if Occupancy.objects.filter(unit=unit, customer=customer, move_out__isnull=True).exists():
        raise ValidationFailed(MSG_ALREADY_IN, fields={"customer": [MSG_ALREADY_IN]})
    try:
        with transaction.atomic():
            occ = Occupancy.objects.create(
                unit=unit, customer=customer, relation=relation, move_in=move_in, remark=remark
            )
    except IntegrityError as exc:
        raise ValidationFailed(MSG_ALREADY_IN, fields={"customer": [MSG_ALREADY_IN]}) from exc
    _refresh_unit_status(unit)
    return occ


@transaction.atomic
def occupancy_move_out(*, actor: User, occupancy: Occupancy, move_out: dt.date) -> Occupancy:
    unit = occupancy.unit
    if not may_on_unit(actor, Perm.EDIT_ARCHIVES, unit):
        raise Forbidden(MSG_FORBIDDEN)
    locked = Occupancy.objects.select_for_update().get(pk=occupancy.pk)
    if locked.move_out is not None:
        raise Conflict(MSG_ALREADY_OUT)
    if move_out < locked.move_in:
        raise ValidationFailed(MSG_MOVE_OUT_BEFORE_IN, fields={"move_out": [MSG_MOVE_OUT_BEFORE_IN]})
    locked.move_out = move_out
    locked.save(update_fields=["move_out"])
    _refresh_unit_status(unit)
    return locked


# Assets ---------------------------------------------------------------------------------------


ASSET_FIELDS = ("name", "model", "serial_no", "installed_on", "warranty_until", "remark", "customer", "unit")


@transaction.atomic
def asset_create(*, actor: User, project: Project, **fields: Any) -> Asset:
    _require_project(actor, Perm.EDIT_ARCHIVES, project.pk)
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValidationFailed("不可修改的字段", fields={k: ["不可修改"] for k in unknown})
    for rel in ("customer", "unit"):
        obj = fields.get(rel)
        if obj is not None and obj.project_id != project.pk:
            raise ValidationFailed(MSG_OTHER_PROJECT, fields={rel: [MSG_OTHER_PROJECT]})
    asset = Asset(project=project, **fields)
    asset.serial_no = (asset.serial_no or "").strip()
    if Asset.objects.filter(project=project, serial_no=asset.serial_no).exists():
        raise ValidationFailed(MSG_SERIAL_TAKEN, fields={"serial_no": [MSG_SERIAL_TAKEN]})
    _clean_save(asset)
    AssetRecord.objects.create(
        asset=asset,
        kind=AssetRecord.Kind.INSTALL,
        happened_on=asset.installed_on or timezone.localdate(),
        description="建立设备档案",
        author=actor,
    )
    return asset


@transaction.atomic
def asset_record_add(*, actor: User, asset: Asset, kind: str, happened_on: dt.date, description: str) -> AssetRecord:
    a_ok = can(actor, Perm.EDIT_ARCHIVES, asset.project_id) or (
        asset.unit is not None and may_on_unit(actor, Perm.EDIT_ARCHIVES, asset.unit)
    )
    if not a_ok:
        raise Forbidden(MSG_FORBIDDEN)
    record = AssetRecord(
        asset=asset, kind=kind, happened_on=happened_on, description=(description or "").strip(), author=actor
    )
    _clean_save(record)
    return record


# Tags -----------------------------------------------------------------------------------------


@transaction.atomic
def tag_create(*, actor: User, project: Project | None, name: str, color: str = "blue") -> Tag:
    if project is None:
        if not access(actor, Perm.MANAGE_ORG).all_projects:
            raise Forbidden(MSG_FORBIDDEN)
    else:
        _require_project(actor, Perm.EDIT_ARCHIVES, project.pk)
    tag = Tag(project=project, name=(name or "").strip(), color=color)
    _clean_save(tag)
    return tag


# Personal data --------------------------------------------------------------------------------


def reveal_contact(*, actor: User, contact: Contact, ip: str | None = None, channel: str = "web") -> str:
    """Show a phone number in full, and log that it was shown."""
    customer = contact.customer
    if not may_on_customer(actor, Perm.REVEAL_PHONE, customer):
        raise Forbidden("您的角色不能查看完整号码")
    RevealLog.objects.create(
        user=actor, customer=customer, contact=contact, field=RevealLog.Field.PHONE, ip=ip, channel=channel
    )
    return contact.value


def reveal_id_number(*, actor: User, customer: Customer, ip: str | None = None, channel: str = "web") -> str:
    if not may_on_customer(actor, Perm.REVEAL_ID, customer):
        raise Forbidden("您的角色不能查看完整证件号码")
    RevealLog.objects.create(user=actor, customer=customer, field=RevealLog.Field.ID_NUMBER, ip=ip, channel=channel)
    return customer.id_number
