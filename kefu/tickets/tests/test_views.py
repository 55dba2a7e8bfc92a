"""The agent workspace pages: every page and action through the Django test client, by the named users."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kefu.notify.models import Notification
from kefu.tickets import services
from kefu.tickets.models import Attachment, Case, CaseEvent
from kefu.tickets.states import Status

# A 1x1 PNG: the services sniff the real type of uploads.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


# Workspace -----------------------------------------------------------------------------------------


def test_workspace_lists_the_cases_in_scope(desk, new_case, as_user):
    w = desk.w
    c = new_case()
    other = new_case(unit=w.unit_a2, customer=w.cust_a2, title="楼道灯不亮")
    r = as_user(w.alice).get("/cases/")
    assert r.status_code == 200
    body = r.content.decode()
    assert c.number in body and other.number in body
    assert "共 2 条" in body
    # stella, steward of zone A1, sees only A1's case
    body = as_user(w.stella).get("/cases/").content.decode()
    assert c.number in body and other.number not in body
    # bob (project B) sees nothing of A
    body = as_user(w.bob).get("/cases/").content.decode()
    assert c.number not in body and "共 0 条" in body
    # head office sees both
    body = as_user(w.hera).get("/cases/?queue=all").content.decode()
    assert c.number in body


@pytest.mark.parametrize("queue", ["mine", "department", "unassigned", "pool", "due_soon", "overdue", "waiting", "all"])
def test_every_queue_renders(desk, new_case, as_user, queue):
    new_case()
    r = as_user(desk.w.alice).get(f"/cases/?queue={queue}")
    assert r.status_code == 200
    assert r.context["queue"] == queue


def test_filters_and_chinese_full_text_search(desk, new_case, as_user):
    w = desk.w
    leak = new_case(title="卫生间漏水", description="楼上渗水到天花板")
    noisy = new_case(kind="complaint", title="装修噪音扰民", description="周末早上七点开始电钻")
    client = as_user(w.alice)

    def numbers(query):
        return {c.number for c in client.get("/cases/" + query).context["page"]}

    assert numbers("?q=天花板") == {leak.number}
    assert numbers("?q=噪音") == {noisy.number}
    assert numbers("?kind=complaint") == {noisy.number}
    assert numbers(f"?category={desk.leak.pk}") == {leak.number}
    assert numbers("?status=new") == {leak.number, noisy.number}
    assert numbers(f"?zone={w.a1.pk}") == {leak.number, noisy.number}
    assert numbers(f"?zone={w.a2.pk}") == set()
    assert numbers("?channel=phone&priority=normal") == {leak.number, noisy.number}
    assert numbers(f"?q={leak.number}") == {leak.number}
    assert numbers("?created_from=2026-11-20&created_to=2026-11-20") == {leak.number, noisy.number}
    assert numbers("?created_from=2026-11-21") == set()
    assert numbers("?created_from=not-a-date") == {leak.number, noisy.number}  # a bad filter is dropped
    # htmx swaps only the table
    r = client.get("/cases/?q=噪音", HTTP_HX_REQUEST="true")
    assert b"<html" not in r.content and noisy.number.encode() in r.content


def test_overdue_cases_show_the_time_over_in_red(desk, new_case, as_user):
    case = new_case()  # created 2026-11-20: long overdue by now
    r = as_user(desk.w.alice).get("/cases/?queue=overdue")
    body = r.content.decode()
    assert case.number in body
    assert "sla-overdue" in body and "超时 " in body and "天" in body


def test_sla_countdown_for_a_fresh_case(desk, new_case, as_user):
    case = new_case(now=timezone.now())
    body = as_user(desk.w.alice).get("/cases/").content.decode()
    assert case.number in body and "剩余 " in body


def test_pagination(desk, new_case, as_user):
    for i in range(23):
        new_case(title=f"漏水{i}")
    client = as_user(desk.w.alice)
    r = client.get("/cases/")
    assert len(r.context["page"].object_list) == 20 and "第 1 / 2 页" in r.content.decode()
    assert len(client.get("/cases/?page=2").context["page"].object_list) == 3


# Bulk dispatch and export ------------------------------------------------------------------------------


def test_bulk_dispatch_reports_successes_and_errors(desk, new_case, as_user):
    w = desk.w
    a, b = new_case(), new_case(title="水管爆裂")
    done = services.case_dispatch(actor=w.alice, case=new_case(title="已派"), assignee=desk.gus, department=desk.gc)
    client = as_user(w.alice)
    r = client.post(
        "/cases/bulk-dispatch/",
        {
            "cases": [a.number, b.number, done.number],
            "mode": "person",
            "department": desk.gc.pk,
            "assignee": desk.fred.pk,
        },
    )
    assert r.status_code == 302
    msgs = follow_messages(client, r)
    assert "已派单 2 条" in msgs
    assert any("1 条派单失败" in m and done.number in m and "不能执行「派单」" in m for m in msgs)
    assert set(Case.objects.filter(assignee=desk.fred).values_list("number", flat=True)) == {a.number, b.number}


def test_bulk_dispatch_needs_a_selection_and_cannot_reach_other_projects(desk, new_case, as_user, world):
    case = new_case()
    client = as_user(world.bob)
    r = client.post("/cases/bulk-dispatch/", {"cases": [case.number], "mode": "pool", "department": desk.gc.pk})
    assert follow_messages(client, r)  # project A's department is not even a valid choice for bob
    r = client.post("/cases/bulk-dispatch/", {"cases": [case.number], "mode": "pool"})
    assert any("未找到该工单" in m for m in follow_messages(client, r))
    assert Case.objects.get(pk=case.pk).status == Status.NEW
    r = as_user(world.alice).post("/cases/bulk-dispatch/", {"mode": "pool", "department": desk.gc.pk})
    assert "请先勾选要派单的工单" in follow_messages(client, r)
    assert client.get("/cases/bulk-dispatch/").status_code == 405


def test_export_is_a_real_xlsx_with_the_rows_of_the_list(desk, new_case, as_user):
    w = desk.w
    leak = new_case(contact_phone="13812345678")
    new_case(kind="complaint", title="态度差")
    client = as_user(w.alice)
    listed = [c.number for c in client.get("/cases/?kind=repair").context["page"]]
    r = client.get("/cases/?kind=repair&export=xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "工单号"
    assert [row[0] for row in rows[1:]] == listed == [leak.number]
    assert "138****5678" in rows[1] and "13812345678" not in rows[1]


# Intake ---------------------------------------------------------------------------------------------------


def intake_data(desk, **kw):
    w = desk.w
    data = {
        "customer": w.cust_a1.pk,
        "unit": w.unit_a1.pk,
        "contact_name": "张伟",
        "contact_phone": "",
        "kind": "repair",
        "category": desk.leak.pk,
        "channel": "phone",
        "priority": "normal",
        "description": "卫生间天花板漏水\n楼上在装修",
        "submit": "save",
    }
    data.update(kw)
    return data


def test_intake_page_and_save(desk, as_user):
    w = desk.w
    client = as_user(w.alice)
    r = client.get("/cases/new/")
    assert r.status_code == 200
    body = r.content.decode()
    for text in ("来电号码/姓名/房号", "保存并派单", "当场解决", "可能重复的工单"):
        assert text in body
    r = client.post("/cases/new/", intake_data(desk, files=[png(), png("b.png")]))
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert case.title == "卫生间天花板漏水" and case.unit == w.unit_a1 and case.customer == w.cust_a1
    assert case.contact_phone == "13800001111"  # taken from the customer's archive
    assert Attachment.objects.filter(case=case).count() == 2
    assert f"工单 {case.number} 已受理" in follow_messages(client, r)


def test_save_and_dispatch_opens_the_dispatch_panel(desk, as_user):
    client = as_user(desk.w.alice)
    r = client.post("/cases/new/", intake_data(desk, submit="dispatch"))
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.number}/?panel=dispatch#panel"
    page = client.get(f"/cases/{case.number}/?panel=dispatch")
    assert 'id="panel-dispatch"' in page.content.decode()
    assert "派单方式" in page.content.decode()


def test_solved_on_first_contact(desk, as_user):
    client = as_user(desk.w.alice)
    data = intake_data(desk, kind="consultation", category="", submit="solve", answer="物业费可在微信缴纳")
    r = client.post("/cases/new/", data)
    case = Case.objects.get()
    assert r.status_code == 302
    assert case.status == Status.CLOSED and case.first_contact_resolution
    assert CaseEvent.objects.filter(case=case, kind="solve_at_once").exists()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"description": ""}, "请填写此项"),
        ({"submit": "solve", "answer": ""}, "当场解决请填写答复内容"),
        ({"kind": "complaint"}, "分类与工单类型不符"),
        ({"customer": "", "unit": "", "location": ""}, "请选择客户/房屋，或填写公共区域位置"),
        ({"channel": "fax"}, "选择一个有效的选项"),
    ],
)
def test_intake_bad_input_writes_nothing(desk, as_user, change, error):
    r = as_user(desk.w.alice).post("/cases/new/", intake_data(desk, **change))
    assert r.status_code == 200
    assert error in r.content.decode()
    assert "请检查标红的项目，工单尚未保存" in r.content.decode()
    assert not Case.objects.exists()


def test_intake_refuses_a_bad_file_and_writes_nothing(desk, as_user):
    exe = SimpleUploadedFile("virus.png", b"MZ\x90\x00not really a png", content_type="image/png")
    r = as_user(desk.w.alice).post("/cases/new/", intake_data(desk, files=[exe]))
    assert r.status_code == 200
    assert "不支持的文件类型：virus.png" in r.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_intake_cannot_use_a_customer_out_of_scope(desk, as_user):
    w = desk.w
    r = as_user(w.stella).post("/cases/new/", intake_data(desk, customer=w.cust_a2.pk, unit=w.unit_a2.pk))
    assert r.status_code == 200 and "所选客户或房屋不存在或不在您的范围内" in r.content.decode()
    assert not Case.objects.exists()
    # on her own zone's unit she can log a case
    r = as_user(w.stella).post("/cases/new/", intake_data(desk))
    assert r.status_code == 302 and Case.objects.get().zone == w.a1


def test_field_staff_cannot_log_cases(desk, as_user):
    r = as_user(desk.fred).get("/cases/new/")
    assert r.status_code == 302


def test_lookup_by_phone_name_and_room(desk, as_user):
    w = desk.w
    client = as_user(w.alice)
    body = client.get("/cases/lookup/?q=13800001111").content.decode()
    assert "张伟" in body and w.unit_a1.code in body and 'data-phone="13800001111"' in body
    assert "138****1111" in body
    assert "张伟" in client.get("/cases/lookup/?q=张伟").content.decode()
    body = client.get(f"/cases/lookup/?q={w.unit_a2.code}").content.decode()
    assert "王芳" in body and "张伟" not in body
    # bob's project B does not show A's households
    assert "张伟" not in as_user(w.bob).get("/cases/lookup/?q=13800001111").content.decode()
    # a steward only finds her zone's
    assert "王芳" not in as_user(w.stella).get("/cases/lookup/?q=王芳").content.decode()


def test_possible_duplicates(desk, new_case, as_user):
    w = desk.w
    case = new_case()
    client = as_user(w.alice)
    body = client.get(f"/cases/duplicates/?unit={w.unit_a1.pk}&category={desk.leak.pk}").content.decode()
    assert case.number in body and "请确认是否重复" in body
    body = client.get(f"/cases/duplicates/?unit={w.unit_a2.pk}").content.decode()
    assert case.number not in body
    assert case.number not in as_user(w.bob).get(f"/cases/duplicates/?unit={w.unit_a1.pk}").content.decode()
    assert client.get("/cases/duplicates/?unit=x").status_code == 200


# The case page and its actions ---------------------------------------------------------------------------


def buttons(response):
    return [key for key, _spec in response.context["actions"]]


def test_case_page_shows_header_customer_card_and_timeline(desk, new_case, as_user):
    w = desk.w
    old = new_case(title="去年的漏水")
    old = services.case_cancel(actor=w.alice, case=old, reason="客户撤回")
    case = new_case(kind="complaint", title="保安态度差", is_major=True)
    services.case_comment(actor=w.alice, case=case, body="已电话安抚，内部跟进", is_public=False)
    services.case_reply(actor=w.alice, case=case, body="您好，我们已安排主管处理")
    r = as_user(w.alice).get(f"/cases/{case.number}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert case.number in body and "投诉" in body and "st-new" in body and "重大投诉" in body
    assert f'href="/customers/{w.cust_a1.pk}/"' in body
    assert old.number in body  # the customer's past case
    assert 'class="ev ev-comment internal"' in body and 'class="ev ev-comment public"' in body
    assert "内部备注" in body and "答复客户" in body
    events = r.context["events"]
    assert events[0].at >= events[-1].at  # newest first by default
    asc = as_user(w.alice).get(f"/cases/{case.number}/?order=asc").context["events"]
    assert asc[0].kind == "create"


def test_missing_or_out_of_scope_case_is_404(desk, new_case, as_user):
    w = desk.w
    case = new_case(unit=w.unit_a2, customer=w.cust_a2)
    assert as_user(w.bob).get(f"/cases/{case.number}/").status_code == 404
    assert as_user(w.stella).get(f"/cases/{case.number}/").status_code == 404  # zone A2 is not hers
    assert as_user(desk.fred).get(f"/cases/{case.number}/").status_code == 404  # not dispatched to him
    assert as_user(w.alice).get("/cases/TS20990101-0001/").status_code == 404
    assert as_user(w.hera).get(f"/cases/{case.number}/").status_code == 200
    r = as_user(w.bob).post(f"/cases/{case.number}/cancel/", {"reason": "x"})
    assert r.status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_get_on_action_urls_is_405(desk, new_case, as_user):
    from kefu.tickets.views import SPECS

    case = new_case()
    client = as_user(desk.w.alice)
    for action in SPECS:
        url = reverse(f"tickets:{action}", args=[case.number])
        assert client.get(url).status_code == 405, url
    assert client.get("/cases/bulk-dispatch/").status_code == 405
    assert client.get("/notifications/read/").status_code == 405


def test_buttons_follow_status_and_role(desk, new_case, as_user):
    w = desk.w
    case = new_case()
    assert buttons(as_user(w.alice).get(f"/cases/{case.number}/"))[:2] == ["solve_at_once", "dispatch"]
    assert "dispatch" not in buttons(as_user(w.stella).get(f"/cases/{case.number}/"))  # stewards do not dispatch
    assert "close" not in buttons(as_user(w.alice).get(f"/cases/{case.number}/"))
    case = services.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, department=desk.gc)
    fred = buttons(as_user(desk.fred).get(f"/cases/{case.number}/"))
    assert "accept" in fred and "reject" in fred and "dispatch" not in fred and "cancel" not in fred
    alice = buttons(as_user(w.alice).get(f"/cases/{case.number}/"))
    assert "accept" not in alice and "cancel" in alice and "transfer" in alice
    # the panel of an action not offered is 404
    assert as_user(desk.fred).get(f"/cases/{case.number}/panel/cancel/").status_code == 404
    assert as_user(desk.fred).get(f"/cases/{case.number}/panel/reject/").status_code == 200


def test_the_main_flow_through_the_pages(desk, new_case, as_user, client):
    """Logged, dispatched to fred, rejected, re-dispatched to gus, accepted, started, resolved, closed."""
    w = desk.w
    case = new_case(kind="complaint", title="电梯异响")
    url = f"/cases/{case.number}/"

    r = as_user(w.alice).post(url + "dispatch/", {"mode": "person", "department": desk.gc.pk, "assignee": desk.fred.pk})
    assert r.status_code == 302 and r["Location"] == url
    assert "已派单" in follow_messages(client, r)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.assignee == desk.fred

    r = as_user(desk.fred).post(url + "reject/", {"reason": "不属本专业", "next": "/cases/jobs/"})
    assert r["Location"] == "/cases/jobs/"
    case.refresh_from_db()
    assert case.status == Status.NEW and case.assignee is None

    r = as_user(w.alice).post(url + "dispatch/", {"mode": "person", "department": desk.gc.pk, "assignee": desk.fred.pk})
    r = as_user(w.alice).post(
        url + "transfer/", {"reason": "转给葛师傅", "mode": "person", "department": desk.gc.pk, "assignee": desk.gus.pk}
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.assignee == desk.gus

    gus = as_user(desk.gus)
    gus.post(url + "accept/")
    gus.post(url + "start/", {"note": "已到场"})
    gus.post(url + "hold/", {"reason": "parts", "note": "等配件"})
    case.refresh_from_db()
    assert case.status == Status.WAITING
    gus.post(url + "resume/", {"note": ""})
    r = gus.post(url + "resolve/", {"note": "已更换导轨", "files": [png()]})
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.attachments.count() == 1
    assert "已办结，等待回访" in follow_messages(gus, r)

    as_user(w.sam).post(url + "close/", {"note": "回访满意"})
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    body = as_user(w.sam).get(url).content.decode()
    for label in ("受理", "派单", "退单", "转单", "接单", "开始处理", "挂起", "恢复处理", "办结", "关闭"):
        assert f"<b>{label}</b>" in body, label
    assert "reopen" in buttons(as_user(w.sam).get(url))
    att = case.attachments.get()
    img = as_user(w.sam).get(f"{url}files/{att.pk}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    assert as_user(w.bob).get(f"{url}files/{att.pk}/").status_code == 404


def test_action_errors_come_back_in_chinese_and_write_nothing(desk, new_case, as_user, client):
    w = desk.w
    case = new_case()
    url = f"/cases/{case.number}/"
    r = as_user(w.alice).post(url + "dispatch/", {"mode": "person"})
    assert r["Location"] == f"{url}?panel=dispatch#panel"
    assert "请选择处理部门或处理人" in follow_messages(client, r)
    r = as_user(w.alice).post(url + "cancel/", {"reason": ""})
    assert "原因：请填写此项" in follow_messages(client, r)
    r = as_user(w.alice).post(url + "close/", {"note": ""})
    assert "当前状态「待派单」不能执行「关闭」" in follow_messages(client, r)
    r = as_user(w.alice).post(
        url + "dispatch/", {"mode": "person", "assignee": desk.fred.pk, "required_by": "2020-01-01T08:00"}
    )
    assert "要求完成时间不能早于现在" in follow_messages(client, r)
    r = as_user(w.stella).post(url + "dispatch/", {"mode": "person", "assignee": desk.fred.pk})
    assert "您没有权限执行此操作" in follow_messages(client, r)
    case.refresh_from_db()
    assert case.status == Status.NEW and case.events.count() == 1


def test_comment_reply_attach_split_merge_link_major_cancel_reopen(desk, new_case, as_user, client):
    w = desk.w
    case = new_case(kind="complaint", title="外墙渗水，多部门处理")
    dup = new_case(kind="complaint", title="外墙渗水（重复来电）")
    other = new_case(title="同楼另一户漏水")
    url = f"/cases/{case.number}/"
    alice = as_user(w.alice)
    alice.post(url + "comment/", {"body": "内部：需工程和秩序配合"})
    alice.post(url + "comment/", {"body": "已告知客户处理进度", "is_public": "on"})
    alice.post(url + "reply/", {"body": "您好，已安排处理"})
    alice.post(url + "attach/", {"files": [png()], "is_public": "on"})
    alice.post(url + "flag-major/")
    alice.post(url + "link/", {"number": other.number})
    r = alice.post(url + "split/", {"department_1": desk.gc.pk, "title_1": "外墙修补", "department_2": desk.kf.pk})
    assert "已拆分工作单" in follow_messages(client, r)
    alice.post(f"/cases/{dup.number}/merge/", {"number": case.number.lower(), "reason": "同一事项"})
    case.refresh_from_db()
    dup.refresh_from_db()
    assert case.is_major and case.children.count() == 2 and case.status == Status.IN_PROGRESS
    assert dup.status == Status.CANCELLED and dup.merged_into == case
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.count("comment") == 3 and "attachment" in kinds and "link" in kinds and "escalate" in kinds
    assert case.first_replied_at is not None
    body = alice.get(url).content.decode()
    assert f"{case.number}-1" in body and other.number in body and "工作单" in body
    r = alice.post(url + "merge/", {"number": "TS20990101-0001"})
    assert "未找到该工单" in follow_messages(client, r)
    # cancel then reopen is refused (cancelled cases stay cancelled); a closed one reopens
    cancel_me = new_case(title="取消测试")
    alice.post(f"/cases/{cancel_me.number}/cancel/", {"reason": "客户撤回"})
    cancel_me.refresh_from_db()
    assert cancel_me.status == Status.CANCELLED
    solved = new_case(kind="consultation", category=None, title="咨询停车")
    alice.post(f"/cases/{solved.number}/solve-at-once/", {"answer": "地库B2可停"})
    alice.post(f"/cases/{solved.number}/reopen/", {"reason": "客户追问"})
    solved.refresh_from_db()
    assert solved.status == Status.IN_PROGRESS


# Field staff's phone view ---------------------------------------------------------------------------------


def test_jobs_view_for_field_staff(desk, new_case, as_user):
    w = desk.w
    mine = services.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    pooled = services.case_dispatch(actor=w.alice, case=new_case(title="公共区域水管"), mode="pool", department=desk.gc)
    fred = as_user(desk.fred)
    r = fred.get("/cases/jobs/")
    body = r.content.decode()
    assert r.status_code == 200 and mine.number in body and pooled.number not in body
    assert "接单" in body and 'href="tel:13800001111"' in body and "h5-tabbar" in body
    body = fred.get("/cases/jobs/?tab=pool").content.decode()
    assert pooled.number in body and "抢单" in body
    r = fred.post(f"/cases/{pooled.number}/grab/", {"next": "/cases/jobs/?tab=pool"})
    assert r["Location"] == "/cases/jobs/?tab=pool"
    pooled.refresh_from_db()
    assert pooled.assignee == desk.fred and pooled.status == Status.ACCEPTED
    fred.post(f"/cases/{mine.number}/accept/", {"next": "/cases/jobs/"})
    fred.post(f"/cases/{mine.number}/start/", {"next": "/cases/jobs/", "note": "已到场"})
    r = fred.post(f"/cases/{mine.number}/resolve/", {"next": "/cases/jobs/", "note": "", "files": []})
    assert "处理结果：请填写此项" in follow_messages(fred, r)
    fred.post(f"/cases/{mine.number}/resolve/", {"next": "/cases/jobs/", "note": "已修好", "files": [png()]})
    mine.refresh_from_db()
    assert mine.status == Status.RESOLVED
    assert mine.number not in fred.get("/cases/jobs/").content.decode()
    # an outside next is ignored
    r = fred.post(f"/cases/{pooled.number}/start/", {"next": "https://evil.example/"})
    assert r["Location"] == f"/cases/{pooled.number}/"
    # field staff have the handler queues only
    r = fred.get("/cases/")
    assert r.status_code == 200 and r.context["queue"] == "mine"
    assert as_user(w.bob).get("/cases/jobs/").status_code == 200


# Inbox and menu -------------------------------------------------------------------------------------------


def test_inbox_unread_badge_and_mark_read(desk, new_case, as_user):
    w = desk.w
    case = services.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    services.case_comment(actor=w.alice, case=case, body="请尽快上门")
    fred = as_user(desk.fred)
    r = fred.get("/notifications/")
    body = r.content.decode()
    assert r.status_code == 200 and r.context["kefu_unread"] == 2
    assert f"新派单：{case.number}" in body and '<span class="badge"' in body
    first = Notification.objects.filter(recipient=desk.fred).order_by("pk").first()
    r = fred.post(f"/notifications/{first.pk}/open/")
    assert r["Location"] == f"/cases/{case.number}/"
    assert fred.get("/notifications/").context["kefu_unread"] == 1
    fred.post("/notifications/read/", {"all": "1"})
    assert fred.get("/notifications/").context["kefu_unread"] == 0
    # one cannot read or open another person's notifications
    other = Notification.objects.create(recipient=w.alice, kind="comment", title="给alice的")
    assert "给alice的" not in fred.get("/notifications/").content.decode()
    fred.post(f"/notifications/{other.pk}/open/")
    fred.post("/notifications/read/", {"id": other.pk})
    other.refresh_from_db()
    assert other.read_at is None


def test_menu_by_role(desk, as_user):
    w = desk.w
    body = as_user(w.alice).get("/").content.decode()
    for label in (
        "工单中心",
        "受理登记",
        "我的工单",
        "部门工单",
        "待派单",
        "抢单池",
        "即将超时",
        "已超时",
        "挂起中",
        "全部工单",
        "我的消息",
    ):
        assert label in body, label
    assert "服务设置" not in body
    assert "服务设置" in as_user(w.mia).get("/").content.decode()
    fred = as_user(desk.fred).get("/").content.decode()
    assert "手机任务" in fred and "待派单" not in fred and "受理登记" not in fred


def test_pages_render_for_every_named_user(desk, new_case, as_user):
    w = desk.w
    case = new_case()
    for user in (w.alice, w.sam, w.stella, desk.fred, w.bob, w.hera, w.mia, w.quinn):
        client = as_user(user)
        for url in ("/cases/", "/cases/jobs/", "/notifications/", "/cases/lookup/?q=13", "/cases/duplicates/"):
            assert client.get(url).status_code == 200, (user.username, url)
        expected = 404 if user in (w.bob, desk.fred) else 200
        assert client.get(f"/cases/{case.number}/").status_code == expected, user.username
    assert as_user(w.archie).get("/cases/new/").status_code == 302  # archivists do not log cases


def test_no_case_role_gets_404_on_the_workspace(world, as_user):
    from kefu import testing as t

    nobody = t.UserFactory(username="nobody")
    assert as_user(nobody).get("/cases/").status_code == 404
    _ = dt
