"""Who may call which case endpoint: one row per (route, method, case state), one status per person.

404 for what the caller may not see, 403 for what they see but may not do, 400 for a body that names
something they may not see, 403 for anonymous callers (session auth answers 403, not 401). Every route
the tickets and notify routers publish must have a row: a new endpoint without one fails
test_it_has_an_expectation_for_every_route.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from kefu.notify import api as notify_api
from kefu.tickets import api as tickets_api
from kefu.tickets import services
from kefu.tickets.states import Status
from kefu.tickets.tests.test_transitions import drive_to

USERS = ["alice", "sam", "stella", "fred", "bob", "hera", "anon"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def E(alice, sam, stella, fred, bob, hera, anon=403):
    return dict(zip(USERS, [alice, sam, stella, fred, bob, hera, anon], strict=True))


@dataclass
class Row:
    route: str
    method: str
    setup: str  # the state of the case the call is made on (see make_case)
    path: str  # "{n}" is the case number, "{o}" another case's number
    expect: dict[str, int]
    body: Any = field(default=None)  # dict, or a function of (desk, ctx)
    fmt: str = "json"
    query: Any = None

    @property
    def id(self):
        return f"{self.route}-{self.method}-{self.setup}"


VIEWERS = E(200, 200, 200, 404, 404, 200)  # a new case in zone A1: fred and bob cannot see it
VIEWERS_A2 = E(200, 200, 404, 404, 404, 200)  # zone A2: neither can stella
DISPATCHERS = E(200, 200, 403, 404, 404, 200)
HANDLERS = E(200, 200, 403, 200, 404, 200)  # on fred's case: the assignee and those who dispatch
CREATED_BY_VIEWERS = E(201, 201, 201, 404, 404, 201)
EVERYONE = E(200, 200, 200, 200, 200, 200)


def intake(desk, ctx, unit=None):
    w = desk.w
    unit = unit or w.unit_a1
    return {"project": "A", "kind": "repair", "channel": "phone", "unit": str(unit.pk), "title": "楼道灯不亮"}


ROWS = [
    Row("cases-list", "GET", "none", "/api/v1/cases/", EVERYONE),
    Row("cases-list", "POST", "none", "/api/v1/cases/", E(201, 201, 201, 403, 400, 201), body=intake),
    Row(
        "cases-list",
        "POST",
        "unit-a2",
        "/api/v1/cases/",
        E(201, 201, 400, 403, 400, 201),
        body=lambda desk, ctx: intake(desk, ctx, unit=desk.w.unit_a2),
    ),
    Row("cases-detail", "GET", "new", "/api/v1/cases/{n}/", VIEWERS),
    Row("cases-detail", "GET", "new-a2", "/api/v1/cases/{n}/", VIEWERS_A2),
    Row("cases-detail", "GET", "dispatched", "/api/v1/cases/{n}/", E(200, 200, 200, 200, 404, 200)),
    Row("cases-detail", "GET", "pool", "/api/v1/cases/{n}/", E(200, 200, 200, 200, 404, 200)),
    Row("cases-events", "GET", "new", "/api/v1/cases/{n}/events/", VIEWERS),
    Row("cases-events", "GET", "dispatched", "/api/v1/cases/{n}/events/", E(200, 200, 200, 200, 404, 200)),
    Row("cases-events", "GET", "new-a2", "/api/v1/cases/{n}/events/", VIEWERS_A2),
    Row("cases-solve-at-once", "POST", "new", "/api/v1/cases/{n}/solve-at-once/", VIEWERS, body={"answer": "已答复"}),
    Row(
        "cases-dispatch",
        "POST",
        "new",
        "/api/v1/cases/{n}/dispatch/",
        DISPATCHERS,
        body=lambda desk, ctx: {"assignee": desk.fred.pk, "department": desk.gc.pk},
    ),
    Row(
        "cases-dispatch",
        "POST",
        "new-a2",
        "/api/v1/cases/{n}/dispatch/",
        E(200, 200, 404, 404, 404, 200),
        body=lambda desk, ctx: {"mode": "pool", "department": desk.gc.pk},
    ),
    Row("cases-grab", "POST", "pool", "/api/v1/cases/{n}/grab/", E(403, 403, 403, 200, 404, 403)),
    Row("cases-accept", "POST", "dispatched", "/api/v1/cases/{n}/accept/", E(403, 403, 403, 200, 404, 403)),
    Row("cases-reject", "POST", "dispatched", "/api/v1/cases/{n}/reject/", HANDLERS, body={"reason": "不属本部门"}),
    Row(
        "cases-transfer",
        "POST",
        "dispatched",
        "/api/v1/cases/{n}/transfer/",
        HANDLERS,
        body=lambda desk, ctx: {"reason": "转给同事", "assignee": desk.gus.pk, "department": desk.gc.pk},
    ),
    Row("cases-start", "POST", "accepted", "/api/v1/cases/{n}/start/", HANDLERS),
    Row("cases-hold", "POST", "in_progress", "/api/v1/cases/{n}/hold/", HANDLERS, body={"reason": "parts"}),
    Row("cases-resume", "POST", "waiting", "/api/v1/cases/{n}/resume/", HANDLERS),
    Row("cases-resolve", "POST", "in_progress", "/api/v1/cases/{n}/resolve/", HANDLERS, body={"note": "已修复"}),
    Row("cases-close", "POST", "resolved", "/api/v1/cases/{n}/close/", E(200, 200, 403, 403, 404, 200)),
    Row(
        "cases-reopen",
        "POST",
        "resolved",
        "/api/v1/cases/{n}/reopen/",
        E(200, 200, 403, 403, 404, 200),
        body={"reason": "客户不满意"},
    ),
    Row("cases-cancel", "POST", "new", "/api/v1/cases/{n}/cancel/", DISPATCHERS, body={"reason": "客户撤回"}),
    Row("cases-comments", "POST", "new", "/api/v1/cases/{n}/comments/", CREATED_BY_VIEWERS, body={"body": "备注"}),
    Row(
        "cases-comments",
        "POST",
        "dispatched",
        "/api/v1/cases/{n}/comments/",
        E(201, 201, 201, 201, 404, 201),
        body={"body": "已联系客户"},
    ),
    Row("cases-reply", "POST", "new", "/api/v1/cases/{n}/reply/", CREATED_BY_VIEWERS, body={"body": "已安排"}),
    Row("cases-attachments", "GET", "new", "/api/v1/cases/{n}/attachments/", VIEWERS),
    Row(
        "cases-attachments",
        "POST",
        "new",
        "/api/v1/cases/{n}/attachments/",
        CREATED_BY_VIEWERS,
        body=lambda desk, ctx: {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        fmt="multipart",
    ),
    Row(
        "cases-attachments",
        "POST",
        "dispatched",
        "/api/v1/cases/{n}/attachments/",
        E(201, 201, 201, 201, 404, 201),
        body=lambda desk, ctx: {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        fmt="multipart",
    ),
    Row(
        "cases-split",
        "POST",
        "new",
        "/api/v1/cases/{n}/split/",
        E(201, 201, 403, 404, 404, 201),
        body=lambda desk, ctx: {"parts": [{"department": desk.gc.pk, "title": "水电"}]},
    ),
    Row(
        "cases-merge",
        "POST",
        "new",
        "/api/v1/cases/{n}/merge/",
        DISPATCHERS,
        body=lambda desk, ctx: {"into": ctx["other"].number},
    ),
    Row(
        "cases-merge",
        "POST",
        "new-into-a2",
        "/api/v1/cases/{n}/merge/",
        E(200, 200, 400, 404, 404, 200),
        body=lambda desk, ctx: {"into": ctx["other_a2"].number},
    ),
    Row(
        "cases-link",
        "POST",
        "new",
        "/api/v1/cases/{n}/link/",
        VIEWERS,
        body=lambda d, ctx: {"other": ctx["other"].number},
    ),
    Row("cases-flag-major", "POST", "complaint", "/api/v1/cases/{n}/flag-major/", DISPATCHERS),
    Row(
        "cases-duplicates",
        "GET",
        "new",
        "/api/v1/cases/duplicates/",
        E(200, 200, 200, 403, 400, 200),
        query=lambda desk, ctx: {"unit": desk.w.unit_a1.pk},
    ),
    Row(
        "cases-duplicates",
        "GET",
        "new-a2",
        "/api/v1/cases/duplicates/",
        E(200, 200, 400, 403, 400, 200),
        query=lambda desk, ctx: {"unit": desk.w.unit_a2.pk},
    ),
    Row("work-orders-list", "GET", "dispatched", "/api/v1/work-orders/", EVERYONE),
    Row("categories-list", "GET", "none", "/api/v1/categories/", EVERYONE),
    Row("notifications-list", "GET", "dispatched", "/api/v1/notifications/", EVERYONE),
    Row("notifications-read", "POST", "dispatched", "/api/v1/notifications/read/", EVERYONE, body={"all": True}),
]

MATRIX = [(row, who) for row in ROWS for who in USERS]


def make_case(desk, new_case, setup):
    """The case a row acts on, and other cases some bodies name."""
    w = desk.w
    ctx = {}
    if setup in ("none", "unit-a2"):
        return None, ctx
    if setup == "new-a2":
        return new_case(unit=w.unit_a2, customer=w.cust_a2), ctx
    if setup == "complaint":
        return new_case(kind="complaint", title="保安态度差"), ctx
    if setup == "pool":
        return services.case_dispatch(actor=w.alice, case=new_case(), mode="pool", department=desk.gc), ctx
    if setup == "new-into-a2":
        ctx["other_a2"] = new_case(unit=w.unit_a2, customer=w.cust_a2)
        return new_case(), ctx
    ctx["other"] = new_case(title="同一楼道")
    state = {"new": Status.NEW}.get(setup) or Status(setup)
    return drive_to(new_case(), state, desk), ctx


def client_for(desk, who):
    c = APIClient()
    if who != "anon":
        c.force_authenticate(getattr(desk.w, who))
    return c


@pytest.mark.parametrize(("row", "who"), MATRIX, ids=[f"{row.id}-{who}" for row, who in MATRIX])
def test_it_answers_each_caller_as_the_matrix_says(desk, new_case, row, who):
    case, ctx = make_case(desk, new_case, row.setup)
    path = row.path.format(n=case.number if case else "")
    body = row.body(desk, ctx) if callable(row.body) else (row.body or {})
    c = client_for(desk, who)
    if row.method == "GET":
        r = c.get(path, row.query(desk, ctx) if row.query else None)
    else:
        r = c.post(path, body, format=row.fmt)
    assert r.status_code == row.expect[who], r.content.decode()[:300]
    if r.status_code >= 400:
        assert set(r.json()) == {"code", "message", "fields"}


def _published_routes():
    router = DefaultRouter()
    tickets_api.register(router)
    notify_api.register(router)
    out = set()
    for pattern in router.urls:
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            out |= {(pattern.name, method.upper()) for method in actions}
    return out


def test_it_has_an_expectation_for_every_route():
    published = _published_routes()
    covered = {(row.route, row.method) for row in ROWS}
    assert published - covered == set(), "add rows to ROWS for these endpoints"
    assert covered - published == set(), "ROWS name endpoints that do not exist"
    assert all(set(row.expect) == set(USERS) for row in ROWS)


def test_it_lists_only_what_each_person_may_see(desk, new_case):
    w = desk.w
    a1 = new_case()
    a2 = new_case(unit=w.unit_a2, customer=w.cust_a2)
    to_fred = services.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    pooled = services.case_dispatch(actor=w.alice, case=new_case(), mode="pool", department=desk.gc)
    b = services.case_create(actor=w.bob, project=w.b, kind="repair", channel="phone", title="电梯异响")
    everything_a = {a1.number, a2.number, to_fred.number, pooled.number}
    expected = {
        "alice": everything_a,
        "sam": everything_a,
        "stella": {a1.number, to_fred.number, pooled.number},  # zone A1 only
        "fred": {to_fred.number, pooled.number},
        "bob": {b.number},
        "hera": everything_a | {b.number},
    }
    for who, numbers in expected.items():
        r = client_for(desk, who).get("/api/v1/cases/")
        assert r.status_code == 200
        assert {x["number"] for x in r.json()["results"]} == numbers, who
