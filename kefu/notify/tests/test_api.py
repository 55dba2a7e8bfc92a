"""The notification inbox API: one's own notifications only, read one by one or all at once."""

import pytest
from rest_framework.test import APIClient

from kefu.notify.models import Notification
from kefu.notify.services import notify


@pytest.fixture
def api():
    def _as(user):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return _as


def test_it_lists_only_the_callers_notifications_newest_first(world, api):
    notify([world.alice], kind="assigned", title="新派单：一")
    notify([world.alice, world.bob], kind="comment", title="新留言：二")
    r = api(world.alice).get("/api/v1/notifications/")
    assert r.status_code == 200
    assert [n["title"] for n in r.json()["results"]] == ["新留言：二", "新派单：一"]
    assert r.json()["results"][0]["read_at"] is None and r.json()["results"][0]["created_at"].endswith("+08:00")
    assert [n["title"] for n in api(world.bob).get("/api/v1/notifications/").json()["results"]] == ["新留言：二"]
    assert api(None).get("/api/v1/notifications/").status_code in (401, 403)


def test_it_marks_read_by_ids_or_all_and_filters_unread(world, api):
    notify([world.alice], kind="assigned", title="一")
    notify([world.alice], kind="assigned", title="二")
    notify([world.bob], kind="assigned", title="别人的")
    first = Notification.objects.get(title="一")
    others = Notification.objects.get(title="别人的")
    alice = api(world.alice)
    r = alice.post("/api/v1/notifications/read/", {"ids": [first.pk, others.pk]}, format="json")
    assert r.status_code == 200 and r.json() == {"marked": 1, "unread": 1}
    others.refresh_from_db()
    assert others.read_at is None  # someone else's id is ignored
    r = alice.get("/api/v1/notifications/", {"unread": "1"})
    assert [n["title"] for n in r.json()["results"]] == ["二"]
    r = alice.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert r.json() == {"marked": 1, "unread": 0}
    assert alice.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []


def test_it_needs_ids_or_all(world, api):
    r = api(world.alice).post("/api/v1/notifications/read/", {}, format="json")
    assert r.status_code == 400
    assert r.json()["fields"] == {"ids": ["请选择要标为已读的通知，或设置 all"]}
    r = api(world.alice).post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert r.status_code == 400 and "ids" in r.json()["fields"]


def test_it_links_the_case_number(world, api):
    from kefu import testing as t
    from kefu.org.models import Membership
    from kefu.tickets import services

    gc = t.DepartmentFactory(project=world.a, code="GC", name="工程部")
    Membership.objects.filter(user=world.fred).update(department=gc)
    case = services.case_create(actor=world.alice, project=world.a, kind="repair", channel="phone", title="漏水")
    services.case_dispatch(actor=world.alice, case=case, assignee=world.fred, department=gc)
    row = api(world.fred).get("/api/v1/notifications/").json()["results"][0]
    assert row["case"] == case.number and row["kind"] == "assigned" and row["url"] == f"/cases/{case.number}/"
