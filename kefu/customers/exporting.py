"""Archive lists as xlsx. Phone and ID numbers are masked in every export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from kefu.core.masking import mask_email, mask_id_number, mask_phone, mask_wechat
from kefu.core.xlsx import xlsx_response

from .models import Asset, Contact, Customer, KeyCustomer, Unit

_MASKERS = {
    Contact.Kind.MOBILE: mask_phone,
    Contact.Kind.LANDLINE: mask_phone,
    Contact.Kind.EMAIL: mask_email,
    Contact.Kind.WECHAT: mask_wechat,
}


def masked_contact(contact: Contact) -> str:
    return _MASKERS[Contact.Kind(contact.kind)](contact.value)


CUSTOMER_HEADERS = [
    "客户编号",
    "项目",
    "客户名称",
    "客户性质",
    "客户类型",
    "证件号码",
    "手机",
    "其他联系方式",
    "房屋",
    "信用等级",
    "标签",
    "重点关注",
    "建档时间",
]


def customer_rows(qs: QuerySet[Customer]) -> Iterator[list[Any]]:
    for c in qs.iterator(chunk_size=500):
        contacts = list(c.contacts.all())
        mobiles = [masked_contact(x) for x in contacts if x.kind == Contact.Kind.MOBILE]
        others = [masked_contact(x) for x in contacts if x.kind != Contact.Kind.MOBILE]
        yield [
            c.code,
            c.project.name,
            c.name,
            c.get_kind_display(),
            c.get_category_display(),
            mask_id_number(c.id_number),
            "、".join(mobiles),
            "、".join(others),
            "、".join(o.unit.code for o in getattr(c, "current_occupancies", [])),
            c.credit_grade,
            "、".join(t.name for t in c.tags.all()),
            "是" if hasattr(c, "key_entry") else "",
            c.created_at,
        ]


def customers_xlsx(qs: QuerySet[Customer]) -> HttpResponse:
    return xlsx_response("客户档案", "客户档案", CUSTOMER_HEADERS, customer_rows(qs))


UNIT_HEADERS = [
    "房屋编码",
    "项目",
    "楼栋",
    "单元",
    "楼层",
    "房号",
    "房屋类型",
    "建筑面积",
    "状态",
    "责任区域",
    "当前住户",
]


def unit_rows(qs: QuerySet[Unit]) -> Iterator[list[Any]]:
    for u in qs.iterator(chunk_size=500):
        yield [
            u.code,
            u.project.name,
            u.building.name,
            u.entrance.name if u.entrance else "",
            u.floor,
            u.number,
            u.get_kind_display(),
            u.area,
            u.get_status_display(),
            u.zone.name if u.zone else "",
            "、".join(o.customer.name for o in getattr(u, "current_occupancies", [])),
        ]


def units_xlsx(qs: QuerySet[Unit]) -> HttpResponse:
    return xlsx_response("房屋资料", "房屋资料", UNIT_HEADERS, unit_rows(qs))


def assets_xlsx(qs: QuerySet[Asset]) -> HttpResponse:
    rows = (
        [
            a.serial_no,
            a.project.name,
            a.name,
            a.model,
            a.customer.name if a.customer else "",
            a.unit.code if a.unit else "",
            a.installed_on,
            a.warranty_until,
        ]
        for a in qs.iterator(chunk_size=500)
    )
    return xlsx_response(
        "设备档案", "设备档案", ["序列号", "项目", "设备名称", "型号", "客户", "安装位置", "安装日期", "保修截止"], rows
    )


def key_customers_xlsx(qs: QuerySet[KeyCustomer]) -> HttpResponse:
    rows = (
        [
            k.customer.code,
            k.customer.name,
            k.customer.project.name,
            k.owner.display_name,
            k.reason,
            k.review_on,
            k.added_at,
        ]
        for k in qs.iterator(chunk_size=500)
    )
    return xlsx_response(
        "重点关注客户",
        "重点关注客户",
        ["客户编号", "客户名称", "项目", "负责人", "关注原因", "复核日期", "添加时间"],
        rows,
    )
