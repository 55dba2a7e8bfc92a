"""Personal data: phone and ID numbers stay masked wherever a role without the reveal permission reads them (pages,
htmx fragments, xlsx exports, the API), and every reveal writes a RevealLog row.

The one deliberate exception is the call button of the person who must make the call: the handler a case is
assigned to (field view) and whoever may make the return visit (visit page); docs/security.md."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from kefu.core.tests.security_html import crawl
from kefu.customers.models import Contact, Customer, RevealLog
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import can
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.tickets.tests.conftest import desk, new_case  # noqa: F401  (re-exported fixtures)
from kefu.visits.models import ReturnVisit


def secrets_in_db() -> set[str]:
    """Every full phone and ID number in the archives and the desk (7 characters and more)."""
    values = set(Contact.objects.filter(kind__in=["mobile", "landline"]).values_list("value", flat=True))
    values |= set(Customer.objects.exclude(id_number="").values_list("id_number", flat=True))
    values |= set(Case.objects.exclude(contact_phone="").values_list("contact_phone", flat=True))
    values |= set(ReturnVisit.objects.exclude(contact_phone="").values_list("contact_phone", flat=True))
    return {v for v in values if len(v) >= 7}


def cells(response) -> list[str]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]


@pytest.mark.django_db
def test_a_role_without_the_reveal_permission_never_receives_a_full_number(client):
    call_command("seed_demo", "--small", verbosity=0)
    qc = User.objects.get(username="zhijian")  # 质检: reads archives and cases, may not unmask
    assert not can(qc, Perm.REVEAL_PHONE) and not can(qc, Perm.REVEAL_ID) and can(qc, Perm.VIEW_ARCHIVES)
    numbers = secrets_in_db()
    assert len(numbers) > 50
    pattern = re.compile("|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True)))
    client.force_login(qc)
    leaks, pages, masked = [], 0, 0
    exports = set()
    for url, response, _page in crawl(client, "/", 150, 3):
        pages += 1
        body = response.content.decode()
        leaks += [f"{url}: {m}" for m in set(pattern.findall(body))]
        masked += body.count("****")
        exports |= {u.replace("&amp;", "&") for u in re.findall(r'href="([^"]*export=xlsx[^"]*)"', body)}
    assert pages > 40 and masked > 20
    read = []
    for url in sorted(exports | {"/customers/?export=xlsx", "/cases/?export=xlsx", "/visits/?export=xlsx"}):
        r = client.get(url)
        if r.status_code == 200 and "spreadsheetml" in r.get("Content-Type", ""):
            read.append(url.split("?")[0])
            leaks += [f"{url}: {m}" for c in cells(r) for m in pattern.findall(c)]
    assert {"/customers/", "/cases/", "/visits/"} <= set(read)
    for url in ("/api/v1/customers/", "/api/v1/cases/", "/api/v1/return-visits/"):
        r = client.get(url, {"page_size": 100})
        assert r.status_code == 200, url
        leaks += [f"{url}: {m}" for m in set(pattern.findall(r.content.decode()))]
    assert leaks == []


def test_the_visit_page_offers_the_call_button_only_to_who_may_make_the_call(client, desk, new_case):  # noqa: F811
    from kefu.visits.models import ReturnVisit

    w = desk.w
    case = ts.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred)
    case = ts.case_accept(actor=desk.fred, case=case)
    ts.case_resolve(actor=desk.fred, case=case, note="已更换水管接头")
    visit = ReturnVisit.objects.get(case=case)
    client.force_login(w.stella)  # the zone's steward makes the visit
    body = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'href="tel:13800001111"' in body
    client.force_login(w.quinn)  # QC reads the visit for its reports, may not unmask
    r = client.get(f"/visits/{visit.pk}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "138****1111" in body and "13800001111" not in body


def test_the_field_view_gives_the_number_to_the_assigned_handler_only(client, desk, new_case):  # noqa: F811
    w = desk.w
    mine = ts.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    pooled = ts.case_dispatch(
        actor=w.alice,
        case=new_case(title="公共区域水管", customer=w.cust_a2, unit=w.unit_a2, contact_phone="13900002222"),
        mode="pool",
        department=desk.gc,
    )
    client.force_login(desk.fred)
    body = client.get("/cases/jobs/").content.decode()
    assert mine.number in body and 'href="tel:13800001111"' in body
    body = client.get("/cases/jobs/?tab=pool").content.decode()
    assert pooled.number in body and "13900002222" not in body  # not his yet: no number
    client.post(f"/cases/{pooled.number}/grab/", {"next": "/cases/jobs/"})
    body = client.get("/cases/jobs/").content.decode()
    assert 'href="tel:13900002222"' in body  # grabbed: his to call


def test_every_reveal_is_logged_with_who_what_and_where(client, world):
    world.cust_a1.id_number = "110101199003077777"
    world.cust_a1.id_type = "id_card"
    world.cust_a1.save()
    contact = world.cust_a1.contacts.get()
    client.force_login(world.archie)
    r = client.post(f"/customers/contacts/{contact.pk}/reveal/", REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200 and "13800001111" in r.content.decode()
    r = client.post(f"/customers/{world.cust_a1.pk}/reveal-id/", REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200 and "110101199003077777" in r.content.decode()
    r = client.post(
        f"/api/v1/customers/{world.cust_a1.pk}/reveal/", {"field": "id_number"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["value"] == "110101199003077777"
    rows = list(
        RevealLog.objects.order_by("pk").values_list(
            "user__username", "customer_id", "contact_id", "field", "ip", "channel"
        )
    )
    c = world.cust_a1.pk
    assert rows == [
        ("archie", c, contact.pk, "phone", "10.1.2.3", "web"),
        ("archie", c, None, "id_number", "10.1.2.3", "web"),
        ("archie", c, None, "id_number", "127.0.0.1", "api"),
    ]
    # Without the permission: refused, and nothing shown or logged.
    client.force_login(world.quinn)
    assert client.post(f"/customers/{world.cust_a1.pk}/reveal-id/").status_code == 403
    assert client.post(f"/customers/contacts/{contact.pk}/reveal/").status_code == 403
    assert RevealLog.objects.count() == 3
