"""The portal's business rules: sign-up, occupancy verification, and the customer's side of a case
(tickets.services.customer_case_*, visits.services.rating_submit)."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.customers.models import Customer, Occupancy
from kefu.notify.models import Notification
from kefu.org.models import User
from kefu.portal import services
from kefu.portal.access import my_units
from kefu.portal.models import VerificationRequest
from kefu.tickets import services as ts
from kefu.tickets.models import Attachment, CaseEvent
from kefu.visits import services as visits
from kefu.visits.models import CustomerRating

from .conftest import NOW, png

pytestmark = pytest.mark.django_db


# Sign-up ---------------------------------------------------------------------------------------------------


def test_it_signs_up_a_customer_who_logs_in_by_mobile(client):
    user = services.account_signup(mobile="139 1234 5678", name="赵雷", password="Lantern-river-88")
    assert (user.username, user.mobile, user.kind, user.name) == ("13912345678", "13912345678", "customer", "赵雷")
    assert user.check_password("Lantern-river-88")
    assert not my_units(user).exists()  # nothing is linked before staff verify


@pytest.mark.parametrize(
    ("mobile", "message"),
    [
        ("12912345678", services.MSG_MOBILE),  # 1[3-9] only
        ("1391234567", services.MSG_MOBILE),  # 10 digits
        ("13800001111", services.MSG_MOBILE_TAKEN),  # zhang's number
        ("yezhu9", services.MSG_MOBILE),
    ],
)
def test_it_refuses_a_bad_or_taken_mobile(portal, mobile, message):
    with pytest.raises(ValidationFailed) as exc:
        services.account_signup(mobile=mobile, name="赵雷", password="Lantern-river-88")
    assert exc.value.fields["mobile"] == [message]


def test_it_applies_djangos_password_validators_and_writes_nothing(db):
    with pytest.raises(ValidationFailed) as exc:
        services.account_signup(mobile="13912345678", name="", password="12345678")
    assert exc.value.fields["name"] == [services.MSG_NAME]
    assert "这个密码太常见了。" in exc.value.fields["password"]
    assert "密码只包含数字。" in exc.value.fields["password"]
    with pytest.raises(ValidationFailed) as exc:
        services.account_signup(mobile="13912345678", name="赵雷", password="13912345678x")
    assert any("太相似" in m for m in exc.value.fields["password"])
    assert not User.objects.filter(mobile="13912345678").exists()


# Verification of occupancy ------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(db):
    return services.account_signup(mobile="13912345678", name="张伟", password="Lantern-river-88")


def ask(portal, user, unit=None, name="张伟", relation="owner"):
    unit = unit or portal.w.unit_a1
    return services.verification_request(
        actor=user, project=unit.project, building=unit.building, unit=unit, relation=relation, name=name, now=NOW
    )


def test_approving_links_the_account_to_the_occupant_the_reviewer_picks(portal, newcomer):
    w = portal.w
    w.cust_a1.account = None  # 张伟's archive is free: he signs up with a new number
    w.cust_a1.save(update_fields=["account"])
    r = ask(portal, newcomer)
    assert services.suggested_customer(r) == w.cust_a1  # same name as the archive
    services.verification_approve(actor=w.alice, request=r, customer=w.cust_a1, now=NOW)
    r.refresh_from_db()
    assert (r.status, r.customer, r.reviewed_by) == ("approved", w.cust_a1, w.alice)
    assert list(my_units(newcomer)) == [w.unit_a1]
    note = Notification.objects.get(recipient=newcomer)
    assert note.title == f"入住核实已通过：{w.unit_a1.code}" and note.url == "/m/"


def test_approving_without_an_archive_creates_the_customer_and_moves_them_in(portal, newcomer):
    w = portal.w
    r = ask(portal, newcomer, name="刘洋", relation="tenant")
    services.verification_approve(actor=w.archie, request=r, now=NOW)
    customer = Customer.objects.get(account=newcomer)
    assert (customer.name, customer.category, customer.project) == ("刘洋", "tenant", w.a)
    assert customer.contacts.get().value == "13912345678"
    assert Occupancy.objects.get(customer=customer, unit=w.unit_a1).relation == "tenant"
    assert list(my_units(newcomer)) == [w.unit_a1]


def test_a_steward_reviews_in_her_zone_only_and_links_existing_archives_only(portal, newcomer):
    w = portal.w
    w.cust_a1.account = None
    w.cust_a1.save(update_fields=["account"])
    in_a2 = ask(portal, newcomer, unit=w.unit_a2, name="王芳")
    with pytest.raises(Forbidden):
        services.verification_approve(actor=w.stella, request=in_a2, customer=w.cust_a2)
    in_a1 = ask(portal, newcomer)
    with pytest.raises(Forbidden) as exc:
        services.verification_approve(actor=w.stella, request=in_a1)  # a new archive: not a steward's call
    assert exc.value.message == services.MSG_NEW_ARCHIVE
    services.verification_approve(actor=w.stella, request=in_a1, customer=w.cust_a1)
    assert list(my_units(newcomer)) == [w.unit_a1]


def test_staff_of_another_project_and_readers_may_not_review(portal, newcomer):
    w = portal.w
    r = ask(portal, newcomer)
    for outsider in (w.bob, w.quinn, w.fred, portal.zhang):
        with pytest.raises(Forbidden):
            services.verification_reject(actor=outsider, request=r, reason="不符")
    assert VerificationRequest.objects.get(pk=r.pk).status == "pending"


def test_it_refuses_an_archive_linked_to_someone_else_or_not_living_there(portal, newcomer):
    w = portal.w
    r = ask(portal, newcomer)
    with pytest.raises(Conflict) as exc:
        services.verification_approve(actor=w.alice, request=r, customer=w.cust_a1)  # zhang's archive
    assert exc.value.message == services.MSG_LINKED_ELSEWHERE
    with pytest.raises(ValidationFailed) as exc:
        services.verification_approve(actor=w.alice, request=r, customer=w.cust_a2)  # lives in unit_a2
    assert exc.value.message == services.MSG_NOT_OCCUPANT
    assert VerificationRequest.objects.get(pk=r.pk).status == "pending"


def test_rejecting_needs_a_reason_and_tells_the_customer(portal, newcomer):
    w = portal.w
    r = ask(portal, newcomer)
    with pytest.raises(ValidationFailed):
        services.verification_reject(actor=w.alice, request=r, reason=" ")
    services.verification_reject(actor=w.alice, request=r, reason="姓名与档案不符", now=NOW)
    r.refresh_from_db()
    assert (r.status, r.reason) == ("rejected", "姓名与档案不符")
    assert Notification.objects.get(recipient=newcomer).body == "姓名与档案不符"
    with pytest.raises(Conflict):
        services.verification_approve(actor=w.alice, request=r, customer=w.cust_a1)
    assert not my_units(newcomer).exists()


def test_one_pending_request_per_unit_and_none_for_a_linked_unit(portal, newcomer):
    ask(portal, newcomer)
    with pytest.raises(ValidationFailed) as exc:
        ask(portal, newcomer)
    assert exc.value.message == services.MSG_ALREADY_PENDING
    with pytest.raises(ValidationFailed) as exc:
        ask(portal, portal.zhang)
    assert exc.value.message == services.MSG_ALREADY_LINKED
    with pytest.raises(Forbidden):
        ask(portal, portal.w.alice)  # staff do not ask to be linked


# Reporting -------------------------------------------------------------------------------------------------------


def test_a_customer_reports_for_their_unit_with_photos(portal, reported):
    w = portal.w
    case = reported(uploads=[ts.Upload("a.png", png()), ts.Upload("b.png", png(rgb=(0, 0, 255)))])
    assert (case.channel, case.status, case.customer, case.unit, case.zone) == (
        "portal",
        "new",
        w.cust_a1,
        w.unit_a1,
        w.a1,
    )
    assert (case.created_by, case.contact_name, case.contact_phone) == (portal.zhang, "张伟", "13800001111")
    assert case.number.startswith("BX")
    assert [a.content_type for a in Attachment.objects.filter(case=case)] == ["image/png", "image/png"]
    assert CaseEvent.objects.get(case=case, kind="create").is_public


def test_a_customer_reports_only_for_their_own_units(portal, reported):
    w = portal.w
    with pytest.raises(ValidationFailed) as exc:
        reported(unit=w.unit_a2)  # wang's unit
    assert exc.value.fields == {"unit": [ts.MSG_CUSTOMER_UNIT]}
    with pytest.raises(ValidationFailed):
        reported(unit=w.unit_b)
    with pytest.raises(Forbidden):
        reported(user=w.alice)  # a staff member takes cases in through the desk
    assert not w.unit_a2.cases.exists()


def test_a_public_area_report_needs_one_of_my_projects_and_a_location(portal):
    w = portal.w
    common = {"actor": portal.zhang, "kind": "complaint", "description": "地库B区有积水", "now": NOW}
    with pytest.raises(ValidationFailed) as exc:
        ts.customer_case_create(project=w.a, **common)
    assert exc.value.fields == {"location": [ts.MSG_CUSTOMER_PLACE]}
    with pytest.raises(ValidationFailed):
        ts.customer_case_create(project=w.b, location="大堂", **common)
    case = ts.customer_case_create(project=w.a, location="地下车库B区", **common)
    assert (case.unit, case.location, case.customer) == (None, "地下车库B区", w.cust_a1)


def test_a_report_refuses_a_non_image_or_mismatched_category_and_stores_nothing(portal, reported):
    with pytest.raises(ValidationFailed):
        reported(uploads=[ts.Upload("x.png", b"MZ\x90\x00 not an image")])
    with pytest.raises(ValidationFailed):
        reported(category=portal.desk.attitude)  # a complaint category on a repair
    assert not Attachment.objects.exists()
    assert not portal.w.cust_a1.cases.exists()


# Adding information, cancelling, rating -----------------------------------------------------------------------------


def test_a_customer_comment_is_public_and_does_not_count_as_the_first_reply(portal, reported):
    w = portal.w
    case = reported(kind="complaint", category=portal.desk.attitude)
    ts.customer_case_comment(actor=portal.zhang, case=case, body="保安又一次态度恶劣", now=NOW)
    case.refresh_from_db()
    assert case.first_replied_at is None
    event = CaseEvent.objects.get(case=case, kind="customer_comment")
    assert (event.is_public, event.actor) == (True, portal.zhang)
    ts.case_reply(actor=w.carl, case=case, body="已联系秩序部核实", now=NOW + dt.timedelta(hours=1))
    case.refresh_from_db()
    assert case.first_replied_at == NOW + dt.timedelta(hours=1)  # the staff reply does


def test_only_the_owner_adds_information_and_the_handler_is_told(portal, reported):
    w = portal.w
    case = reported()
    case = ts.case_dispatch(actor=w.alice, case=case, assignee=portal.desk.fred, now=NOW)
    with pytest.raises(NotFound):
        ts.customer_case_comment(actor=portal.wang, case=case, body="我也要说")
    with pytest.raises(ValidationFailed):
        ts.customer_case_comment(actor=portal.zhang, case=case, body=" ")
    ts.customer_case_comment(actor=portal.zhang, case=case, body="", uploads=[ts.Upload("more.png", png())])
    assert Attachment.objects.filter(case=case).count() == 2
    assert Notification.objects.get(recipient=portal.desk.fred, kind="comment").title == f"客户补充说明：{case.number}"


def test_a_customer_cancels_only_their_own_case_and_only_while_new(portal, reported):
    w = portal.w
    case = reported()
    with pytest.raises(NotFound):
        ts.customer_case_cancel(actor=portal.wang, case=case, reason="不需要了")
    with pytest.raises(ValidationFailed):
        ts.customer_case_cancel(actor=portal.zhang, case=case, reason="")
    dispatched = ts.case_dispatch(actor=w.alice, case=reported(), assignee=portal.desk.fred, now=NOW)
    with pytest.raises(Conflict) as exc:
        ts.customer_case_cancel(actor=portal.zhang, case=dispatched, reason="不需要了")
    assert exc.value.message == ts.MSG_CUSTOMER_CANCEL_NEW_ONLY
    case = ts.customer_case_cancel(actor=portal.zhang, case=case, reason="问题已自行解决", now=NOW)
    assert case.status == "cancelled"
    event = CaseEvent.objects.get(case=case, kind="cancel")
    assert (event.actor, event.body, event.is_public) == (portal.zhang, "问题已自行解决", True)


def test_a_customer_rates_only_when_resolved_and_once(portal, reported, resolve):
    case = reported()
    with pytest.raises(Conflict):
        visits.rating_submit(actor=portal.zhang, case=case, score=5)
    case = resolve(portal.desk, case)
    with pytest.raises(NotFound):
        visits.rating_submit(actor=portal.wang, case=case, score=1)
    visits.rating_submit(actor=portal.zhang, case=case, score=5, comment="响应及时；师傅很专业", solved=True)
    assert CustomerRating.objects.get(case=case).score == 5
    with pytest.raises(Conflict):
        visits.rating_submit(actor=portal.zhang, case=case, score=4)


def test_the_customer_hears_in_the_portal_when_their_matter_is_done(world):
    """Resolving a case tells the customer's portal account, with a link to rate it."""
    account = User.objects.create_user(username="13811112222", password="Pw-2026-kefu!", kind=User.Kind.CUSTOMER)
    world.cust_a1.account = account
    world.cust_a1.save()
    case = ts.case_create(
        actor=world.alice, project=world.a, kind="repair", channel="phone", title="厨房漏水",
        customer=world.cust_a1, unit=world.unit_a1,
    )  # fmt: skip
    ts.case_dispatch(actor=world.alice, case=case, assignee=world.fred)
    case.refresh_from_db()
    ts.case_accept(actor=world.fred, case=case)
    case.refresh_from_db()
    assert not Notification.objects.filter(recipient=account).exists()
    ts.case_resolve(actor=world.fred, case=case, note="已更换水管")
    [n] = Notification.objects.filter(recipient=account)
    assert n.title == f"您的报事 {case.number} 已处理完成" and n.url == f"/m/cases/{case.number}/"
