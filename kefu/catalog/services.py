"""Writing the special-services catalogue (staff, Perm.MANAGE_DESK) and ordering from it (customers).

Catalogue rows follow the desk settings' rule (kefu.tickets.settings_services.may_manage): a project's items
belong to that project's MANAGE_DESK holders, shared items (project=None) to head office.

An order is a case: order_create calls kefu.tickets.services.customer_case_create (kind special_service,
channel portal, for a unit the customer lives in, the item's category) with the item, unit price, quantity
and total written into the case's description, and keeps a ServiceOrder row with the same figures, all in
one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.customers.models import Unit
from kefu.org.models import Project, User
from kefu.portal.access import my_units
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Category
from kefu.tickets.settings_services import may_manage
from kefu.tickets.states import Channel, Kind

from .models import PriceUnit, ServiceItem, ServiceOrder

MSG_FORBIDDEN = "您没有权限修改特约服务"
MSG_SHARED_ONLY_HEAD = "全部项目共用的服务只能由总部修改"
MSG_NAME = "请填写服务名称"
MSG_PRICE = "请填写不小于 0 的单价"
MSG_UNIT = "请选择计价单位"
MSG_CATEGORY = "请选择特约服务类的工单分类"
MSG_NOT_FOUND = "该服务不存在或已下架"
MSG_QUANTITY = "数量须大于 0"
MSG_QUANTITY_MAX = "数量不能超过 999"
MSG_ORDER_UNIT = "请选择服务地址（您名下的房屋）"
MSG_UNIT_OTHER_PROJECT = "该服务不适用于所选房屋所在的项目"
MAX_QUANTITY = Decimal(999)
MAX_PRICE = Decimal("99999999.99")


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _require(actor: User, project_id: int | None) -> None:
    if not may_manage(actor, project_id):
        raise Forbidden(MSG_SHARED_ONLY_HEAD if project_id is None else MSG_FORBIDDEN)


def _clean(project_id: int | None, data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()
    if not name:
        raise _fail("name", MSG_NAME)
    try:
        price = Decimal(str(data.get("price"))).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise _fail("price", MSG_PRICE) from None
    if price < 0 or price > MAX_PRICE:
        raise _fail("price", MSG_PRICE)
    unit = data.get("unit") or ""
    if unit not in PriceUnit.values:
        raise _fail("unit", MSG_UNIT)
    category: Category | None = data.get("category")
    if category is not None and (
        category.kind != Kind.SPECIAL_SERVICE or category.project_id not in (None, project_id)
    ):
        raise _fail("category", MSG_CATEGORY)
    return {
        "name": name[:50],
        "description": (data.get("description") or "").strip(),
        "price": price,
        "unit": unit,
        "category": category,
        "is_active": bool(data.get("is_active", True)),
        "sort": int(data.get("sort") or 0),
    }


@transaction.atomic
def item_create(*, actor: User, project: Project | None, **data: Any) -> ServiceItem:
    project_id = project.pk if project else None
    _require(actor, project_id)
    return ServiceItem.objects.create(project_id=project_id, **_clean(project_id, data))


@transaction.atomic
def item_update(*, actor: User, item: ServiceItem, **data: Any) -> ServiceItem:
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    _require(actor, item.project_id)
    for field, value in _clean(item.project_id, data).items():
        setattr(item, field, value)
    item.save()
    return item


@transaction.atomic
def item_set_active(*, actor: User, item: ServiceItem, active: bool) -> ServiceItem:
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    _require(actor, item.project_id)
    item.is_active = active
    item.save(update_fields=["is_active", "updated_at"])
    return item


def _quantity(value: Any) -> Decimal:
    try:
        q = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        raise _fail("quantity", MSG_QUANTITY) from None
    if q <= 0:
        raise _fail("quantity", MSG_QUANTITY)
    if q > MAX_QUANTITY:
        raise _fail("quantity", MSG_QUANTITY_MAX)
    return q


def describe(item: ServiceItem, quantity: Decimal, total: Decimal, note: str) -> str:
    """The case's description: what was ordered and what it costs, then the customer's note."""
    qty = f"{quantity.normalize():f}"
    lines = [
        f"特约服务：{item.name}",
        f"单价：¥{item.price:,.2f}/{item.unit}",
        f"数量：{qty} {item.unit}",
        f"合计：¥{total:,.2f}",
    ]
    if note:
        lines.append(f"备注：{note}")
    return "\n".join(lines)


@transaction.atomic
def order_create(
    *,
    actor: User,
    item: ServiceItem,
    unit: Unit | None,
    quantity: Any,
    preferred_time: str = "",
    note: str = "",
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> ServiceOrder:
    """A customer orders a catalogue item for one of their units: a special_service case from the portal."""
    now = now or timezone.now()
    item = ServiceItem.objects.select_related("category").filter(pk=item.pk, is_active=True).first()  # type: ignore[assignment]
    if item is None:
        raise NotFound(MSG_NOT_FOUND)
    if unit is None or not my_units(actor).filter(pk=unit.pk).exists():
        raise _fail("unit", MSG_ORDER_UNIT)
    if item.project_id not in (None, unit.project_id):
        raise _fail("unit", MSG_UNIT_OTHER_PROJECT)
    qty = _quantity(quantity)
    total = ServiceOrder.total_of(item.price, qty)
    note = (note or "").strip()
    category = item.category if item.category is not None and item.category.is_active else None
    case = ticket_services.customer_case_create(
        actor=actor,
        kind=Kind.SPECIAL_SERVICE,
        channel=Channel.PORTAL,
        unit=unit,
        category=category,
        title=f"特约服务：{item.name}"[:200],
        description=describe(item, qty, total, note),
        preferred_time=preferred_time,
        contact_phone=contact_phone,
        now=now,
    )
    assert case.customer is not None
    return ServiceOrder.objects.create(
        item=item,
        case=case,
        account=actor,
        customer=case.customer,
        unit=unit,
        name=item.name,
        unit_price=item.price,
        price_unit=item.unit,
        quantity=qty,
        total=total,
        created_at=now,
    )
