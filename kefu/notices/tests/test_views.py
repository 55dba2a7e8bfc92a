"""Notice pages: staff write, publish, withdraw and read the receipts (and export them); customers read
their notices in the portal. Each page tried by those who may and those who may not."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kefu.notices import services
from kefu.notices.models import Notice, NoticeReceipt

pytestmark = pytest.mark.django_db


def as_(client, user):
    client.force_login(user)
    return client


def publish(e, **kw):
    kw.setdefault("actor", e.w.mia)
    kw.setdefault("project", e.w.a)
    kw.setdefault("title", "1号楼电梯维保")
    kw.setdefault("body", "11月26日 1号楼 2 号电梯维保，请使用 1 号电梯。")
    kw.setdefault("audience", Notice.Audience.BUILDINGS)
    kw.setdefault("buildings", [e.b1])
    kw.setdefault("mode", services.NOW)
    return services.notice_create(**kw)


# Staff ----------------------------------------------------------------------------------------------------


def test_a_manager_publishes_a_notice_to_two_buildings_from_the_form(estate, client):
    as_(client, estate.w.mia)
    page = client.get("/notices/new/")
    assert page.status_code == 200 and "1栋" in page.content.decode() and "老人" in page.content.decode()
    response = client.post(
        "/notices/new/",
        {
            "title": "停水通知",
            "category": "outage",
            "body": "因管道检修，明日 9:00-17:00 停水。",
            "audience": "buildings",
            "buildings": [estate.b1.pk, estate.b3.pk],
            "push": "on",
            "mode": "now",
        },
    )
    n = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notices/{n.pk}/"
    assert n.status == "published" and n.audience_size == 4 and n.created_by == estate.w.mia
    page = client.get(response["Location"]).content.decode()
    assert "通知已发布，送达 4 人" in page
    assert 'data-testid="reached">4<' in page and 'data-testid="rate">0.0%<' in page


def test_the_form_shows_what_the_service_refused(estate, client):
    as_(client, estate.w.sam)
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page = client.post(
        "/notices/new/",
        {"title": "活动", "category": "activity", "body": "周末亲子活动", "audience": "tags", "mode": "schedule",
         "publish_at": past},
    ).content.decode()  # fmt: skip
    assert "请选择客户分组" in page
    assert not Notice.objects.exists()
    page = client.post(
        "/notices/new/",
        {"title": "活动", "category": "activity", "body": "周末亲子活动", "audience": "tags",
         "tags": [estate.elderly.pk], "mode": "schedule", "publish_at": past},
    ).content.decode()  # fmt: skip
    assert "定时发布时间须晚于现在" in page
    assert not Notice.objects.exists()


def test_a_scheduled_notice_is_shown_with_its_time_and_can_be_cancelled(estate, client):
    at = timezone.now() + dt.timedelta(days=1)
    n = publish(estate, mode=services.SCHEDULE, publish_at=at)
    as_(client, estate.w.mia)
    page = client.get(f"/notices/{n.pk}/").content.decode()
    assert "定时发布" in page and timezone.localtime(at).strftime("%Y-%m-%d %H:%M") in page
    assert "取消定时发布" in page
    response = client.post(f"/notices/{n.pk}/withdraw/", {"reason": "改期"})
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.status == "withdrawn" and n.withdraw_reason == "改期"


def test_editing_a_draft_and_publishing_it(estate, client):
    n = publish(estate, mode=services.DRAFT)
    as_(client, estate.w.sam)
    page = client.get(f"/notices/{n.pk}/edit/").content.decode()
    assert "1号楼电梯维保" in page
    client.post(
        f"/notices/{n.pk}/edit/",
        {"title": "2号楼电梯维保", "category": "tip", "body": "维保", "audience": "buildings",
         "buildings": [estate.b2.pk], "mode": "draft"},
    )  # fmt: skip
    n.refresh_from_db()
    assert (n.title, n.status, list(n.buildings.all())) == ("2号楼电梯维保", "draft", [estate.b2])
    assert client.get(f"/notices/{n.pk}/publish/").status_code == 405  # changes are POST only
    client.post(f"/notices/{n.pk}/publish/")
    n.refresh_from_db()
    assert n.status == "published" and n.audience_size == 1
    assert client.get(f"/notices/{n.pk}/edit/").status_code == 302  # published: no more editing


def test_the_read_receipts_page_counts_per_building_and_lists_who_has_not_read(estate, client):
    n = publish(estate, audience=Notice.Audience.PROJECT)
    services.notice_read(actor=estate.zhang, notice=n)
    services.notice_read(actor=estate.chen, notice=n)
    as_(client, estate.w.sam)
    page = client.get(f"/notices/{n.pk}/").content.decode()
    assert 'data-testid="reached">5<' in page and 'data-testid="read">2<' in page
    assert 'data-testid="rate">40.0%<' in page
    assert '<td>1栋</td><td class="num">3</td><td class="num">1</td><td class="num">33.3%</td>' in page
    unread = client.get(f"/notices/{n.pk}/?read=no").content.decode()
    assert "赵强" in unread and "王芳" in unread and "孙丽" in unread
    assert "张伟" not in unread.split('data-testid="receipts"')[1]


def test_the_receipts_export_to_xlsx(estate, client):
    n = publish(estate, audience=Notice.Audience.PROJECT)
    services.notice_read(actor=estate.wang, notice=n)
    as_(client, estate.w.mia)
    response = client.get(f"/notices/{n.pk}/receipts.xlsx")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    summary, detail = wb.worksheets
    rows = list(summary.values)
    assert rows[0] == ("楼栋", "送达人数", "已读", "未读", "阅读率(%)")
    assert rows[1:] == [("1栋", 3, 0, 3, 0), ("2栋", 1, 1, 0, 100), ("3栋", 1, 0, 1, 0), ("合计", 5, 1, 4, 20)]
    lines = list(detail.values)
    assert lines[0] == ("楼栋", "房屋", "客户", "阅读情况", "阅读时间")
    assert len(lines) == 6 and lines[1][:4] == ("2栋", "2-1-0801", "王芳", "已读")  # read first
    only_unread = load_workbook(BytesIO(client.get(f"/notices/{n.pk}/receipts.xlsx?read=no").content))
    assert len(list(only_unread.worksheets[1].values)) == 5


def test_staff_of_another_project_get_not_found(estate, client):
    n = publish(estate)
    as_(client, estate.w.mike)
    for url in (f"/notices/{n.pk}/", f"/notices/{n.pk}/edit/", f"/notices/{n.pk}/receipts.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/notices/{n.pk}/withdraw/").status_code == 404
    assert n.pk not in [r["notice"].pk for r in client.get("/notices/").context["rows"]]
    n.refresh_from_db()
    assert n.status == "published"


def test_the_front_desk_reads_notices_but_not_who_read_them(estate, client):
    n = publish(estate)
    as_(client, estate.w.alice)
    listing = client.get("/notices/")
    assert listing.status_code == 200 and "1号楼电梯维保" in listing.content.decode()
    assert "发布通知" not in listing.content.decode()
    page = client.get(f"/notices/{n.pk}/").content.decode()
    assert "11月26日 1号楼 2 号电梯维保" in page and "阅读回执" not in page and "撤回" not in page
    assert client.get(f"/notices/{n.pk}/receipts.xlsx").status_code == 404
    assert client.get("/notices/new/").status_code == 404
    assert client.post(f"/notices/{n.pk}/withdraw/").status_code == 404


def test_field_staff_and_customers_do_not_reach_the_staff_pages(estate, client):
    n = publish(estate)
    for who in (estate.w.fred, estate.zhang):
        as_(client, who)
        assert client.get("/notices/").status_code == 404
        assert client.get(f"/notices/{n.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(estate, client):
    n = publish(estate)
    for url in ("/notices/", f"/notices/{n.pk}/", "/notices/new/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    response = client.get(f"/m/notices/{n.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/m/login/?next=/m/notices/{n.pk}/"


def test_the_menu_shows_notices_to_the_desk_and_special_services_to_managers(estate, client):
    as_(client, estate.w.mia)
    page = client.get("/").content.decode()
    assert 'href="/notices/"' in page and 'href="/catalog/"' in page
    as_(client, estate.w.fred)
    page = client.get("/").content.decode()
    assert 'href="/notices/"' not in page and 'href="/catalog/"' not in page


# Customers ------------------------------------------------------------------------------------------------


def test_a_customer_sees_their_notices_with_the_unread_marked_and_reading_marks_it_read(estate, client):
    first = publish(estate, title="电梯维保")
    second = publish(estate, title="缴费提醒", category=Notice.Category.BILLING, audience=Notice.Audience.PROJECT)
    publish(estate, title="只给2号楼", buildings=[estate.b2])
    as_(client, estate.zhang)
    page = client.get("/m/notices/").content.decode()
    assert "电梯维保" in page and "缴费提醒" in page and "只给2号楼" not in page
    assert page.count("n-item unread") == 2 and "2 条未读" in page
    detail = client.get(f"/m/notices/{first.pk}/").content.decode()
    assert "11月26日 1号楼 2 号电梯维保" in detail
    receipt = NoticeReceipt.objects.get(notice=first, account=estate.zhang)
    assert receipt.read_at is not None
    page = client.get("/m/notices/").content.decode()
    assert page.count("n-item unread") == 1 and f'data-notice="{second.pk}"' in page.split("n-item unread")[1]


def test_another_customers_notice_is_not_found(estate, client):
    only_b2 = publish(estate, buildings=[estate.b2])
    other_project = publish(estate, actor=estate.w.mike, project=estate.w.b, audience=Notice.Audience.PROJECT)
    draft = publish(estate, mode=services.DRAFT)
    as_(client, estate.zhang)
    for n in (only_b2, other_project, draft):
        assert client.get(f"/m/notices/{n.pk}/").status_code == 404
    assert client.get("/m/notices/999999/").status_code == 404
    assert not NoticeReceipt.objects.filter(account=estate.zhang).exists()


def test_staff_opening_the_portal_page_are_sent_to_the_console(estate, client):
    n = publish(estate)
    as_(client, estate.w.mia)
    response = client.get(f"/m/notices/{n.pk}/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_withdrawn_notice_leaves_the_list_and_says_so_when_opened(estate, client):
    n = publish(estate)
    services.notice_withdraw(actor=estate.w.mia, notice=n)
    as_(client, estate.zhang)
    assert "1号楼电梯维保" not in client.get("/m/notices/").content.decode()
    page = client.get(f"/m/notices/{n.pk}/").content.decode()
    assert "该通知已撤回" in page and "2 号电梯维保" not in page
