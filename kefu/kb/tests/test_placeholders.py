"""Canned replies filled in for a case: the customer's title, the number, the handler, the appointment."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.kb import placeholders
from kefu.tickets import services as ts

pytestmark = pytest.mark.django_db

BODY = "{客户称呼}您好，您的报修（工单号 {工单号}）已由{处理人}受理，将于{预约时间}上门。{项目名称} {客服电话}"


def test_it_fills_in_the_customer_the_number_and_the_handler(desk, new_case):
    w = desk.w
    w.cust_a1.gender = "M"
    w.cust_a1.save(update_fields=["gender"])
    w.a.phone = "010-84712345"
    w.a.save(update_fields=["phone"])
    case = new_case(preferred_time="明天上午 9:00-11:00")
    case = ts.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, now=case.created_at + dt.timedelta(minutes=5))
    out = placeholders.render_for_case(BODY, case, w.alice)
    assert out.text == (
        f"张先生您好，您的报修（工单号 {case.number}）已由黄永刚受理，"
        "将于明天上午 9:00-11:00上门。阳光花园 010-84712345"
    )
    assert out.missing == []


def test_what_the_case_lacks_stays_a_placeholder_for_the_agent_to_complete(desk, new_case):
    case = new_case()  # no appointment, not dispatched; the project has no service phone
    out = placeholders.render_for_case(BODY, case, desk.w.alice)
    assert (
        out.text
        == f"张伟您好，您的报修（工单号 {case.number}）已由{{处理人}}受理，将于{{预约时间}}上门。阳光花园 {{客服电话}}"
    )
    assert out.missing == ["处理人", "预约时间", "客服电话"]


def test_the_department_stands_in_for_a_handler_and_the_agent_signs(desk, new_case):
    w = desk.w
    case = new_case(customer=None, unit=None, location="3号楼大堂", contact_name="刘女士", kind="complaint")
    case = ts.case_dispatch(
        actor=w.alice, case=case, mode="pool", department=desk.gc, now=case.created_at + dt.timedelta(minutes=5)
    )
    out = placeholders.render_for_case(
        "{客户称呼}：{房号}的问题已转{处理人}（{处理部门}），{工单类型}。{坐席姓名}", case, w.alice
    )
    assert out.text == "刘女士：3号楼大堂的问题已转工程部（工程部），投诉。王丽"


def test_names_outside_the_list_are_unknown():
    assert placeholders.unknown_placeholders("{客户称呼}{工单号}{客户名}{ 空格 }{}") == ["客户名"]
    assert placeholders.unknown_placeholders("没有占位符") == []
