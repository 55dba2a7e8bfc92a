"""The service-desk pages in English: an agent who picked English sees no Chinese UI text on them."""

from __future__ import annotations

from django.urls import reverse


def english(client, user):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en"})
    return client


def test_case_list_and_intake_render_in_english(desk, new_case, client):
    case = new_case(title="卫生间漏水")
    client = english(client, desk.w.alice)

    body = client.get("/cases/").content.decode()
    assert '<html lang="en">' in body
    assert "<h1>Cases · " in body
    assert ">New case</a>" in body and ">My cases</a>" in body and ">Due soon</a>" in body
    assert ">Search</button>" in body and ">Reset</a>" in body
    assert ">Case no.</th>" in body and ">Awaiting dispatch</span>" in body and ">Repair request</span>" in body
    assert case.number in body and "卫生间漏水" in body  # data stays as entered
    for zh in ("受理登记", "查询", "重置", "工单中心", "待派单", "工单号"):
        assert zh not in body, zh

    body = client.get("/cases/new/").content.decode()
    assert "<h1>New case " in body
    assert ">Caller</h2>" in body and ">Issue details</h2>" in body and ">Possible duplicates</h2>" in body
    assert ">Save and dispatch</button>" in body and ">Solved on the spot</button>" in body
    for zh in ("受理登记", "查询", "来电人", "保存并派单", "当场解决", "可能重复的工单"):
        assert zh not in body, zh


def test_case_page_renders_in_english(desk, new_case, client):
    case = new_case(title="卫生间漏水")
    body = english(client, desk.w.alice).get(f"/cases/{case.number}/").content.decode()
    assert ">Case details</h2>" in body and ">Activity</h2>" in body and ">Customer and unit</h2>" in body
    assert 'data-action="dispatch">Dispatch</a>' in body
    assert "Overdue by " in body or " left</span>" in body  # the SLA countdown
    for zh in ("工单信息", "处理记录", "派单", "剩余", "超时"):
        assert zh not in body, zh
