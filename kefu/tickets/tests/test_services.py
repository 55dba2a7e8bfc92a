import datetime as dt

import pytest

from kefu.core.errors import Conflict, ValidationFailed
from kefu.notify.models import Notification
from kefu.tickets import services
from kefu.tickets.models import Case, CaseEvent, Escalation
from kefu.tickets.services import DispatchMode, Part, Upload
from kefu.tickets.states import Status

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_it_numbers_cases_by_prefix_and_beijing_day(desk, new_case):
    a = new_case(now=dt.datetime(2026, 11, 21, 15, 59, tzinfo=dt.UTC))  # 23:59 in Beijing
    b = new_case(now=dt.datetime(2026, 11, 21, 16, 1, tzinfo=dt.UTC))  # 00:01 the next day
    c = new_case(kind="complaint", now=dt.datetime(2026, 11, 21, 16, 2, tzinfo=dt.UTC))
    d = new_case(now=dt.datetime(2026, 11, 21, 16, 3, tzinfo=dt.UTC))
    assert [a.number, b.number, c.number, d.number] == [
        "BX20261121-0001", "BX20261122-0001", "TS20261122-0001", "BX20261122-0002",
    ]  # fmt: skip


def test_it_solves_a_consultation_at_once_as_first_contact_resolution(desk, new_case):
    case = new_case(kind="consultation", title="物业费标准咨询")
    case = services.case_solve_at_once(actor=desk.w.alice, case=case, answer="住宅 2.8 元/㎡·月", now=NOW)
    assert case.status == Status.CLOSED
    assert case.first_contact_resolution and case.closed_at == NOW and case.first_replied_at == NOW


def test_it_round_robins_among_on_duty_members_and_respects_the_cap(desk, new_case):
    desk.gc.max_open_jobs = 1
    desk.gc.save()
    first = services.case_dispatch(
        actor=desk.w.alice, case=new_case(), mode=DispatchMode.DEPARTMENT, department=desk.gc, now=NOW
    )
    second = services.case_dispatch(
        actor=desk.w.alice,
        case=new_case(),
        mode=DispatchMode.DEPARTMENT,
        department=desk.gc,
        now=NOW + dt.timedelta(minutes=1),
    )
    assert {first.assignee, second.assignee} == {desk.fred, desk.gus}
    with pytest.raises(Conflict) as e:
        services.case_dispatch(
            actor=desk.w.alice, case=new_case(), mode=DispatchMode.DEPARTMENT, department=desk.gc, now=NOW
        )
    assert e.value.message == services.MSG_NO_ONE_ON_DUTY
    with pytest.raises(Conflict) as e:
        services.case_dispatch(actor=desk.w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    assert e.value.code == "cap_reached"


def test_it_skips_members_off_duty(desk, new_case):
    desk.fred.on_duty = False
    desk.fred.save()
    for _ in range(3):
        case = services.case_dispatch(
            actor=desk.w.alice, case=new_case(), mode=DispatchMode.DEPARTMENT, department=desk.gc
        )
        assert case.assignee == desk.gus


def test_it_lets_the_first_member_grab_a_pooled_case(desk, new_case):
    case = services.case_dispatch(actor=desk.w.alice, case=new_case(), mode=DispatchMode.POOL, department=desk.gc)
    assert case.in_pool and case.assignee is None
    assert Notification.objects.filter(case=case, kind="pool").count() == 2  # fred and gus
    case = services.case_grab(actor=desk.gus, case=case)
    assert case.status == Status.ACCEPTED and case.assignee == desk.gus and not case.in_pool
    with pytest.raises(Conflict):
        services.case_grab(actor=desk.fred, case=case)


def test_it_resolves_a_case_when_all_its_work_orders_are_done(desk, new_case):
    kf_agent = desk.w.alice
    case = new_case(kind="complaint", title="楼道漏水且保洁不到位")
    children = services.case_split(
        actor=kf_agent,
        case=case,
        parts=[
            Part(department=desk.gc, title="维修漏水", assignee=desk.fred),
            Part(department=desk.kf, title="跟进保洁", assignee=desk.w.sam),
        ],
    )
    assert [c.number for c in children] == [f"{case.number}-1", f"{case.number}-2"]
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    with pytest.raises(Conflict) as e:
        services.case_resolve(actor=kf_agent, case=case, note="提前办结")
    assert e.value.message == services.MSG_CHILDREN_OPEN
    one = services.case_accept(actor=desk.fred, case=children[0])
    services.case_resolve(actor=desk.fred, case=one, note="已修复")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    two = services.case_accept(actor=desk.w.sam, case=children[1])
    services.case_resolve(actor=desk.w.sam, case=two, note="已安排保洁")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.events.filter(kind="resolve", actor__isnull=True).exists()


def test_it_merges_a_duplicate_into_the_case_that_carries_on(desk, new_case):
    keep, dup = new_case(), new_case()
    dup = services.case_merge(actor=desk.w.alice, case=dup, into=keep, reason="同一漏水")
    assert dup.status == Status.CANCELLED and dup.merged_into == keep
    assert keep.events.filter(kind="merged").exists()
    with pytest.raises(ValidationFailed):
        services.case_merge(actor=desk.w.alice, case=keep, into=keep)


def test_it_escalates_a_major_complaint_to_the_manager_at_once_and_once_only(desk, new_case):
    case = new_case(kind="complaint", is_major=True, title="业主家中被水淹，要求赔偿")
    assert Notification.objects.filter(recipient=desk.w.mia, kind="major", case=case).count() == 1
    services.case_flag_major(actor=desk.w.sam, case=case)
    assert Escalation.objects.filter(case=case).count() == 1
    assert Notification.objects.filter(kind="major").count() == 1


def test_it_creates_once_per_idempotency_key(desk):
    w = desk.w
    kwargs = dict(project=w.a, kind="repair", channel="device", title="水泵房水位报警")
    fp = services.request_fingerprint({"title": "水泵房水位报警"})
    first, created = services.case_create_idempotent(actor=w.alice, key="dev-1", fingerprint=fp, **kwargs)
    again, created_again = services.case_create_idempotent(actor=w.alice, key="dev-1", fingerprint=fp, **kwargs)
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(Conflict) as e:
        services.case_create_idempotent(actor=w.alice, key="dev-1", fingerprint="other", **kwargs)
    assert e.value.code == "idempotency_key_reused"
    assert Case.objects.filter(title="水泵房水位报警").count() == 1


def test_it_checks_uploads_by_content_and_writes_nothing_on_a_bad_file(desk, new_case):
    before = Case.objects.count()
    with pytest.raises(ValidationFailed) as e:
        new_case(uploads=[Upload(name="photo.jpg", content=b"MZ\x90\x00 not really a jpeg")])
    assert e.value.message == "不支持的文件类型：photo.jpg（支持图片、PDF、Office 文档和录音）"
    assert Case.objects.count() == before
    case = new_case(uploads=[Upload(name="现场.png", content=PNG)])
    att = case.attachments.get()
    assert att.content_type == "image/png" and att.size == len(PNG)


def test_it_counts_a_public_comment_as_the_first_reply_but_not_an_internal_note(desk, new_case):
    case = new_case(kind="complaint")
    assert case.first_reply_due == NOW.replace(hour=2) + dt.timedelta(hours=24)
    services.case_comment(actor=desk.w.sam, case=case, body="内部：请工程部核实", is_public=False, now=NOW)
    case.refresh_from_db()
    assert case.first_replied_at is None
    services.case_reply(actor=desk.w.carl, case=case, body="您好，已安排工程部今天上门", now=NOW)
    case.refresh_from_db()
    assert case.first_replied_at == NOW
    assert CaseEvent.objects.filter(case=case, kind="comment", is_public=True).count() == 1


def test_it_notifies_in_the_same_transaction_as_the_change(desk, new_case):
    case = new_case()
    with pytest.raises(ValidationFailed):
        services.case_dispatch(
            actor=desk.w.alice,
            case=case,
            assignee=desk.fred,
            department=desk.gc,
            required_by=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )
    assert not Notification.objects.filter(case=case).exists()
    services.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, department=desk.gc)
    assert Notification.objects.filter(case=case, recipient=desk.fred, kind="assigned").count() == 1


def test_it_offers_only_the_actions_the_status_and_role_allow(desk, new_case):
    case = new_case()
    assert services.allowed_actions(desk.w.alice, case) == [
        "solve_at_once",
        "dispatch",
        "cancel",
        "split",
        "comment",
        "merge",
    ]
    assert services.allowed_actions(desk.w.quinn, case) == ["comment"]
    case = services.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, department=desk.gc)
    assert services.allowed_actions(desk.fred, case) == ["accept", "reject", "transfer", "comment"]
    assert services.allowed_actions(desk.gus, case) == ["comment"]
