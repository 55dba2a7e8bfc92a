"""Knowledge-base fixtures: a hand-made FAQ set over projects A and B, customer accounts, canned replies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kefu.kb import services
from kefu.org.models import User
from kefu.tickets.tests.conftest import desk, new_case  # noqa: F401  (re-exported fixtures)


def customer_account(customer, username):
    """A portal login linked to the customer's archive (as staff do when they verify the occupancy)."""
    user = User.objects.create_user(username=username, password="x", kind=User.Kind.CUSTOMER, name=customer.name)
    customer.account = user
    customer.save(update_fields=["account"])
    return user


@pytest.fixture
def faq(world):
    """FAQ articles of project A (by mia, A's manager), of project B (by mike) and shared ones (by hera).

    Residents: zhang (A, zone A1), li (B). Parking questions exist in both projects; the one of A is about
    the fee, the others only mention parking in their keywords or answer.
    """
    w = world

    def add(actor, project, category, question, answer, keywords="", **kw):
        return services.faq_save(
            actor=actor,
            project=project,
            category=category,
            question=question,
            answer=answer,
            keywords=keywords,
            **kw,
        )

    f = SimpleNamespace(w=w)
    f.parking_fee = add(
        w.mia, w.a, "停车", "停车费如何缴纳？", "在微物业「我的」中续费月卡，或到服务中心前台办理。", "月卡 续费 交费"
    )
    f.temp_parking = add(
        w.mia, w.a, "停车", "临时停车怎么收费？", "访客车辆首 30 分钟免费，之后每小时 3 元。", "临停 访客车辆"
    )
    f.property_fee = add(
        w.mia, w.a, "物业费", "物业费怎么交？", "可以在线交，也可以到前台交，停车费另行缴纳。", "缴费 交费"
    )
    f.access_card = add(w.mia, w.a, "门禁", "门禁卡丢了怎么补办？", "携带身份证到前台补办，工本费 20 元。", "补卡 挂失")
    f.draft = add(w.mia, w.a, "停车", "停车费调价说明（草稿）", "尚未定稿。", "停车费", is_published=False)
    f.b_parking = add(w.mike, w.b, "停车", "停车费怎么交？", "中心大厦地库停车费在 B1 岗亭缴纳。", "停车费 交费")
    f.shared_report = add(
        w.hera, None, "其他", "怎么在微物业上报事？", "在首页点「报事」，选择类型并填写内容后提交。", "报修 投诉 建议"
    )
    f.zhang = customer_account(w.cust_a1, "zhang")
    f.li = customer_account(w.cust_b, "li")
    return f


@pytest.fixture
def demo_kb(db):
    """The demo's projects and authors (same codes and usernames as seed_demo), a household of 阳光花园 with a
    portal login, then kefu.kb.demo.seed()."""
    from kefu import testing as t
    from kefu.kb import demo
    from kefu.org.roles import Role

    yg = t.ProjectFactory(code="YGHY", name="阳光花园", phone="010-84712345")
    gm = t.ProjectFactory(code="GMZX", name="国贸中心大厦", kind="office", phone="010-65051188")
    gc = t.DepartmentFactory(project=yg, code="GC", name="工程部")
    d = SimpleNamespace(yg=yg, gm=gm)
    d.zongbu = t.staff(Role.HEAD_OFFICE, None, username="zongbu", name="邓志远")
    d.jingli = t.staff(Role.MANAGER, yg, username="jingli", name="陈建国")
    d.gmjingli = t.staff(Role.MANAGER, gm, username="gmjingli", name="宋立新")
    d.kefu1 = t.staff(Role.AGENT, yg, username="kefu1", name="王丽")
    d.weixiu1 = t.staff(Role.FIELD_STAFF, yg, username="weixiu1", name="黄永刚", department=gc)
    unit = t.UnitFactory(building=t.BuildingFactory(project=yg, code="3"), number="1201")
    d.customer = t.household(unit, name="张伟", mobile="13800001111")
    d.customer.gender = "M"
    d.customer.save(update_fields=["gender"])
    d.yezhu = customer_account(d.customer, "yezhu1")
    d.counts = demo.seed()
    return d
