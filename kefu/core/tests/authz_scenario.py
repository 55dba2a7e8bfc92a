"""The data the authorisation matrix runs against (kefu/core/tests/test_authz_matrix.py): the `world` of
kefu/conftest.py, the desk's departments, two portal residents, and one object of every kind a URL names,
built once per test module (every test then runs in its own savepoint and is rolled back).

Objects live in `objects[side]`: side "A" is project A, zone A1 (the steward stella's zone); "B" is project B
(for alice reaching across projects); "A2" is project A, zone A2 (for stella reaching outside her zone).
SIDE_KEYS says, without building anything, which object names each side has: the matrix is parametrized
at collection time from it.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from kefu import testing as t
from kefu.org.models import Membership, User
from kefu.org.roles import Role

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
PASSWORD = "Kefu-test-2026"

SIDE_KEYS: dict[str, frozenset[str]] = {
    "A": frozenset(
        {
            "project",
            "foreign_project",
            "zone",
            "department",
            "staff",
            "membership",
            "customer",
            "contact",
            "occupancy",
            "unit",
            "asset",
            "case",
            "attachment",
            "category",
            "sla_policy",
            "calendar_day",
            "notification",
            "delivery",
            "visit",
            "finding",
            "visit_plan",
            "visit_policy",
            "visit_script",
            "survey",
            "response",
            "subscription",
            "notice",
            "faq",
            "phrase",
            "canned",
            "item",
            "order",
            "verification",
            "check",
            "sampling_plan",
            "draw",
            "error_point",
            "review_rule",
        }
    ),
    "B": frozenset(
        {
            "project",
            "zone",
            "department",
            "staff",
            "membership",
            "customer",
            "contact",
            "occupancy",
            "unit",
            "asset",
            "case",
            "attachment",
            "category",
            "sla_policy",
            "notification",
            "survey",
            "notice",
            "faq",
            "phrase",
            "canned",
            "item",
            "verification",
        }
    ),
    "A2": frozenset({"customer", "contact", "occupancy", "unit", "case", "attachment", "verification"}),
}


def resident(username: str, customer: Any, mobile: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, name=customer.name, mobile=mobile, kind=User.Kind.CUSTOMER
    )
    customer.account = user
    customer.save(update_fields=["account"])
    return user


def build():  # untyped like the fixtures: factories return their models
    from kefu.catalog import services as catalog
    from kefu.customers import services as customers
    from kefu.customers.models import Occupancy
    from kefu.kb import services as kb
    from kefu.notices import services as notices
    from kefu.notify.models import Delivery, Notification
    from kefu.portal import services as portal
    from kefu.portal.demo import png
    from kefu.quality import services as qc
    from kefu.quality.models import Check, ErrorPoint, ReviewPolicy
    from kefu.reports.models import ReportSubscription
    from kefu.surveys import services as surveys
    from kefu.surveys.models import Response
    from kefu.tickets import services as ts
    from kefu.tickets.models import CalendarDay, Category, SlaPolicy
    from kefu.visits import services as vs
    from kefu.visits.models import ReturnVisit, VisitPolicy, VisitScript

    # The world of kefu/conftest.py ------------------------------------------------------------------------
    a = t.ProjectFactory(code="A", name="阳光花园")
    b = t.ProjectFactory(code="B", name="中心大厦", kind="office")
    a1 = t.ZoneFactory(project=a, code="A1", name="一区")
    a2 = t.ZoneFactory(project=a, code="A2", name="二区")
    b1 = t.ZoneFactory(project=b, code="B1", name="北区")
    w = SimpleNamespace(a=a, b=b, a1=a1, a2=a2, b1=b1)
    kf = t.DepartmentFactory(project=a, code="KF", name="客服部")
    gc = t.DepartmentFactory(project=a, code="GC", name="工程部")
    bkf = t.DepartmentFactory(project=b, code="KF", name="大厦客服部")
    w.alice = t.staff(Role.AGENT, a, username="alice", name="王丽", department=kf)
    w.sam = t.staff(Role.SUPERVISOR, a, username="sam", name="刘晓燕", department=kf)
    w.mia = t.staff(Role.MANAGER, a, username="mia", name="陈建国")
    w.stella = t.staff(Role.STEWARD, a, zones=[a1], username="stella", name="孙浩")
    w.fred = t.staff(Role.FIELD_STAFF, a, username="fred", name="黄永刚", department=gc)
    w.quinn = t.staff(Role.QC_REVIEWER, a, username="quinn", name="徐慧")
    w.bob = t.staff(Role.AGENT, b, username="bob", name="唐佳琪", department=bkf)
    w.mike = t.staff(Role.MANAGER, b, username="mike", name="宋立新")
    w.hera = t.staff(Role.HEAD_OFFICE, None, username="hera", name="李总")
    w.unit_a1 = t.UnitFactory(building=t.BuildingFactory(project=a, code="1"), zone=a1, number="1201")
    w.unit_a2 = t.UnitFactory(building=t.BuildingFactory(project=a, code="2"), zone=a2, number="0801")
    w.unit_b = t.UnitFactory(building=t.BuildingFactory(project=b, code="1"), zone=b1, number="2001")
    w.cust_a1 = t.household(w.unit_a1, name="张伟", mobile="13800001111")
    w.cust_a2 = t.household(w.unit_a2, name="王芳", mobile="13900002222")
    w.cust_b = t.household(w.unit_b, name="李娜", mobile="13700003333")
    w.zhang = resident("zhang", w.cust_a1, "13800001111")
    w.wang = resident("wang", w.cust_a2, "13900002222")
    leak = Category.objects.get(project__isnull=True, kind="repair", code="SD-LS")
    attitude = Category.objects.get(project__isnull=True, kind="complaint", code="FW")

    A: dict[str, Any] = {"project": a, "zone": a1, "department": gc, "staff": w.fred, "unit": w.unit_a1}
    A["foreign_project"] = b  # for asking project A's pages about project B (?project=<B>)
    B: dict[str, Any] = {"project": b, "zone": b1, "department": bkf, "staff": w.bob, "unit": w.unit_b}
    A2: dict[str, Any] = {"unit": w.unit_a2}
    A["membership"] = Membership.objects.get(user=w.fred, project=a)
    B["membership"] = Membership.objects.get(user=w.bob, project=b)
    for side, customer in ((A, w.cust_a1), (B, w.cust_b), (A2, w.cust_a2)):
        side["customer"] = customer
        side["contact"] = customer.contacts.get()
        side["occupancy"] = Occupancy.objects.get(customer=customer)
    A["asset"] = customers.asset_create(
        actor=w.alice, project=a, name="变频水泵", serial_no="WP-001", unit=w.unit_a1, customer=w.cust_a1
    )
    B["asset"] = customers.asset_create(actor=w.bob, project=b, name="新风机组", serial_no="XF-001", unit=w.unit_b)

    # Cases: zhang's repair from the portal (new, on nobody's desk yet), one in zone A2 and one in project B.
    photo = [ts.Upload("leak.png", png())]
    A["case"] = ts.customer_case_create(
        actor=w.zhang,
        kind="repair",
        unit=w.unit_a1,
        category=leak,
        description="卫生间天花板漏水",
        uploads=photo,
        now=NOW,
    )
    A2["case"] = ts.customer_case_create(
        actor=w.wang, kind="repair", unit=w.unit_a2, category=leak, description="厨房水管漏水", uploads=photo, now=NOW
    )
    B["case"] = ts.case_create(
        actor=w.bob,
        project=b,
        kind="repair",
        channel="phone",
        title="地库漏水",
        category=leak,
        unit=w.unit_b,
        customer=w.cust_b,
        uploads=photo,
        now=NOW,
    )
    for side in (A, A2, B):
        side["attachment"] = side["case"].attachments.get()

    # A resolved repair (fred handled it): its return visit is stella's, with a finding.
    done = ts.case_create(
        actor=w.alice,
        project=a,
        kind="repair",
        channel="phone",
        title="楼道灯不亮",
        category=leak,
        unit=w.unit_a1,
        customer=w.cust_a1,
        now=NOW,
    )
    done = ts.case_dispatch(actor=w.alice, case=done, assignee=w.fred, now=NOW + dt.timedelta(minutes=5))
    done = ts.case_accept(actor=w.fred, case=done, now=NOW + dt.timedelta(minutes=10))
    done = ts.case_resolve(actor=w.fred, case=done, note="已更换灯泡", now=NOW + dt.timedelta(hours=2))
    A["visit"] = ReturnVisit.objects.get(case=done)
    A["finding"] = vs.finding_add(actor=w.stella, visit=A["visit"], category="civil", description="外墙裂缝")
    today = timezone.localdate()
    A["visit_plan"] = vs.plan_create(
        actor=w.mia, zone=a1, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), seed=1
    )
    A["visit_policy"] = VisitPolicy.objects.create(project=a, kind="repair", category=leak, due_hours=12)
    A["visit_script"] = VisitScript.objects.create(project=a, purpose="case", name="A 项目话术", body="您好")

    # A complaint answered by alice: its reply waits for review (QC check).
    complaint = ts.case_create(
        actor=w.alice,
        project=a,
        kind="complaint",
        channel="phone",
        title="保安态度差",
        category=attitude,
        unit=w.unit_a1,
        customer=w.cust_a1,
        now=NOW,
    )
    ts.case_reply(actor=w.alice, case=complaint, body="已核实并致歉", now=NOW + dt.timedelta(minutes=20))
    A["check"] = Check.objects.get(case=complaint)
    A["sampling_plan"] = qc.sampling_plan_save(
        actor=w.mia,
        project=a,
        name="每周抽检25%",
        target="closed_cases",
        mode="share",
        share_percent=25,
        reviewer_ids=[w.quinn.pk],
    )
    A["draw"] = qc.sampling_draw(
        actor=w.quinn, plan=A["sampling_plan"], period_start=dt.date(2026, 11, 16), period_end=dt.date(2026, 11, 22)
    )
    A["error_point"] = ErrorPoint.objects.create(project=a, code="A01", name="未核对房号")
    A["review_rule"] = ReviewPolicy.objects.create(project=a, target="reply", kind="repair")

    # Desk settings.
    A["category"] = Category.objects.create(project=a, kind="repair", code="A-QT", name="阳光花园其他")
    B["category"] = Category.objects.create(project=b, kind="repair", code="B-QT", name="大厦其他")
    A["sla_policy"] = SlaPolicy.objects.create(project=a, name="阳光花园报修", kind="repair", resolution_value=24)
    B["sla_policy"] = SlaPolicy.objects.create(project=b, name="大厦报修", kind="repair", resolution_value=24)
    A["calendar_day"] = CalendarDay.objects.order_by("date").first()

    # Notifications: alice's own, and a dead letter of it; bob's own.
    A["notification"] = Notification.objects.create(recipient=w.alice, kind="assigned", title="新派单：楼道灯")
    B["notification"] = Notification.objects.create(recipient=w.bob, kind="assigned", title="新派单：地库")
    A["delivery"] = Delivery.objects.create(
        notification=A["notification"], channel="sms", address="13800000009", status="dead", attempts=5
    )

    # Surveys: one open in project A (zhang and wang each have a questionnaire), a draft in project B.
    questions = [surveys.QuestionSpec(kind="overall", text="总体满意度")]
    A["survey"] = surveys.survey_create(
        actor=w.mia,
        project=a,
        name="2026 年度满意度调查",
        period_start=today,
        period_end=today + dt.timedelta(days=30),
        questions=questions,
    )
    surveys.survey_open(actor=w.mia, survey=A["survey"], seed=1)
    A["response"] = Response.objects.get(survey=A["survey"], customer=w.cust_a1)
    B["survey"] = surveys.survey_create(
        actor=w.mike,
        project=b,
        name="大厦满意度调查",
        period_start=today,
        period_end=today + dt.timedelta(days=30),
        questions=questions,
    )

    # sam's report subscription (subscriptions are their owner's alone).
    A["subscription"] = ReportSubscription.objects.create(
        user=w.sam, report_key="complaints-monthly", project=a, frequency="monthly", day_of_month=1, next_run_at=NOW
    )

    # Notices, knowledge base, catalogue: one of each per project.
    A["notice"] = notices.notice_create(actor=w.mia, project=a, title="停水通知", body="明日停水", mode=notices.NOW)
    B["notice"] = notices.notice_create(actor=w.mike, project=b, title="大厦停电", body="周六停电", mode=notices.NOW)
    A["faq"] = kb.faq_save(actor=w.mia, project=a, category="停车", question="停车费如何缴纳？", answer="前台办理")
    B["faq"] = kb.faq_save(actor=w.mike, project=b, category="停车", question="大厦停车费？", answer="B1 岗亭")
    A["phrase"] = kb.phrase_save(actor=w.mia, project=a, scene="greeting", title="接听", body="您好，阳光花园")
    B["phrase"] = kb.phrase_save(actor=w.mike, project=b, scene="greeting", title="接听", body="您好，中心大厦")
    A["canned"] = kb.canned_save(actor=w.mia, project=a, title="补充照片", body="请补充照片。")
    B["canned"] = kb.canned_save(actor=w.mike, project=b, title="大厦回复", body="中心大厦")
    A["item"] = catalog.item_create(actor=w.mia, project=a, name="家电清洗", price="80", unit="台")
    B["item"] = catalog.item_create(actor=w.mike, project=b, name="办公室保洁", price="50", unit="小时")
    A["order"] = catalog.order_create(actor=w.zhang, item=A["item"], unit=w.unit_a1, quantity=1, now=NOW)

    # Verification requests of a newly signed-up resident, one per side.
    liu = portal.account_signup(mobile="13612345678", name="刘洋", password="Lantern-river-88")
    for side, unit in ((A, w.unit_a1), (A2, w.unit_a2), (B, w.unit_b)):
        side["verification"] = portal.verification_request(
            actor=liu, project=unit.project, building=unit.building, unit=unit, relation="tenant", name="刘洋"
        )

    objects = {"A": A, "B": B, "A2": A2}
    for name, keys in SIDE_KEYS.items():
        assert set(objects[name]) == keys, (name, set(objects[name]) ^ keys)
    users = {
        "alice": w.alice,
        "sam": w.sam,
        "stella": w.stella,
        "fred": w.fred,
        "bob": w.bob,
        "hera": w.hera,
        "zhang": w.zhang,
        "wang": w.wang,
    }
    # What must never show on a page of someone who may not see project A's case or zhang's archive.
    markers = [A["case"].number, w.cust_a1.name]
    return SimpleNamespace(w=w, objects=objects, users=users, markers=markers)
