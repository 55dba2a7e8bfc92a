"""Demo data of the customer portal for `manage.py seed_demo` (call `seed(stdout)` after the cases,
visits and surveys are built), made through the services like everything else:

- a new account (13600001234, password as the other demo accounts) asking to be linked to a unit of
  阳光花园 under the name of the owner in the archive: a pending verification for the desk to approve;
- three cases yezhu1 reported from the portal with photos: a leak that was fixed and rated five stars, a
  blocked drain in progress (with information the resident added), and a corridor light just reported.

Photos are small PNGs drawn here (no imaging library needed).
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from contextlib import suppress
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kefu.core.errors import ApplicationError
from kefu.customers.models import Occupancy, Unit
from kefu.org.models import Membership, Project, User
from kefu.org.roles import Role
from kefu.tickets import services as ts
from kefu.tickets.models import Case, Category
from kefu.visits import services as visits

from . import services
from .access import my_units
from .models import VerificationRequest

DEMO_PASSWORD = "kefu2026!"  # noqa: S105  (the demo accounts' published password)
NEW_ACCOUNT_MOBILE = "13600001234"
RESIDENT = "yezhu1"


def png(width: int = 96, height: int = 72, rgb: tuple[int, int, int] = (70, 130, 180), stripes: int = 0) -> bytes:
    """A valid PNG: one colour, optionally with lighter horizontal stripes (a plausible "photo" thumbnail)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    light = bytes(min(255, c + 60) for c in rgb)
    rows = []
    for y in range(height):
        colour = light if stripes and (y * stripes // height) % 2 else bytes(rgb)
        rows.append(b"\x00" + colour * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _staff(project: Project, role: str, preferred: str) -> list[User]:
    users = list(
        User.objects.filter(
            memberships__project=project, memberships__role=role, memberships__is_active=True, is_active=True
        )
        .distinct()
        .order_by("username")
    )
    users.sort(key=lambda u: u.username != preferred)
    return users


def _category(project: Project, kind: str, code: str) -> Category | None:
    qs = Category.objects.filter(Q(project=project) | Q(project__isnull=True), kind=kind, is_active=True)
    return qs.filter(code=code).first() or qs.first()


def _dispatch(case: Case, agent: User, fixers: list[User], now: dt.datetime) -> Case:
    for fixer in fixers:  # the first one with room for another job
        try:
            return ts.case_dispatch(actor=agent, case=case, assignee=fixer, now=now)
        except ApplicationError:
            continue
    return case


def pending_verification(project: Project, now: dt.datetime) -> VerificationRequest | None:
    """A newcomer who says they are the owner of a unit whose archive has no portal account yet."""
    if User.objects.filter(username=NEW_ACCOUNT_MOBILE).exists():
        return None
    occupancy = (
        Occupancy.objects.filter(
            unit__project=project,
            relation=Occupancy.Relation.OWNER,
            move_out__isnull=True,
            customer__account__isnull=True,
            customer__is_active=True,
            customer__kind="person",
        )
        .select_related("unit", "unit__building", "unit__project", "customer")
        .order_by("unit__code")
        .first()
    )
    if occupancy is None:
        return None
    unit = occupancy.unit
    account = services.account_signup(mobile=NEW_ACCOUNT_MOBILE, name=occupancy.customer.name, password=DEMO_PASSWORD)
    return services.verification_request(
        actor=account,
        project=unit.project,
        building=unit.building,
        unit=unit,
        relation=Occupancy.Relation.OWNER,
        name=occupancy.customer.name,
        remark="刚收房，业主本人",
        now=now - dt.timedelta(hours=5),
    )


def resident_cases(resident: User, unit: Unit, now: dt.datetime) -> list[Case]:
    project = unit.project
    agents = _staff(project, Role.AGENT, "kefu1")
    fixers = [
        u
        for u in _staff(project, Role.FIELD_STAFF, "weixiu1")
        if Membership.objects.filter(user=u, project=project, department__isnull=False).exists()
    ]
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)  # today, 00:00 (Beijing)
    cases = []

    # 1. A leak: reported three days ago, fixed the next day, rated five stars.
    t = day - dt.timedelta(days=3) + dt.timedelta(hours=11, minutes=12)
    leak = ts.customer_case_create(
        actor=resident,
        kind="repair",
        unit=unit,
        category=_category(project, "repair", "SD-LS"),
        description="卫生间天花板漏水，楼上可能水管有问题，滴到洗手台上了",
        preferred_time=f"{(t + dt.timedelta(days=1)).date().isoformat()} 上午 9:00-12:00",
        uploads=[
            ts.Upload("卫生间天花板.png", png(rgb=(96, 110, 124), stripes=6)),
            ts.Upload("洗手台.png", png(rgb=(180, 170, 150), stripes=3)),
        ],
        now=t,
    )
    cases.append(leak)
    if agents and fixers:
        leak = _dispatch(leak, agents[0], fixers, t + dt.timedelta(minutes=18))
        if leak.assignee is not None:
            fixer = leak.assignee
            leak = ts.case_accept(actor=fixer, case=leak, now=t + dt.timedelta(minutes=31))
            ts.case_reply(
                actor=agents[0],
                case=leak,
                body="已安排维修师傅明天上午上门，请家中留人",
                now=t + dt.timedelta(minutes=40),
            )
            leak = ts.case_start(actor=fixer, case=leak, now=t + dt.timedelta(hours=22))
            leak = ts.case_resolve(
                actor=fixer,
                case=leak,
                note="楼上卫生间下水管接头老化渗水，已更换接头并做闭水试验，无渗漏",
                now=t + dt.timedelta(hours=23, minutes=35),
            )
            with suppress(ApplicationError):  # (already rated through a return visit: leave it)
                visits.rating_submit(
                    actor=resident,
                    case=leak,
                    score=5,
                    comment="响应及时、师傅专业；第二天一早就来了，修得很仔细",
                    solved=True,
                    now=t + dt.timedelta(days=1, hours=3),
                )

    # 2. A blocked drain yesterday morning: being handled; in the evening the resident added a photo.
    t = day - dt.timedelta(days=1) + dt.timedelta(hours=10, minutes=5)
    drain = ts.customer_case_create(
        actor=resident,
        kind="repair",
        unit=unit,
        category=_category(project, "repair", "SD-DS"),
        description="阳台地漏堵塞，排水很慢，有异味",
        preferred_time=f"{day.date().isoformat()} 下午 14:00-18:00",
        uploads=[ts.Upload("阳台地漏.png", png(rgb=(120, 100, 80), stripes=4))],
        now=t,
    )
    cases.append(drain)
    if agents and fixers:
        drain = _dispatch(drain, agents[0], fixers, t + dt.timedelta(minutes=25))
        if drain.assignee is not None:
            drain = ts.case_accept(actor=drain.assignee, case=drain, now=t + dt.timedelta(minutes=50))
    ts.customer_case_comment(
        actor=resident,
        case=drain,
        body="晚上厨房水槽也开始返水了",
        uploads=[ts.Upload("厨房水槽.png", png(rgb=(150, 150, 160), stripes=2))],
        now=day - dt.timedelta(hours=2, minutes=25),  # yesterday evening
    )

    # 3. Just now: a corridor light, waiting for dispatch (the resident may still cancel it).
    t = timezone.localtime(now) - dt.timedelta(minutes=35)
    light = ts.customer_case_create(
        actor=resident,
        kind="repair",
        unit=unit,
        location="本单元 12 楼电梯厅",
        category=_category(project, "repair", "SD-DJ"),
        description="12 楼电梯厅的灯不亮了，晚上很黑",
        uploads=[ts.Upload("电梯厅.png", png(rgb=(40, 44, 52), stripes=0))],
        now=t,
    )
    cases.append(light)
    return cases


def seed(stdout: Any = None, now: dt.datetime | None = None) -> None:
    """Everything happens in 阳光花园, where yezhu1 lives (nothing is made without that resident)."""
    now = now or timezone.now()
    resident = User.objects.filter(username=RESIDENT, kind=User.Kind.CUSTOMER).first()
    unit = my_units(resident).first() if resident is not None else None
    if resident is None or unit is None:
        if stdout is not None:
            stdout.write(f"微物业：没有住户账号 {RESIDENT}，跳过。")
        return
    request = pending_verification(unit.project, now)
    cases = resident_cases(resident, unit, now)
    if stdout is not None:
        rated = sum(1 for c in cases if c.ratings.exists())
        stdout.write(
            f"微物业：{1 if request else 0} 个待审核的入住核实申请（账号 {NEW_ACCOUNT_MOBILE}），"
            f"{RESIDENT} 的 {len(cases)} 件报事（{rated} 件已评价）。"
        )
