"""Portal pages: who may open what. A customer reaches only their own cases (another's is a 404 by URL);
staff are sent to the console; anonymous visitors to the portal login. Tracking without logging in."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.notify.models import Notification
from kefu.org.models import User
from kefu.portal import services
from kefu.portal.models import VerificationRequest
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.visits.models import CustomerRating

from .conftest import PASSWORD, png

pytestmark = pytest.mark.django_db

PAGES = ["/m/", "/m/report/", "/m/me/", "/m/verify/"]


def test_anonymous_visitors_go_to_the_portal_login(client, portal, reported):
    number = reported().number
    for url in [*PAGES, f"/m/cases/{number}/", f"/m/cases/{number}/rate/"]:
        r = client.get(url)
        assert (r.status_code, r["Location"]) == (302, f"/m/login/?next={url}"), url
    for url in ("/m/login/", "/m/signup/", "/m/track/"):
        assert client.get(url).status_code == 200


def test_staff_cannot_use_portal_pages(client, portal, reported):
    number = reported().number
    client.force_login(portal.w.alice)
    for url in [*PAGES, f"/m/cases/{number}/"]:
        r = client.get(url)
        assert (r.status_code, r["Location"]) == (302, "/"), url
    r = client.post(f"/m/cases/{number}/cancel/", {"reason": "other"})
    assert (r.status_code, r["Location"]) == (302, "/")
    assert Case.objects.get(number=number).status == "new"


def test_one_customer_gets_not_found_for_anothers_case_by_url(client, portal, reported):
    case = reported()
    photo = case.attachments.get()
    client.force_login(portal.wang)
    base = f"/m/cases/{case.number}"
    for url in (f"{base}/", f"{base}/rate/", f"{base}/files/{photo.pk}/"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"{base}/comment/", {"body": "看看"}), (f"{base}/cancel/", {"reason": "other"})):
        assert client.post(url, data).status_code == 404, url
    assert client.get("/m/cases/BX20990101-0001/").status_code == 404  # missing looks the same
    assert case.number not in client.get("/m/me/").content.decode()
    case.refresh_from_db()
    assert case.status == "new" and not case.events.filter(kind="customer_comment").exists()


def test_customers_see_nothing_of_the_staff_desk(client, portal, reported):
    case = reported()
    client.force_login(portal.zhang)
    assert client.get(f"/cases/{case.number}/").status_code == 404  # created by him, but the desk is staff only
    assert case.number not in client.get("/cases/?queue=all").content.decode()


def test_login_by_mobile_and_staff_are_refused_at_the_portal_login(client, portal):
    r = client.post("/m/login/", {"username": "13800001111", "password": PASSWORD, "next": "/m/me/"})
    assert (r.status_code, r["Location"]) == (302, "/m/me/")
    client.logout()
    r = client.post("/m/login/", {"username": "alice", "password": PASSWORD})
    assert r.status_code == 200 and "员工账号请从管理后台登录" in r.content.decode()
    r = client.post("/m/login/", {"username": "13800001111", "password": "wrong"})
    assert "手机号或密码错误" in r.content.decode()
    for _ in range(17):  # 20 tries per IP per 10 minutes, then even the right password waits
        client.post("/m/login/", {"username": "13800001111", "password": "wrong"})
    r = client.post("/m/login/", {"username": "13800001111", "password": PASSWORD})
    assert r.status_code == 429 and "登录尝试次数过多" in r.content.decode()


def test_signing_up_logs_in_and_asks_for_verification(client, portal):
    w = portal.w
    r = client.post(
        "/m/signup/",
        {"name": "刘洋", "mobile": "13612345678", "password": "Lantern-river-88", "password2": "Lantern-river-88"},
    )
    assert (r.status_code, r["Location"]) == (302, "/m/verify/")
    page = client.get(f"/m/verify/?project={w.a.pk}&building={w.unit_a1.building_id}")
    assert w.unit_a1.code in page.content.decode()  # the units of the chosen building
    fragment = client.get(f"/m/verify/?project={w.a.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<form method="post" action="/m/verify/" id="verify-form"')  # htmx swaps the form
    assert f'value="{w.unit_a2.building_id}"' in fragment and f'value="{w.unit_b.building_id}"' not in fragment
    unit = w.unit_a1
    r = client.post(
        "/m/verify/",
        {"project": w.a.pk, "building": unit.building_id, "unit": unit.pk, "relation": "tenant", "name": "刘洋"},
    )
    assert r.status_code == 302
    req = VerificationRequest.objects.get(account__mobile="13612345678")
    assert (req.unit, req.relation, req.status) == (unit, "tenant", "pending")
    assert "待审核" in client.get("/m/verify/").content.decode()
    r = client.get("/m/report/")
    assert "请先完成入住核实" in r.content.decode()


def test_reporting_a_repair_with_a_photo(client, portal):
    w = portal.w
    client.force_login(portal.zhang)
    page = client.get("/m/report/?kind=repair").content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert w.unit_a2.code not in page  # wang's unit is not offered
    photo = SimpleUploadedFile("leak.jpg", png(), content_type="image/jpeg")  # the name and type lie: content decides
    r = client.post(
        "/m/report/",
        {
            "kind": "repair",
            "place": f"u{w.unit_a1.pk}",
            "category": portal.desk.leak.pk,
            "description": "卫生间天花板漏水\n已经两天了",
            "visit_date": "2099-01-02",
            "visit_slot": "morning",
            "contact_phone": "13800001111",
            "photos": [photo],
        },
    )
    case = Case.objects.get(customer=w.cust_a1)
    assert r["Location"] == f"/m/cases/{case.number}/"
    assert (case.title, case.channel, case.preferred_time) == (
        "卫生间天花板漏水",
        "portal",
        "2099-01-02 上午 9:00-12:00",
    )
    assert case.attachments.get().content_type == "image/png"
    page = client.get(r["Location"]).content.decode()
    assert "已受理" in page and f"/m/cases/{case.number}/files/" in page


def test_a_report_with_a_fake_photo_or_someone_elses_unit_is_refused(client, portal):
    w = portal.w
    client.force_login(portal.zhang)
    fake = SimpleUploadedFile("x.png", b"<?php echo 1; ?>", content_type="image/png")
    base = {"kind": "repair", "category": portal.desk.leak.pk, "description": "漏水"}
    r = client.post("/m/report/", {**base, "place": f"u{w.unit_a1.pk}", "photos": [fake]})
    assert r.status_code == 200 and "只能上传图片：x.png" in r.content.decode()
    r = client.post("/m/report/", {**base, "place": f"u{w.unit_a2.pk}"})
    assert r.status_code == 200 and not Case.objects.exists()


def test_the_case_page_shows_the_public_timeline_only(client, portal, reported, resolve):
    w = portal.w
    case = reported()
    ts.case_comment(actor=w.alice, case=case, body="内部：该户曾多次投诉", is_public=False)
    ts.case_reply(actor=w.alice, case=case, body="师傅明早上门")
    client.force_login(portal.zhang)
    page = client.get(f"/m/cases/{case.number}/").content.decode()
    assert "师傅明早上门" in page and "该户曾多次投诉" not in page
    assert "取消报事" in page
    resolve(portal.desk, case)
    page = client.get(f"/m/cases/{case.number}/").content.decode()
    assert "评价本次服务" in page and "取消报事" not in page


def test_adding_information_cancelling_and_rating_from_the_pages(client, portal, reported, resolve):
    client.force_login(portal.zhang)
    case = reported()
    photo = SimpleUploadedFile("more.png", png(), content_type="image/png")
    r = client.post(f"/m/cases/{case.number}/comment/", {"body": "水越来越多", "photos": [photo]})
    assert r.status_code == 302 and case.events.filter(kind="customer_comment", body="水越来越多").exists()
    assert case.attachments.count() == 2
    assert client.get(f"/m/cases/{case.number}/rate/")["Location"] == f"/m/cases/{case.number}/"  # not yet
    resolve(portal.desk, case)
    assert client.get(f"/m/cases/{case.number}/rate/").status_code == 200
    r = client.post(
        f"/m/cases/{case.number}/rate/",
        {"score": "4", "tags": ["响应及时", "态度好"], "solved": "yes", "comment": "不错"},
    )
    assert r["Location"] == f"/m/cases/{case.number}/"
    rating = CustomerRating.objects.get(case=case)
    assert (rating.score, rating.comment, rating.solved, rating.by) == (4, "响应及时、态度好；不错", True, portal.zhang)
    assert "已评价" in client.get(f"/m/cases/{case.number}/").content.decode()

    other = reported(description="楼道灯不亮")
    client.post(f"/m/cases/{other.number}/cancel/", {"reason": "duplicate", "detail": "已在电话里报过"})
    other.refresh_from_db()
    assert other.status == "cancelled" and other.events.get(kind="cancel").body == "重复提交：已在电话里报过"


def test_tracking_by_number_and_the_last_four_digits(client, portal, reported):
    case = reported()
    ts.case_comment(actor=portal.w.alice, case=case, body="内部备注", is_public=False)
    r = client.post("/m/track/", {"number": case.number.lower(), "last4": "1111"})
    page = r.content.decode()
    assert r.status_code == 200 and 'data-testid="tracked"' in page
    assert "张*" in page and "张伟" not in page and "13800001111" not in page
    assert "卫生间天花板漏水" not in page and "内部备注" not in page and w_unit(portal) not in page
    wrong_digits = client.post("/m/track/", {"number": case.number, "last4": "2222"}).content.decode()
    wrong_number = client.post("/m/track/", {"number": "BX20990101-0009", "last4": "1111"}).content.decode()
    for page in (wrong_digits, wrong_number):
        assert "工单号或手机号后四位不正确" in page and 'data-testid="tracked"' not in page


def w_unit(portal):
    return portal.w.unit_a1.code


def test_tracking_is_rate_limited_per_ip(client, portal, reported):
    case = reported()
    for _ in range(10):
        assert client.post("/m/track/", {"number": case.number, "last4": "0000"}).status_code == 200
    r = client.post("/m/track/", {"number": case.number, "last4": "1111"})  # right digits, too late
    assert r.status_code == 429 and "查询次数过多" in r.content.decode()
    other_ip = client.post("/m/track/", {"number": case.number, "last4": "1111"}, REMOTE_ADDR="10.0.0.2")
    assert 'data-testid="tracked"' in other_ip.content.decode()


def test_surveys_to_answer_on_the_portal(client, portal):
    import datetime as dt

    from kefu.surveys import services as surveys
    from kefu.surveys.models import Response

    w = portal.w
    today = dt.date.today()
    survey = surveys.survey_create(
        actor=w.mia,
        project=w.a,
        name="2026 年度满意度调查",
        period_start=today,
        period_end=today + dt.timedelta(days=30),
        questions=[
            surveys.QuestionSpec(kind="overall", text="总体满意度"),
            surveys.QuestionSpec(kind="text", text="意见建议", required=False),
        ],
    )
    surveys.survey_open(actor=w.mia, survey=survey, seed=1)
    mine = Response.objects.get(survey=survey, customer=w.cust_a1)
    theirs = Response.objects.get(survey=survey, customer=w.cust_a2)
    client.force_login(portal.zhang)
    assert "2026 年度满意度调查" in client.get("/m/me/").content.decode()
    assert client.get(f"/m/surveys/{theirs.pk}/").status_code == 404
    q = {x.kind: x.pk for x in survey.questions.all()}
    r = client.post(f"/m/surveys/{mine.pk}/", {f"q{q['text']}": "电梯维保要及时"})
    assert r.status_code == 200 and "请完整填写" in r.content.decode()
    r = client.post(f"/m/surveys/{mine.pk}/", {f"q{q['overall']}": "5", f"q{q['text']}": "电梯维保要及时"})
    assert r["Location"] == "/m/me/"
    mine.refresh_from_db()
    assert (mine.status, mine.overall, mine.channel) == ("answered", 5, "portal")


# Staff: the verification pages ------------------------------------------------------------------------------------


def test_staff_review_verification_requests_in_their_scope(client, portal):
    w = portal.w
    user = services.account_signup(mobile="13612345678", name="刘洋", password="Lantern-river-88")
    req = services.verification_request(
        actor=user, project=w.a, building=w.unit_a2.building, unit=w.unit_a2, relation="tenant", name="刘洋"
    )
    url = f"/portal-admin/verifications/{req.pk}/"
    client.force_login(w.bob)  # agent of project B
    assert "刘洋" not in client.get("/portal-admin/verifications/").content.decode()
    assert client.get(url).status_code == 404
    client.force_login(w.stella)  # steward of zone A1: unit_a2 is in A2
    assert client.get(url).status_code == 404
    client.force_login(portal.zhang)
    assert client.get("/portal-admin/verifications/").status_code == 404
    client.force_login(w.alice)
    assert "刘洋" in client.get("/portal-admin/verifications/").content.decode()
    page = client.get(url).content.decode()
    assert "王芳" in page and "新建客户档案并登记入住" in page
    r = client.post(f"{url}reject/", {"reason": ""})
    assert r.status_code == 200
    r = client.post(f"{url}approve/", {"customer": "new"})
    assert r["Location"] == "/portal-admin/verifications/"
    req.refresh_from_db()
    assert req.status == "approved" and req.customer.name == "刘洋"
    assert Notification.objects.filter(recipient=user, title__startswith="入住核实已通过").exists()
    client.force_login(user)
    assert f"入住核实已通过：{w.unit_a2.code}" in client.get("/m/me/").content.decode()  # in 我的消息


def test_a_customer_chooses_e_mail_for_news_and_gets_the_resolved_message_by_e_mail(client, world, settings):
    """The portal's 消息通知设置: the customer's own channels, then a real SMTP server receives the news."""
    from kefu.notify import outbox
    from kefu.notify.models import ChannelPreference
    from kefu.testing_servers import smtp_server
    from kefu.tickets import services as ts

    account = User.objects.create_user(
        username="13811113333", password="Pw-2026-kefu!", kind=User.Kind.CUSTOMER, mobile="13811113333"
    )
    world.cust_a1.account = account
    world.cust_a1.save()
    client.force_login(account)
    bad = client.post("/m/me/notify/", {"email": "on", "email_address": "not-an-address"})
    assert bad.status_code == 200 and "请输入有效的邮箱地址" in bad.content.decode()
    assert not ChannelPreference.objects.filter(user=account).exists()
    assert client.post("/m/me/notify/", {"email": "on", "email_address": "zhang@example.com"}).status_code == 302
    account.refresh_from_db()
    assert account.email == "zhang@example.com" and ChannelPreference.objects.get(user=account).email

    with smtp_server() as smtp:
        for key, value in smtp.settings().items():
            setattr(settings, key, value)
        case = ts.case_create(
            actor=world.alice, project=world.a, kind="repair", channel="phone", title="门锁损坏",
            customer=world.cust_a1, unit=world.unit_a1,
        )  # fmt: skip
        ts.case_dispatch(actor=world.alice, case=case, assignee=world.fred)
        case.refresh_from_db()
        ts.case_accept(actor=world.fred, case=case)
        case.refresh_from_db()
        ts.case_resolve(actor=world.fred, case=case, note="已更换门锁")
        outbox.send_due()
    [got] = smtp.received
    assert got.recipients == ["zhang@example.com"]
    assert got.message["Subject"] == f"您的报事 {case.number} 已处理完成"


def test_another_account_or_staff_cannot_open_the_notify_settings(client, world):
    client.force_login(world.alice)
    assert client.get("/m/me/notify/").status_code == 302  # staff go to the console
    client.logout()
    assert client.get("/m/me/notify/")["Location"].startswith("/m/login/")
