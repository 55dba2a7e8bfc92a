"""The case API: intake with idempotency keys, every action, errors in one shape, nothing half-written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from kefu import testing as t
from kefu.tickets import services
from kefu.tickets.models import Attachment, Case, CaseEvent, CaseLink, Escalation, IdempotencyKey
from kefu.tickets.states import Status
from kefu.tickets.tests.test_transitions import drive_to

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def png(name="leak.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def api():
    def _as(user):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return _as


def intake(desk, **over):
    w = desk.w
    body = {
        "project": "A",
        "kind": "repair",
        "channel": "phone",
        "category": desk.leak.pk,
        "customer": w.cust_a1.pk,
        "unit": str(w.unit_a1.pk),
        "title": "卫生间漏水",
        "description": "楼上渗水到卫生间吊顶",
        "contact_phone": "13800001111",
    }
    body.update(over)
    return body


def url(case, verb=""):
    number = case if isinstance(case, str) else case.number
    return f"/api/v1/cases/{number}/" + (f"{verb}/" if verb else "")


def fresh(case):
    return Case.objects.get(pk=case.pk)


# Intake -------------------------------------------------------------------------------------------------


def test_it_creates_a_case_and_shows_it_with_masked_phones_and_allowed_actions(desk, api):
    r = api(desk.w.alice).post("/api/v1/cases/", intake(desk), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"].startswith("BX") and len(body["number"]) == len("BX20261122-0001")
    assert body["status"] == "new" and body["status_label"] == "待派单"
    assert body["project"] == "A" and body["unit_code"] == "1-1-1201" and body["zone"] == "A1"
    assert body["customer"]["name"] == "张伟" and body["customer"]["phone"] == "138****1111"
    assert body["contact_phone"] == "138****1111"
    assert {"dispatch", "cancel", "solve_at_once", "comment"} <= set(body["allowed_actions"])
    assert body["resolution_due"] and body["created_at"].endswith("+08:00")
    assert body["children"] == [] and body["parent"] is None and body["merged_into"] is None
    case = Case.objects.get(number=body["number"])
    assert case.created_by == desk.w.alice and case.events.get().kind == "create"
    r = api(desk.w.alice).get(url(case))
    assert r.status_code == 200 and r.json()["number"] == case.number


def test_it_accepts_a_unit_code_and_photos_by_multipart(desk, api):
    body = intake(desk, unit="1-1-1201")
    body.pop("customer")
    body["files"] = [png("a.png"), png("b.png")]
    r = api(desk.w.alice).post("/api/v1/cases/", body, format="multipart")
    assert r.status_code == 201, r.json()
    case = Case.objects.get(number=r.json()["number"])
    assert case.unit == desk.w.unit_a1
    assert sorted(case.attachments.values_list("name", flat=True)) == ["a.png", "b.png"]
    r = api(desk.w.alice).get(url(case, "attachments"))
    assert r.status_code == 200 and [a["content_type"] for a in r.json()] == ["image/png", "image/png"]


def test_it_refuses_bad_input_with_chinese_field_errors_and_writes_nothing(desk, api):
    alice = api(desk.w.alice)
    r = alice.post("/api/v1/cases/", {"project": "A", "title": "无类型"}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and r.json()["fields"]["kind"] == ["该字段是必填项。"]
    r = alice.post("/api/v1/cases/", intake(desk, category=desk.attitude.pk), format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"category": [services.MSG_CATEGORY]}
    assert r.json()["message"] == services.MSG_CATEGORY
    r = alice.post("/api/v1/cases/", intake(desk, unit=str(desk.w.unit_b.pk)), format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"unit": ["房屋不存在"]}
    r = alice.post("/api/v1/cases/", intake(desk, customer=desk.w.cust_b.pk), format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"customer": ["客户不存在"]}
    r = alice.post("/api/v1/cases/", intake(desk, project="B"), format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"project": ["项目不存在"]}
    r = alice.post("/api/v1/cases/", intake(desk, title="", description=""), format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"title": [services.MSG_TITLE]}
    # A bad second file: neither the case nor the first photo is kept.
    body = intake(desk)
    body["files"] = [png(), SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")]
    r = alice.post("/api/v1/cases/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="k-bad-file")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["files"]
    assert "notes.txt" in r.json()["message"]
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert not Attachment.objects.exists() and not IdempotencyKey.objects.exists()


def test_it_creates_once_for_a_retried_idempotency_key(desk, api):
    alice = api(desk.w.alice)
    answers = [
        alice.post("/api/v1/cases/", intake(desk), format="json", HTTP_IDEMPOTENCY_KEY="cc-2026-000123")
        for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [201, 200, 200]
    assert len({r.json()["number"] for r in answers}) == 1
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    # Keys belong to the caller: another system's identical key is its own request.
    r = api(desk.w.sam).post("/api/v1/cases/", intake(desk), format="json", HTTP_IDEMPOTENCY_KEY="cc-2026-000123")
    assert r.status_code == 201 and r.json()["number"] != answers[0].json()["number"]


def test_it_refuses_an_idempotency_key_reused_for_another_body(desk, api):
    alice = api(desk.w.alice)
    r = alice.post("/api/v1/cases/", intake(desk), format="json", HTTP_IDEMPOTENCY_KEY="dev-77")
    assert r.status_code == 201
    r = alice.post("/api/v1/cases/", intake(desk, title="另一件事"), format="json", HTTP_IDEMPOTENCY_KEY="dev-77")
    assert r.status_code == 409
    assert r.json() == {"code": "idempotency_key_reused", "message": services.MSG_IDEMPOTENCY_REUSED, "fields": {}}
    assert Case.objects.count() == 1
    r = alice.post("/api/v1/cases/", intake(desk), format="json", HTTP_IDEMPOTENCY_KEY="x" * 101)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["fields"]


def test_it_creates_without_a_key_every_time(desk, api):
    alice = api(desk.w.alice)
    numbers = [alice.post("/api/v1/cases/", intake(desk), format="json").json()["number"] for _ in range(2)]
    assert len(set(numbers)) == 2


def test_it_gives_unique_consecutive_numbers(desk, api):
    """Sequential on SQLite (one writer at a time); concurrent creation on PostgreSQL is issue 9's test."""
    alice = api(desk.w.alice)
    numbers = [alice.post("/api/v1/cases/", intake(desk), format="json").json()["number"] for _ in range(5)]
    numbers += [
        alice.post("/api/v1/cases/", intake(desk, kind="complaint", category=None), format="json").json()["number"]
    ]
    assert len(set(numbers)) == 6
    assert [n[-4:] for n in numbers[:5]] == ["0001", "0002", "0003", "0004", "0005"]
    assert numbers[5].startswith("TS") and numbers[5].endswith("-0001")


def test_it_accepts_a_token(desk, api):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=desk.w.alice)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    r = c.post("/api/v1/cases/", intake(desk, channel="device"), format="json", HTTP_IDEMPOTENCY_KEY="alarm-1")
    assert r.status_code == 201
    assert c.get("/api/v1/cases/").json()["results"][0]["number"] == r.json()["number"]
    assert APIClient().get("/api/v1/cases/").status_code in (401, 403)


# Lists --------------------------------------------------------------------------------------------------


def test_it_lists_with_filters_search_and_cursor_pages(desk, new_case, api):
    w = desk.w
    leak = new_case(title="卫生间漏水")
    noise = new_case(kind="complaint", title="夜间装修噪音扰民", unit=w.unit_a2, customer=w.cust_a2)
    services.case_dispatch(actor=w.alice, case=leak, assignee=desk.fred, department=desk.gc)
    alice = api(w.alice)

    def numbers(**params):
        r = alice.get("/api/v1/cases/", params)
        assert r.status_code == 200, r.json()
        return [row["number"] for row in r.json()["results"]]

    assert numbers() == [noise.number, leak.number]
    assert numbers(kind="complaint") == [noise.number]
    assert numbers(status="dispatched") == [leak.number]
    assert numbers(queue="unassigned") == [noise.number]
    assert numbers(department=desk.gc.pk) == [leak.number]
    assert numbers(zone=w.a2.pk) == [noise.number]
    assert numbers(project="A", channel="phone", priority="normal") == [noise.number, leak.number]
    assert numbers(q="噪音") == [noise.number]
    assert numbers(q=leak.number) == [leak.number]
    assert numbers(created_from="2026-11-20", created_to="2026-11-20") == [noise.number, leak.number]
    assert numbers(created_from="2026-11-21") == []
    assert numbers(ordering="created_at") == [leak.number, noise.number]
    r = alice.get("/api/v1/cases/", {"page_size": 1})
    assert [x["number"] for x in r.json()["results"]] == [noise.number] and r.json()["next"]
    r = alice.get(r.json()["next"])
    assert [x["number"] for x in r.json()["results"]] == [leak.number] and r.json()["next"] is None
    r = alice.get("/api/v1/cases/", {"queue": "everything", "created_from": "yesterday", "zone": "A1"})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"queue", "created_from", "zone"}
    assert alice.get("/api/v1/cases/", {"ordering": "title"}).status_code == 400
    assert alice.get("/api/v1/cases/", {"project": "B"}).json()["fields"] == {"project": ["项目不存在"]}


def test_it_lists_a_field_workers_jobs_and_pool(desk, new_case, api):
    w = desk.w
    mine = services.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    pooled = services.case_dispatch(actor=w.alice, case=new_case(), mode="pool", department=desk.gc)
    services.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.gus, department=desk.gc)
    new_case()
    r = api(desk.fred).get("/api/v1/work-orders/")
    assert r.status_code == 200
    assert {x["number"] for x in r.json()["results"]} == {mine.number, pooled.number}
    r = api(desk.fred).get("/api/v1/work-orders/", {"status": "resolved"})
    assert r.json()["results"] == []
    assert api(w.alice).get("/api/v1/work-orders/").json()["results"] == []


def test_it_lists_categories_and_possible_duplicates(desk, new_case, api):
    w = desk.w
    r = api(w.alice).get("/api/v1/categories/", {"kind": "repair", "project": "A"})
    assert r.status_code == 200 and desk.leak.pk in [c["id"] for c in r.json()]
    assert {c["kind"] for c in r.json()} == {"repair"}
    assert api(w.bob).get("/api/v1/categories/", {"project": "A"}).status_code == 400
    assert api(w.alice).get("/api/v1/categories/", {"kind": "nonsense"}).status_code == 400
    case = new_case()
    r = api(w.alice).get("/api/v1/cases/duplicates/", {"unit": w.unit_a1.pk, "category": desk.leak.pk})
    assert r.status_code == 200 and [x["number"] for x in r.json()] == [case.number]
    r = api(w.alice).get("/api/v1/cases/duplicates/", {"unit": "1-1-1201", "project": "A"})
    assert [x["number"] for x in r.json()] == [case.number]
    r = api(w.alice).get("/api/v1/cases/duplicates/", {"unit": w.unit_a2.pk})
    assert r.json() == []
    r = api(w.alice).get("/api/v1/cases/duplicates/")
    assert r.status_code == 400 and list(r.json()["fields"]) == ["unit"]


# Actions ------------------------------------------------------------------------------------------------


def post(client, case, verb, data=None, **kw):
    return client.post(url(case, verb), data or {}, format=kw.pop("format", "json"), **kw)


def test_it_walks_a_case_through_every_handling_action(desk, new_case, api):
    w, fred = desk.w, api(desk.fred)
    alice = api(w.alice)
    case = new_case()
    r = post(alice, case, "dispatch", {"assignee": desk.fred.pk, "department": desk.gc.pk, "version": case.version})
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "dispatched" and r.json()["assignee"] == desk.fred.pk
    assert r.json()["department_name"] == "工程部"
    assert "accept" not in r.json()["allowed_actions"]  # alice is not the assignee
    r = fred.get(url(case))
    assert r.status_code == 200 and "accept" in r.json()["allowed_actions"]
    steps = [
        ("accept", {"version": r.json()["version"]}, "accepted"),
        ("start", {"note": "已到现场"}, "in_progress"),
        ("hold", {"reason": "parts", "note": "等角阀"}, "waiting"),
        ("resume", {}, "in_progress"),
        ("resolve", {"note": "更换角阀"}, "resolved"),
    ]
    for verb, data, expected in steps:
        r = post(fred, case, verb, data)
        assert r.status_code == 200, (verb, r.json())
        assert r.json()["status"] == expected
    r = post(alice, case, "close", {"note": "回访满意"})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closed_at"]
    r = post(alice, case, "reopen", {"reason": "又漏了"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    kinds = list(CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["create", "dispatch", "accept", "start", "hold", "resume", "resolve", "close", "reopen"]


def test_it_rejects_transfers_grabs_and_cancels(desk, new_case, api):
    w = desk.w
    case = drive_to(new_case(), Status.DISPATCHED, desk)
    r = post(api(desk.fred), case, "reject", {"reason": "不是水电问题"})
    assert r.status_code == 200 and r.json()["status"] == "new" and r.json()["assignee"] is None
    r = post(api(w.alice), case, "dispatch", {"mode": "pool", "department": desk.gc.pk})
    assert r.status_code == 200 and r.json()["in_pool"] is True
    r = post(api(desk.gus), case, "grab")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["assignee"] == desk.gus.pk
    r = post(
        api(desk.gus), case, "transfer", {"reason": "转给水电", "assignee": desk.fred.pk, "department": desk.gc.pk}
    )
    assert r.status_code == 200 and r.json()["status"] == "dispatched" and r.json()["assignee"] == desk.fred.pk
    r = post(api(w.sam), case, "cancel", {"reason": "客户撤回"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    other = new_case()
    r = post(api(w.alice), other, "solve-at-once", {"answer": "已告知停水时间"})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["first_contact_resolution"]


def test_it_comments_replies_and_attaches_and_shows_the_timeline(desk, new_case, api):
    w = desk.w
    case = new_case()
    alice = api(w.alice)
    r = post(alice, case, "comments", {"body": "内部：客户情绪激动"})
    assert r.status_code == 201 and r.json()["is_public"] is False and r.json()["kind"] == "comment"
    r = post(alice, case, "reply", {"body": "师傅下午两点上门"})
    assert r.status_code == 201 and r.json()["is_public"] is True
    assert fresh(case).first_replied_at is not None
    r = post(alice, case, "attachments", {"file": png("scene.png")}, format="multipart")
    assert r.status_code == 201 and r.json()["name"] == "scene.png" and r.json()["size"] == len(PNG)
    r = post(alice, case, "comments", {"body": "  "})
    assert r.status_code == 400 and r.json()["fields"] == {"body": [services.MSG_EMPTY_COMMENT]}
    r = post(alice, case, "attachments", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["fields"]
    r = alice.get(url(case, "events"))
    assert r.status_code == 200
    assert [(e["kind"], e["is_public"]) for e in r.json()] == [
        ("create", True),
        ("comment", False),
        ("comment", True),
        ("attachment", True),
    ]
    assert r.json()[1]["body"] == "内部：客户情绪激动" and r.json()[1]["actor_name"]


def test_it_splits_merges_links_and_flags_major(desk, new_case, api):
    w = desk.w
    alice = api(w.alice)
    case = new_case()
    r = post(alice, case, "split", {"parts": [{"department": desk.gc.pk, "title": "水电"}, {"department": desk.kf.pk}]})
    assert r.status_code == 201, r.json()
    assert [c["number"] for c in r.json()] == [f"{case.number}-1", f"{case.number}-2"]
    assert r.json()[0]["parent"] == case.number
    assert alice.get(url(case)).json()["children"] == [f"{case.number}-1", f"{case.number}-2"]
    assert alice.get(url(f"{case.number}-1")).status_code == 200
    dup, keep = new_case(), new_case()
    r = post(alice, dup, "merge", {"into": keep.number, "reason": "同一漏水"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["merged_into"] == keep.number
    r = post(alice, keep, "link", {"other": case.number})
    assert r.status_code == 200 and r.json()["links"] == [case.number]
    assert CaseLink.objects.count() == 1
    complaint = new_case(kind="complaint", title="保安态度差")
    r = post(alice, complaint, "flag-major")
    assert r.status_code == 200 and r.json()["is_major"] is True
    assert Escalation.objects.filter(case=complaint, target="major").exists()
    r = post(alice, keep, "flag-major")
    assert r.status_code == 400 and r.json()["message"] == "只有投诉可以标记为重大投诉"


def test_it_refuses_an_illegal_transition_with_409_and_changes_nothing(desk, new_case, api):
    case = new_case()
    before = fresh(case)
    events = CaseEvent.objects.filter(case=case).count()
    r = post(api(desk.w.alice), case, "resolve", {"note": "完成"})
    assert r.status_code == 409
    assert r.json() == {"code": "illegal_transition", "message": "当前状态「待派单」不能执行「办结」", "fields": {}}
    r = post(api(desk.w.alice), case, "close")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    after = fresh(case)
    assert (after.status, after.version, after.updated_at) == (before.status, before.version, before.updated_at)
    assert CaseEvent.objects.filter(case=case).count() == events


def test_it_refuses_a_stale_version_and_required_fields(desk, new_case, api):
    alice = api(desk.w.alice)
    case = new_case()
    r = post(alice, case, "dispatch", {"assignee": desk.fred.pk, "version": case.version + 5})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = post(alice, case, "dispatch", {"mode": "teleport"})
    assert r.status_code == 400 and list(r.json()["fields"]) == ["mode"]
    r = post(alice, case, "dispatch", {"mode": "department"})
    assert r.status_code == 400 and r.json()["fields"] == {"department": [services.MSG_DISPATCH_TARGET]}
    r = post(alice, case, "cancel", {"reason": " "})
    assert r.status_code == 400 and r.json()["fields"] == {"reason": [services.MSG_REASON]}
    r = post(alice, case, "cancel", {})
    assert r.status_code == 400 and r.json()["fields"] == {"reason": ["该字段是必填项。"]}
    assert fresh(case).status == Status.NEW and fresh(case).version == case.version


def test_it_resolves_referenced_objects_within_the_case_project(desk, new_case, api):
    w = desk.w
    alice = api(w.alice)
    case = new_case()
    dept_b = t.DepartmentFactory(project=w.b, code="GC", name="B工程部")
    r = post(alice, case, "dispatch", {"mode": "pool", "department": dept_b.pk})
    assert r.status_code == 400 and r.json()["fields"] == {"department": ["部门不存在"]}
    r = post(alice, case, "dispatch", {"assignee": w.bob.pk})
    assert r.status_code == 400 and r.json()["fields"] == {"assignee": ["处理人不存在"]}
    r = post(alice, case, "dispatch", {"assignee": 999999})
    assert r.status_code == 400 and r.json()["fields"] == {"assignee": ["处理人不存在"]}
    b_case = services.case_create(actor=w.bob, project=w.b, kind="repair", channel="phone", title="电梯异响")
    r = post(alice, case, "merge", {"into": b_case.number})
    assert r.status_code == 400 and r.json()["fields"] == {"into": ["工单不存在"]}
    r = post(alice, case, "link", {"other": "BX20990101-0001"})
    assert r.status_code == 400 and r.json()["fields"] == {"other": ["工单不存在"]}
    r = post(alice, case, "split", {"parts": [{"department": dept_b.pk}]})
    assert r.status_code == 400 and r.json()["fields"] == {"department": ["部门不存在"]}
    assert fresh(case).status == Status.NEW and not Case.objects.filter(parent=case).exists()


def test_it_answers_404_in_the_error_shape_for_unknown_numbers(desk, api):
    r = api(desk.w.alice).get(url("BX20990101-0001"))
    assert r.status_code == 404 and r.json() == {"code": "not_found", "message": "未找到该工单", "fields": {}}
    r = api(desk.w.alice).post(url("BX20990101-0001", "accept"), {}, format="json")
    assert r.status_code == 404


def test_it_shows_no_internal_notes_to_a_customer_account(desk, new_case, api):
    w = desk.w
    customer_user = t.UserFactory(username="portal-zhang", kind="customer")
    case = new_case(actor=w.alice)
    services.case_comment(actor=w.alice, case=case, body="内部备注")
    # The desk API is closed to customer accounts, even for a case they reported themselves (created_by):
    # they follow their cases, public events only, through /api/v1/portal/cases/ (kefu/portal/tests/test_api.py).
    own = services.case_create(actor=w.alice, project=w.a, kind="repair", channel="portal", title="门锁坏了")
    Case.objects.filter(pk=own.pk).update(created_by=customer_user)
    services.case_comment(actor=w.alice, case=own, body="内部：需换锁芯")
    c = api(customer_user)
    assert c.get(url(case)).status_code == 404
    assert c.get(url(own)).status_code == 404
    assert c.get(url(own, "events")).status_code == 404
    assert c.get("/api/v1/cases/?queue=all").json()["results"] == []


def test_the_intake_answer_equals_the_case_read_back(desk, api):
    """Intake answers from the case it has just written (no read-back): the body must be what a read shows."""
    alice = api(desk.w.alice)
    bodies = [
        intake(desk),
        intake(desk, unit="1-1-1201", customer=None, category=None, priority="urgent"),
        intake(desk, kind="complaint", category=None, is_major=True, title="保安态度差"),
        intake(desk, kind="consultation", category=None, customer=None, unit=None, location="小区东门"),
    ]
    for body in bodies:
        r = alice.post("/api/v1/cases/", body, format="json")
        assert r.status_code == 201, r.json()
        assert r.json() == alice.get(url(r.json()["number"])).json()


def test_case_serializers_match_drf_generic_output_in_every_shape(desk, new_case, api):
    """PrebuiltFieldsMixin (fields built once per class) gives exactly DRF's own representation."""
    from rest_framework import serializers as drf
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from kefu.tickets.serializers import CaseListSerializer, CaseSerializer

    w = desk.w
    alice = api(w.alice)
    parent, dup, keep = new_case(), new_case(), new_case()
    post(alice, parent, "split", {"parts": [{"department": desk.gc.pk, "title": "水电"}, {"department": desk.kf.pk}]})
    post(alice, dup, "merge", {"into": keep.number, "reason": "同一漏水"})
    post(alice, keep, "link", {"other": parent.number})
    api(w.alice).post("/api/v1/cases/", intake(desk), format="json")
    request = Request(APIRequestFactory().get("/"))
    request.user = w.alice
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) >= 6
    for case in cases:
        for cls in (CaseSerializer, CaseListSerializer):
            s = cls(case, context={"request": request})
            generic = drf.ModelSerializer.to_representation(cls(case, context={"request": request}), case)
            assert s.data == generic, (cls.__name__, case.number)
    many = CaseListSerializer(cases, many=True).data
    assert [row["number"] for row in many] == [c.number for c in cases]
