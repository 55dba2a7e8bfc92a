"""Demo special services for `manage.py seed_demo` (call `seed(stdout)` after the residents' accounts
exist), made through kefu.catalog.services: two services the head office offers everywhere, seven of
阳光花园 and one of 国贸中心大厦; and yezhu2's order of an appliance cleaning (a special_service case from the
portal). Skipped when any catalogue item exists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kefu.core.errors import ApplicationError
from kefu.org.models import Project, User
from kefu.portal.access import my_units
from kefu.tickets.models import Category

from . import services
from .models import ServiceItem, ServiceOrder

# (project code or None for shared, category code, name, price, unit, description)
ITEMS: list[tuple[str | None, str, str, str, str, str]] = [
    (None, "", "开锁", "60", "次", "忘带钥匙、门锁故障上门开锁，需核验业主身份后开启。更换锁芯另计。"),
    (None, "GD", "管道疏通", "100", "次", "厨房、卫生间下水管道及地漏疏通，含简单检查。"),
    ("YGHY", "JD", "家电清洗", "80", "台", "空调、油烟机、洗衣机、热水器深度拆洗消毒，按台计费。"),
    ("YGHY", "JZ", "日常保洁", "50", "小时", "擦窗、地面清洁、厨卫清洁，2 小时起约，自带工具和清洁剂。"),
    ("YGHY", "JZ", "开荒保洁", "8", "平方米", "装修完工后的全屋开荒清洁，按建筑面积计费，100 平方米起。"),
    ("YGHY", "JD", "空调加氟", "150", "台", "挂机、柜机检测并补充制冷剂，含检漏。"),
    ("YGHY", "JZ", "窗帘拆洗", "15", "米", "上门拆卸、清洗、熨烫并安装，按窗帘宽度计费。"),
    ("YGHY", "", "搬运服务", "120", "小时", "家具搬运、小区内搬家，两名搬运工，1 小时起。"),
    ("GMZX", "JZ", "办公室深度保洁", "6", "平方米", "工位、会议室、茶水间深度清洁，周末可预约。"),
]
MANAGERS = {None: "zongbu", "YGHY": "jingli", "GMZX": "gmjingli"}


def seed(stdout: Any = None, now: dt.datetime | None = None) -> list[ServiceItem]:
    if ServiceItem.objects.exists():
        if stdout is not None:
            stdout.write("特约服务：已有服务项目，跳过。")
        return []
    now = now or timezone.now()
    projects = {p.code: p for p in Project.objects.filter(code__in=["YGHY", "GMZX"])}
    users = {u.username: u for u in User.objects.filter(username__in=[*MANAGERS.values(), "yezhu2"])}
    categories = {c.code: c for c in Category.objects.filter(kind="special_service", project__isnull=True)}
    made: list[ServiceItem] = []
    for sort, (code, category, name, price, unit, description) in enumerate(ITEMS, start=1):
        project = projects.get(code) if code else None
        actor = users.get(MANAGERS[code])
        if actor is None or (code and project is None):
            continue
        made.append(
            services.item_create(
                actor=actor,
                project=project,
                name=name,
                price=price,
                unit=unit,
                category=categories.get(category),
                description=description,
                sort=sort * 10,
            )
        )
    order = _order(users.get("yezhu2"), made, now)
    if stdout is not None:
        tail = f"，yezhu2 预约了{order.name}（工单 {order.case.number}）" if order else ""
        stdout.write(f"特约服务：{len(made)} 个服务项目{tail}。")
    return made


def _order(resident: User | None, items: list[ServiceItem], now: dt.datetime) -> ServiceOrder | None:
    if resident is None:
        return None
    unit = my_units(resident).first()
    item = next((i for i in items if i.name == "家电清洗" and unit and i.project_id == unit.project_id), None)
    if unit is None or item is None:
        return None
    try:
        return services.order_create(
            actor=resident,
            item=item,
            unit=unit,
            quantity=2,
            preferred_time="本周六上午 9:00-12:00",
            note="客厅挂机和卧室挂机各一台",
            now=now - dt.timedelta(hours=3),
        )
    except ApplicationError:
        return None
