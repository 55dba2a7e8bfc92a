"""Demo notices for `manage.py seed_demo` (call `seed(stdout)` after the residents' accounts exist), made
through kefu.notices.services as the managers of 阳光花园 would, at past times:

- to the whole estate, four days ago: 停水 on the 25th (jingli), read by yezhu1-3;
- to the building yezhu1 lives in, yesterday: a lift inspection (zhuguan), read by yezhu1;
- to the customers tagged 宠物, two days ago: a reminder about dogs (zhuguan), if any of them has an account;
- to the whole estate, a week ago: the heating fee (jingli), read by all four residents;
- scheduled for the day after tomorrow at 09:00: the December fee reminder (jingli);
- a draft: the New Year party sign-up.

Skipped when 阳光花园 or its manager is missing, or when it has notices already.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kefu.customers.models import Tag
from kefu.org.models import Project, User
from kefu.portal.access import my_units
from kefu.tickets.demo import Clock, simulated

from . import services
from .models import Notice

PROJECT = "YGHY"
RESIDENTS = ["yezhu1", "yezhu2", "yezhu3", "yezhu4"]


def _at(now: dt.datetime, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localtime(now).date() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed(stdout: Any = None, now: dt.datetime | None = None) -> list[Notice]:
    now = now or timezone.now()
    project = Project.objects.filter(code=PROJECT).first()
    users = {u.username: u for u in User.objects.filter(username__in=["jingli", "zhuguan", *RESIDENTS])}
    manager, supervisor = users.get("jingli"), users.get("zhuguan") or users.get("jingli")
    if project is None or manager is None or supervisor is None or Notice.objects.filter(project=project).exists():
        if stdout is not None:
            stdout.write("通知公告：跳过（没有阳光花园或其经理，或已有通知）。")
        return []
    residents = [users[u] for u in RESIDENTS if u in users]
    made: list[Notice] = []
    clock = Clock(real_now=now)

    def publish(when: dt.datetime, actor: User, readers: list[User], **kw: Any) -> Notice:
        clock.t = when
        with simulated(clock):
            notice = services.notice_create(actor=actor, project=project, mode=services.NOW, now=when, **kw)
            for i, reader in enumerate(readers):
                clock.t = when + dt.timedelta(minutes=13 + 41 * i)
                if notice.receipts.filter(account=reader).exists():
                    services.notice_read(actor=reader, notice=notice, now=clock.t)
        made.append(notice)
        return notice

    publish(
        _at(now, 7, 10),
        manager,
        residents,
        title="2026-2027年度采暖费缴纳通知",
        category=Notice.Category.BILLING,
        body="尊敬的业主：\n本年度供暖期为11月15日至次年3月15日，采暖费标准为每平方米（建筑面积）24元。"
        "请于12月31日前通过微物业「我的」→「物业缴费」或到物业服务中心前台缴纳。\n阳光花园物业服务中心",
    )
    publish(
        _at(now, 4, 9, 30),
        manager,
        residents[:3],
        title="关于11月25日全小区停水的通知",
        category=Notice.Category.OUTAGE,
        body="尊敬的业主：\n因市政供水管网改造，11月25日（周二）9:00-17:00 全小区停水，请提前做好储水准备。"
        "恢复供水初期水质可能浑浊，请放水片刻后再使用。给您带来不便，敬请谅解。\n阳光花园物业服务中心",
    )
    pets = Tag.objects.filter(project=project, name="宠物", customers__account__isnull=False).first()
    if pets is not None:  # only when some pet owner has a portal account
        publish(
            _at(now, 2, 16),
            supervisor,
            [],
            title="文明养犬温馨提示",
            category=Notice.Category.TIP,
            audience=Notice.Audience.TAGS,
            tags=[pets],
            body="各位养宠业主：遛狗请牵绳、及时清理宠物粪便，大型犬请佩戴嘴套，电梯内请抱起或牵紧爱犬。"
            "感谢您对文明小区的支持！",
        )
    home = my_units(residents[0]).first() if residents else None
    if home is not None:
        publish(
            _at(now, 1, 11),
            supervisor,
            residents[:1],
            title=f"{home.building.name}电梯年检通知",
            category=Notice.Category.TIP,
            audience=Notice.Audience.BUILDINGS,
            buildings=[home.building],
            body=f"{home.building.name} 2 号电梯将于本周四 9:00-12:00 进行年度检验，期间暂停使用，请乘坐 1 号电梯。",
        )
    made.append(
        services.notice_create(
            actor=manager,
            project=project,
            title="12月物业费缴费提醒",
            category=Notice.Category.BILLING,
            body="尊敬的业主：12月物业费请于12月15日前缴纳，逾期将产生滞纳金。已缴纳的业主请忽略本通知。",
            mode=services.SCHEDULE,
            publish_at=_at(now, -2, 9),
            now=now,
        )
    )
    made.append(
        services.notice_create(
            actor=supervisor,
            project=project,
            title="元旦社区联欢会报名",
            category=Notice.Category.ACTIVITY,
            body="12月31日 19:00 社区活动中心举办元旦联欢会，欢迎业主报名表演节目，报名截止12月25日。",
            mode=services.DRAFT,
            now=now,
        )
    )
    if stdout is not None:
        published = [n for n in made if n.status == Notice.Status.PUBLISHED]
        reached = sum(n.audience_size for n in published)
        stdout.write(f"通知公告：{len(published)} 条已发布（送达 {reached} 人次），1 条定时发布，1 条草稿。")
    return made
