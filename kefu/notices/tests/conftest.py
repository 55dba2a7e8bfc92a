"""An estate to publish to: project A with three buildings of households (some with portal accounts, some
without), a moved-out resident, a tagged group, and project B with its own resident.

    building 1 (zone A1): 1201 张伟 (account zhang) and 1202 赵强 (account zhao), 1203 no account
    building 2 (zone A2): 0801 王芳 (account wang), 0802 moved out (account gone)
    building 3:           0301 陈静 (account chen, tagged 老人), 0302 孙丽 (account sun; two archives: also
                           owns 1-1204, so she is reached once)
    tag 老人 (project A): 张伟, 陈静, and 钱老 who lives nowhere (account qian)
    project B: 李娜 (account lina)
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kefu import testing as t
from kefu.customers.models import Customer, Occupancy, Tag, Unit
from kefu.org.models import User


def account(username, name, *archives, email=""):
    user = t.UserFactory(username=username, name=name, kind=User.Kind.CUSTOMER, email=email)
    for c in archives:
        Customer.objects.filter(pk=c.pk).update(account=user)
    return user


@pytest.fixture
def estate(world):
    w = world
    b1 = w.unit_a1.building
    b2 = w.unit_a2.building
    b3 = t.BuildingFactory(project=w.a, code="3")
    e = SimpleNamespace(w=w, b1=b1, b2=b2, b3=b3)
    e.zhang = account("zhang", "张伟", w.cust_a1, email="zhang@example.com")
    zhao_c = t.household(t.UnitFactory(building=b1, zone=w.a1, number="1202"), name="赵强")
    e.zhao = account("zhao", "赵强", zhao_c)
    t.household(t.UnitFactory(building=b1, zone=w.a1, number="1203"), name="无账号")
    e.wang = account("wang", "王芳", w.cust_a2)
    gone_unit = t.UnitFactory(building=b2, zone=w.a2, number="0802")
    gone_c = t.household(gone_unit, name="已搬走")
    Occupancy.objects.filter(customer=gone_c).update(move_out="2025-06-30")
    e.gone = account("gone", "已搬走", gone_c)
    chen_c = t.household(t.UnitFactory(building=b3, number="0301"), name="陈静")
    e.chen = account("chen", "陈静", chen_c)
    sun_c = t.household(t.UnitFactory(building=b3, number="0302"), name="孙丽")
    sun_c2 = t.household(t.UnitFactory(building=b1, zone=w.a1, number="1204"), name="孙丽")
    e.sun = account("sun", "孙丽", sun_c, sun_c2)
    qian_c = t.CustomerFactory(project=w.a, name="钱老")
    e.qian = account("qian", "钱老", qian_c)
    e.elderly = Tag.objects.create(project=w.a, name="老人")
    for c in (w.cust_a1, chen_c, qian_c):
        c.tags.add(e.elderly)
    e.lina = account("lina", "李娜", w.cust_b)
    e.b_tag = Tag.objects.create(project=w.b, name="B业主")
    e.units = Unit.objects.filter(project=w.a)
    return e
