"""The authorisation matrix's rule table: for every URL pattern of kefu/urls.py, what each role gets.

One row per URL pattern name (the name `reverse` takes). test_authz_matrix.py walks the URLconf and fails for
any pattern that has neither a row here nor an entry in EXCLUDED. See docs/authz-matrix.md.

Columns (ROLES + SCOPED):
    anon        not logged in
    alice       agent of project A                 sam    supervisor of project A
    stella      steward of zone A1 (project A)     fred   field staff of project A (工程部)
    bob         agent of project B                 hera   head office (every project)
    zhang       resident of unit A1-1201 (portal)  wang   resident of unit A2-0801 (portal)
    alice@B     alice, with the URL naming project B's object instead of project A's
    stella@A2   stella, with the URL naming zone A2's object instead of zone A1's

The URL's object is project A's (zone A1, zhang's) unless the column says otherwise (authz_scenario.py).

Expected answers (cell values):
    200, 201, 400, 403, 404, 405, ...   that status
    SEES     200, and the page shows project A's case number or zhang's name (the object is there to see)
    BLIND    200, and the page shows neither (a scoped list, empty of what the caller may not see)
    LOGIN    302 to the console login (/login/?next=...)
    PLOGIN   302 to the portal login (/m/login/?next=...)
    CONSOLE  302 to / (a staff member on a portal page)
    PORTAL   302 to /m/ (a resident on the console's home)
    BACK     302 anywhere (a form or action that went through and redirects, or a message and back)
    REFUSED  400, 403 or 409: the service refused (the caller sees the object, so not 404)
    ACTED    200, 201, 204, 400 or 409: the request reached the service's business rules (not refused for who
             the caller is); what the case's state allows is the desk's own tests' business

`ok` names the roles allowed to act; every other role's request must also write nothing to the database
(checked for every cell outside `ok`, GET and POST alike).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anon", "alice", "sam", "stella", "fred", "bob", "hera", "zhang", "wang")
STAFF = ("alice", "sam", "stella", "fred", "bob", "hera")
RESIDENTS = ("zhang", "wang")
# A scoped column: (user, side of the scenario whose objects fill the URL).
SCOPED = {"alice@B": ("alice", "B"), "stella@A2": ("stella", "A2")}

SEES, BLIND, LOGIN, PLOGIN, CONSOLE, PORTAL, BACK = "sees", "blind", "login", "plogin", "console", "portal", "back"
REFUSED, ACTED = "refused", "acted"
Expect = int | str


@dataclass(frozen=True)
class Rule:
    method: str
    expect: dict[str, Expect]
    ok: frozenset[str]
    data: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] = field(default_factory=dict)
    query: str | Callable[[dict[str, Any]], str] = ""
    note: str = ""


def rule(
    method: str = "GET",
    ok: str = "",
    *,
    code: Expect = 200,
    view: str = "",
    denied: Expect = BACK,
    no: Expect = 404,
    res: Expect | None = None,
    anon: Expect = LOGIN,
    data: Any = None,
    query: Any = "",
    note: str = "",
    **over: Expect,
) -> Rule:
    """A row. Roles in `ok` may act and get `code`; roles in `view` see the object but may not act and get
    `denied` (e.g. a message and a redirect back); other staff get `no`; residents `res` (default `no`);
    anonymous `anon`. alice@B and stella@A2 get `no`. Keyword overrides (alice_B=, stella_A2=, bob=...) win."""
    allowed = frozenset(ok.split())
    viewers = frozenset(view.split())
    expect: dict[str, Expect] = {"anon": anon}
    for r in (*STAFF, *RESIDENTS):
        if r in allowed:
            expect[r] = code
        elif r in viewers:
            expect[r] = denied
        elif r in RESIDENTS and res is not None:
            expect[r] = res
        else:
            expect[r] = no
    expect["alice@B"] = no
    expect["stella@A2"] = no
    for key, value in over.items():
        expect[key.replace("_B", "@B").replace("_A2", "@A2")] = value
    return Rule(method, expect, allowed, data or {}, query, note)


def page(ok: str = "", **kw: Any) -> Rule:
    """A staff page read with GET."""
    return rule("GET", ok, **kw)


def act(ok: str = "", **kw: Any) -> Rule:
    """A staff POST: the allowed get `code` (default: a redirect back), the others are refused and write nothing."""
    kw.setdefault("code", BACK)
    return rule("POST", ok, **kw)


def api(ok: str = "", method: str = "GET", **kw: Any) -> Rule:
    """/api/v1/: anonymous callers 403 (session or token auth, no WWW-Authenticate challenge), others by scope."""
    kw.setdefault("anon", 403)
    kw.setdefault("no", 403)
    if method != "GET":
        kw.setdefault("code", ACTED)
        kw.setdefault("denied", REFUSED)
    return rule(method, ok, **kw)


def api_list(ok: str = "", **kw: Any) -> Rule:
    """An /api/v1/ list with no permission class beyond IsAuthenticated: the queryset is the caller's scope, so
    whoever may not see project A's rows gets 200 and a list without them."""
    kw.setdefault("no", BLIND)
    return api(ok, **kw)


def portal(ok: str = "zhang wang", method: str = "GET", **kw: Any) -> Rule:
    """A portal page (/m/): residents only; staff are sent to the console, anonymous visitors to /m/login/."""
    kw.setdefault("anon", PLOGIN)
    kw.setdefault("no", CONSOLE)
    kw.setdefault("res", 404)
    return rule(method, ok, **kw)


ALL_STAFF = "alice sam stella fred bob hera"
DESK = "alice sam stella hera"  # VIEW_CASES in project A (stella: zone A1)
ARCHIVES = "alice sam stella hera"  # VIEW_ARCHIVES / EDIT_ARCHIVES in A
MANAGERS = "sam hera"  # supervisor-level perms in A: MANAGE_VISITS, VIEW_REPORTS, QC_REVIEW, MANAGE_KB, PUBLISH ...


EXCLUDED: dict[str, str] = {
    "admin:": "Django admin: its own is_staff/superuser gate (no Kefu role is is_staff); not an app page",
    "api-schema": "OpenAPI schema (drf-spectacular), a non-app route; fuzzed by the schemathesis test (issue 9.2)",
    "api-docs": "Swagger UI over the schema, a non-app route",
    "set_language": "Django's i18n language switch (login_not_required by design), a non-app route",
    "core:healthz": "liveness probe for the load balancer: public by design, touches no data",
    "core:readyz": "readiness probe: public by design, reveals only ok/unavailable and a migration count",
}

# Who may take each action on zhang's new, unassigned repair (services.allowed_actions): dispatchers (DISPATCH_CASE:
# alice, sam, hera), participants (VIEW_CASES there: also stella), nobody (actions of an assignee, a pool member,
# or on complaints).
CASE_ACTION_ROLES = {
    "alice sam hera": ("dispatch", "cancel", "close", "reopen", "split", "transfer", "merge"),
    DESK: ("comment", "reply", "attach", "link", "solve_at_once"),
    "": ("accept", "grab", "reject", "start", "hold", "resume", "resolve", "flag_major"),
}

# Payloads for POSTs. They are plausible (often valid) so that a missing check would show as a write.
CASE_REASON = {"reason": "测试", "note": "测试", "body": "测试留言", "answer": "已当场解答"}

RULES: dict[str, Rule] = {
    # Console: accounts, home, project switch, audit ------------------------------------------------------
    "login": rule("GET", ALL_STAFF + " zhang wang", anon=200, code=200),
    "logout": rule("POST", ALL_STAFF + " zhang wang", anon=BACK, code=BACK, note="logging out is harmless"),
    "password_change": page(ALL_STAFF + " zhang wang", note="one's own password: any logged-in account"),
    "core:home": page(ALL_STAFF, res=PORTAL),
    "core:set_project": act(ALL_STAFF + " zhang wang", data={"project": "", "next": "/"}, note="a session setting"),
    "core:audit": page("hera", no=403),
    # Organisation (/org/) ---------------------------------------------------------------------------------
    "org:projects": page(ALL_STAFF),
    "org:projects?export=xlsx": page(ALL_STAFF),
    "org:project_create": page(ALL_STAFF, note="the form is shown to every staff member; the service refuses the save"),
    "org:project_edit": page(
        "alice sam stella fred hera", note="the form for every VIEW_ORG reader of A; the service refuses the save"
    ),
    "org:zone_create": page("alice sam stella fred hera"),
    "org:zone": page("alice sam stella fred hera"),
    "org:zone_edit": act("hera", view="alice sam stella fred", denied=200, data={"name": "一区改名"}),
    "org:zone_assign": act(
        "hera", view="alice sam stella fred", denied=200, data=lambda o: {"building": o["unit"].building_id}
    ),
    "org:departments": page(ALL_STAFF),
    "org:departments?export=xlsx": page(ALL_STAFF),
    "org:department_create": page(ALL_STAFF),
    "org:department_edit": page("alice sam fred hera"),
    "org:staff": page(ALL_STAFF),
    "org:staff?export=xlsx": page(ALL_STAFF),
    "org:staff_create": page(ALL_STAFF),
    "org:staff_detail": page("alice sam stella fred hera"),
    "org:staff_edit": act("hera", view="alice sam stella fred", denied=200, data={"name": "改名"}),
    "org:role_add": act(
        "hera", view="alice sam stella fred", data=lambda o: {"role": "agent", "project": o["project"].pk}
    ),
    "org:role_edit": act("hera", view="alice sam stella fred", data={"role": "field_staff"}),
    "org:role_end": act("hera", view="alice sam stella fred"),
    # Customer archives (/customers/) ----------------------------------------------------------------------
    "customers:list": page(ARCHIVES, code=SEES, bob=BLIND),
    "customers:list?export=xlsx": page(ARCHIVES, code=SEES, bob=BLIND),
    "customers:create": page("alice sam hera bob", fred=BACK, stella=BACK, res=BACK),
    "customers:detail": page(ARCHIVES),
    "customers:edit": page(ARCHIVES),
    "customers:contact_add": act(ARCHIVES, data={"kind": "mobile", "value": "13511112222"}),
    "customers:contact_remove": act(ARCHIVES),
    "customers:contact_reveal": act(ARCHIVES, code=200),
    "customers:id_reveal": act("hera", code=200, view="alice sam stella", denied=403),
    "customers:note_add": act(ARCHIVES, data={"text": "测试备注"}),
    "customers:grade_set": act(MANAGERS, view="alice stella", data={"grade": "B", "reason": "测试"}),
    "customers:key_set": act(MANAGERS, view="alice stella", data={"reason": "测试", "review_on": "2026-12-31"}),
    "customers:key_remove": act(MANAGERS, view="alice stella"),
    "customers:move_in": act(ARCHIVES, data={"unit": "", "relation": "owner", "move_in": "2026-01-01"}),
    "customers:move_out": act(ARCHIVES, data={"move_out": "2026-11-01"}),
    "customers:key_list": page(ARCHIVES + " bob"),
    "customers:key_list?export=xlsx": page(ARCHIVES + " bob"),
    "customers:tags": page(ARCHIVES + " bob"),
    "customers:units": page(ARCHIVES, bob=BLIND),
    "customers:units?export=xlsx": page(ARCHIVES, bob=BLIND),
    "customers:unit_detail": page(ARCHIVES),
    "customers:assets": page(ARCHIVES + " bob"),
    "customers:assets?export=xlsx": page(ARCHIVES + " bob"),
    "customers:asset_create": page("alice sam hera bob", fred=BACK, stella=BACK, res=BACK),
    "customers:asset_detail": page(ARCHIVES),
    "customers:asset_record_add": act(
        ARCHIVES, data={"kind": "repair", "happened_on": "2026-11-01", "description": "测试"}
    ),
    "customers:import": page(MANAGERS, no=403),
    "customers:import_template": page(MANAGERS, no=403),
    # Service desk (/cases/) ---------------------------------------------------------------------------------
    "tickets:workspace": page(DESK, code=SEES, bob=BLIND, fred=BLIND),
    "tickets:workspace?export=xlsx": page(DESK, code=SEES, bob=BLIND, fred=BLIND),
    "tickets:new": page(DESK + " bob", fred=BACK, res=CONSOLE),
    "tickets:lookup": page(
        DESK, code=SEES, no=BLIND, query="q=张伟", note="an htmx fragment: scoped search, empty for the others"
    ),
    "tickets:duplicates": page(
        DESK,
        code=SEES,
        no=BLIND,
        query=lambda o: f"unit={o['unit'].pk}",
        note="an htmx fragment: scoped, empty for the others",
    ),
    "tickets:bulk_dispatch": act(
        "alice sam hera",
        view=ALL_STAFF + " zhang wang",
        data=lambda o: {"cases": [o["case"].number], "mode": "pool", "department": o["department"].pk},
        note="a batch: every logged-in user may post; each case is read through the caller's scope and one out "
        "of it is reported as not found, so the others get a message back and nothing changes",
    ),
    "tickets:jobs": page(ALL_STAFF),
    "tickets:detail": page(DESK),
    "tickets:panel": page(DESK),
    "tickets:file": page(DESK),
    # Case actions on zhang's new, unassigned repair (zone A1). Whoever sees the case gets a redirect back to
    # it (the service's refusal is a message); only the roles the service lets act may write anything.
    **{
        f"tickets:{action}": act(ok, view=DESK, data=CASE_REASON)
        for ok, actions in CASE_ACTION_ROLES.items()
        for action in actions
    },
    # Desk settings (/desk/settings/): MANAGE_DESK -----------------------------------------------------------
    **{f"desk_settings:{n}": page("hera") for n in ("categories", "category_edit", "policies", "policy_create")},
    "desk_settings:index": page("hera", code=BACK, note="redirects to the categories"),
    "desk_settings:category_create": act(
        "hera", code=200, data={"kind": "repair", "scope": "project"}, note="no code or name: the form comes back"
    ),
    "desk_settings:policy_edit": page("hera"),
    "desk_settings:calendar": page("hera"),
    "desk_settings:category_toggle": act("hera"),
    "desk_settings:day_save": act("hera", code=200, data={"date": "2026-12-30", "name": "测试"}),
    "desk_settings:day_edit": page("hera"),
    "desk_settings:day_delete": act("hera"),
    "desk_settings:year_mark": act("hera", data={"year": "2026", "entered": "1"}),
    # Notifications (/notifications/): one's own -------------------------------------------------------------
    "notify:inbox": page(ALL_STAFF + " zhang wang"),
    "notify:mark_read": act(ALL_STAFF + " zhang wang"),
    "notify:open": act("alice", no=BACK, note="someone else's notification: back to one's inbox, nothing marked"),
    "notify:preferences": page(ALL_STAFF + " zhang wang"),
    "notify:outbox": page("hera"),
    "notify:outbox_resend": act("hera"),
    # Return visits (/visits/) -------------------------------------------------------------------------------
    "visits:list": page(DESK, bob=BLIND),
    "visits:list?export=xlsx": page(DESK, bob=BLIND),
    "visits:today": page(DESK + " bob"),
    "visits:sign_off": act(
        MANAGERS,
        view="alice stella bob fred zhang wang",
        data=lambda o: {"visits": [o["visit"].pk]},
        note="every logged-in user may post; the service signs only what the supervisor may",
    ),
    "visits:detail": page(DESK),
    "visits:finding_add": act(DESK, data={"category": "civil", "description": "测试"}),
    "visits:finding_case": act(DESK),
    "visits:reassign": act(MANAGERS, view="alice stella", data=lambda o: {"assignee": o["staff"].pk}),
    "visits:plans": page(DESK + " bob"),
    "visits:plan": page(DESK),
    "visits:plan_close": act(MANAGERS, view="alice stella"),
    "visits:settings": page(MANAGERS),
    "visits:policy_new": act(MANAGERS, code=200),
    "visits:policy_edit": act(MANAGERS, code=200),
    "visits:script_new": act(MANAGERS, code=200),
    "visits:script_edit": act(MANAGERS, code=200),
    # Surveys (/surveys/) ------------------------------------------------------------------------------------
    "surveys:list": page(DESK + " bob"),
    "surveys:create": page(MANAGERS),
    "surveys:detail": page(DESK),
    "surveys:edit": page(MANAGERS, code=BACK, note="an open survey is not editable: back to it"),
    "surveys:open": act(MANAGERS),
    "surveys:close": act(MANAGERS),
    "surveys:results": page(MANAGERS),
    "surveys:responses": page(DESK),
    "surveys:responses?export=xlsx": page(DESK),
    "surveys:answer": page(DESK),
    "surveys:decline": act(DESK),
    # Reports (/reports/) ------------------------------------------------------------------------------------
    "visit_reports:index": page(MANAGERS),
    "reports:subscriptions": page(MANAGERS),
    "reports:subscription_new": act(
        MANAGERS,
        code=200,
        data={"report_key": "no-such-report"},
        note="an invalid form comes back (200) and writes nothing",
    ),
    "reports:subscription_edit": act("sam", code=200, data={"report_key": "no-such-report"}),
    "reports:subscription_toggle": act("sam"),
    "reports:subscription_delete": act("sam"),
    "reports:subscription_send": act("sam"),
    "reports:index": page(MANAGERS),
    "reports:report": page(MANAGERS),
    "reports:report?export=xlsx": page(MANAGERS),
    # Notices (/notices/) -------------------------------------------------------------------------------------
    "notices:list": page(DESK + " bob"),
    "notices:create": page(MANAGERS),
    "notices:detail": page(DESK),
    "notices:edit": page(MANAGERS, code=BACK, note="a published notice is not editable: back to it"),
    "notices:publish": act(MANAGERS),
    "notices:withdraw": act(MANAGERS, data={"reason": "测试"}),
    "notices:export": page(MANAGERS),
    # Knowledge base (/kb/) ------------------------------------------------------------------------------------
    "kb:home": page(ALL_STAFF, code=BACK, note="redirects to the FAQ list"),
    "kb:faq": page(ALL_STAFF),
    "kb:faq_new": page(MANAGERS),
    "kb:faq_detail": page(ALL_STAFF.replace("bob ", "")),
    "kb:faq_edit": page(MANAGERS),
    "kb:faq_delete": act(MANAGERS),
    "kb:phrases": page(ALL_STAFF),
    "kb:phrase_new": page(MANAGERS),
    "kb:phrase_edit": page(MANAGERS),
    "kb:phrase_delete": act(MANAGERS),
    "kb:canned": page(ALL_STAFF),
    "kb:canned_new": page(ALL_STAFF),
    "kb:canned_edit": page(MANAGERS),
    "kb:canned_delete": act(MANAGERS),
    "kb:canned_render": page(DESK, query=lambda o: f"case={o['case'].number}"),
    # Special-services catalogue (/catalog/) ----------------------------------------------------------------
    "catalog:list": page("hera"),
    "catalog:create": page("hera"),
    "catalog:edit": page("hera"),
    "catalog:toggle": act("hera"),
    # Portal (/m/) ---------------------------------------------------------------------------------------------
    "portal_notices:list": portal(),
    "portal_notices:detail": portal(),
    "portal_kb:faq": portal(),
    "portal_kb:faq_detail": portal(),
    "portal_catalog:list": portal(),
    "portal_catalog:order": portal(),
    "portal:home": portal(),
    "portal:login": rule("GET", ALL_STAFF, anon=200, code=200, res=PORTAL),
    "portal:logout": rule("POST", "zhang wang", anon=BACK, code=BACK, no=BACK, note="logging out is harmless"),
    "portal:signup": rule("GET", ALL_STAFF, anon=200, code=200, res=PORTAL),
    "portal:verify": portal(),
    "portal:report": portal(),
    "portal:me": portal(),
    "portal:notify_settings": portal(),
    "portal:track": rule("GET", ALL_STAFF + " zhang wang", anon=200, code=200),
    "portal:survey": portal("zhang"),
    "portal:case": portal("zhang"),
    "portal:comment": portal("zhang", method="POST", code=BACK, data={"body": "补充说明"}),
    "portal:cancel": portal("zhang", method="POST", code=BACK, data={"reason": "other"}),
    "portal:rate": portal("zhang", code=BACK, note="not resolved yet: back to the case"),
    "portal:file": portal("zhang"),
    # Portal verification, staff side (/portal-admin/): EDIT_ARCHIVES ------------------------------------------
    "portal_admin:verifications": page(ARCHIVES + " bob"),
    "portal_admin:verification": page(ARCHIVES),
    "portal_admin:approve": act(ARCHIVES, code=200, note="an empty form comes back with its errors"),
    "portal_admin:reject": act(ARCHIVES, data={"reason": "测试"}),
    # Quality control (/quality/) -----------------------------------------------------------------------------
    "quality:checks": page(ALL_STAFF, bob=BLIND, fred=BLIND, stella=BLIND),
    "quality:checks?export=xlsx": page(ALL_STAFF, bob=BLIND, fred=BLIND, stella=BLIND),
    "quality:check": page("alice sam hera", note="alice answered the complaint: the check of her own work"),
    "quality:check_review": act(MANAGERS, code=200, view="alice", denied=200, note="an empty form comes back"),
    "quality:check_correct": act(
        "alice", code=200, view="sam hera", denied=200, note="nothing returned to correct: the form comes back"
    ),
    "quality:sampling": page(MANAGERS),
    "quality:plan_new": act("hera", code=200),
    "quality:plan_edit": act("hera", code=200),
    "quality:draw_new": act(MANAGERS, code=200),
    "quality:draw": page(MANAGERS),
    "quality:settings": page("hera"),
    "quality:point_new": act("hera", code=200),
    "quality:point_edit": act("hera", code=200),
    "quality:rule_new": act("hera", code=200),
    "quality:rule_edit": act("hera", code=200),
    "quality:thresholds": act("hera"),
    "qc_reports:errors": page(MANAGERS),
    "qc_reports:cycle": page(MANAGERS),
    "qc_reports:stuck": page(MANAGERS),
    "qc_reports:reconciliation": page(MANAGERS),
    "qc_reports:reconciliation_recompute": act(
        MANAGERS, data=lambda o: {"project": o["project"].pk, "day": "2026-11-19"}
    ),
    "qc_reports:reconciliation_sign_off": act(
        MANAGERS, data=lambda o: {"project": o["project"].pk, "day": "2026-11-19", "note": "测试"}
    ),
    "qc_reports:scorecard": page(MANAGERS),
    "qc_reports:scorecard_weights": act(
        "hera", code=400, view="sam", denied=403, data=lambda o: {"project": o["project"].pk}, note="no weights: 400"
    ),
    # API (/api/v1/) ----------------------------------------------------------------------------------------
    "api-root": api(ALL_STAFF + " zhang wang"),
    "projects-list": api_list(ALL_STAFF),
    "projects-detail": api(ALL_STAFF.replace("bob ", ""), no=404),
    "zones-list": api_list(ALL_STAFF),
    "zones-detail": api(ALL_STAFF.replace("bob ", ""), no=404),
    "departments-list": api_list(ALL_STAFF),
    "departments-detail": api("alice sam fred hera", no=404),
    "staff-list": api_list(ALL_STAFF),
    "staff-detail": api(ALL_STAFF.replace("bob ", ""), no=404),
    "staff-roles": api(
        "hera", method="POST", view="alice sam stella fred", no=404, data={"role": "agent", "project": "A"}
    ),
    "staff-role-update": api("hera", method="PATCH", view="alice sam stella fred", no=404, data={"role": "agent"}),
    "staff-role-end": api("hera", method="POST", view="alice sam stella fred", no=404),
    "customers-list": api_list(ARCHIVES, code=SEES),
    "customers-detail": api(ARCHIVES, no=404),
    "customers-credit-grade": api(
        MANAGERS, method="POST", view="alice stella", no=404, data={"grade": "B", "reason": "测试"}
    ),
    "customers-credit-history": api(ARCHIVES, no=404),
    "customers-notes": api(ARCHIVES, method="POST", no=404, data={"text": "测试"}),
    "customers-occupancies": api(ARCHIVES, no=404),
    "customers-reveal": api(
        ARCHIVES, method="POST", no=404, data=lambda o: {"field": "phone", "contact": o["contact"].pk}
    ),
    "customers-reveal POST": api(
        "hera", method="POST", view="alice sam stella", no=404, data={"field": "id_number"}, note="the ID number"
    ),
    "units-list": api_list(ARCHIVES),
    "units-detail": api(ARCHIVES, no=404),
    "units-move-in": api(ARCHIVES, method="POST", no=404, data={"customer": 0}),
    "units-move-out": api(ARCHIVES, method="POST", no=404, data={"occupancy": 0}),
    "assets-list": api_list(ARCHIVES),
    "assets-detail": api(ARCHIVES, no=404),
    "assets-records": api(ARCHIVES, method="POST", no=404, data={"text": "测试"}),
    "key-customers-list": api_list(MANAGERS),
    "cases-list": api_list(DESK, code=SEES),
    "cases-duplicates": api(DESK, code=SEES, bob=400, query=lambda o: f"unit={o['unit'].pk}"),
    "cases-detail": api(DESK, no=404),
    "cases-events": api(DESK, no=404),
    "cases-attachments": api(DESK, no=404),
    "cases-comments": api(DESK, method="POST", no=404, data={"body": "测试"}),
    **{
        f"cases-{action.replace('_', '-')}": api(
            ok, method="POST", code=ACTED, view=DESK, denied=REFUSED, no=404, data=CASE_REASON
        )
        for ok, actions in CASE_ACTION_ROLES.items()
        for action in actions
        if action not in ("comment", "attach")
    },
    "work-orders-list": api_list(ALL_STAFF),
    "categories-list": api_list(ALL_STAFF + " zhang wang"),
    "notifications-list": api_list(ALL_STAFF + " zhang wang"),
    "notifications-read": api(ALL_STAFF + " zhang wang", method="POST", code=ACTED),
    "return-visits-list": api_list(DESK),
    "return-visits-sign-off": api(MANAGERS, method="POST", data={"ids": []}),
    "return-visits-detail": api(DESK, no=404),
    "return-visits-findings": api(DESK, method="POST", no=404, data={"category": "civil", "description": "测试"}),
    "return-visits-finding-to-case": api(DESK, method="POST", no=404),
    "return-visits-reassign": api(
        MANAGERS, method="POST", view="alice stella", no=404, data=lambda o: {"assignee": o["staff"].pk}
    ),
    "return-visits-record": api(DESK, method="POST", no=404, data={"outcome": "refused"}),
    "visit-plans-list": api_list(DESK),
    "visit-plans-detail": api(DESK, no=404),
    "visit-plans-close": api(MANAGERS, method="POST", view="alice stella", no=404),
    "visit-policies-list": api(MANAGERS),
    "visit-policies-detail": api(MANAGERS, alice_B=403),
    "visit-scripts-list": api(MANAGERS),
    "visit-scripts-detail": api(MANAGERS, alice_B=403),
    "ratings-list": api("zhang wang", method="POST", code=ACTED, data={"case": "", "score": 5}),
    "surveys-list": api_list(DESK),
    "surveys-detail": api(DESK, no=404),
    "surveys-close": api(MANAGERS, method="POST", view="alice stella", no=404),
    "surveys-figures": api(
        DESK,
        no=404,
        note="aggregates for every survey reader (a steward's cover her zone); the web results page, "
        "with the dissatisfied customers' names and comments, is VIEW_REPORTS only",
    ),
    "surveys-open": api(MANAGERS, method="POST", view="alice stella", no=404),
    "surveys-responses": api(DESK, no=404),
    "survey-responses-list": api(
        "zhang", code=SEES, res=BLIND, note="a resident's own questionnaires; staff read them per survey"
    ),
    "survey-responses-detail": api(DESK + " zhang", no=404),
    "survey-responses-decline": api(DESK, method="POST", view="zhang", no=404),
    "survey-responses-submit": api(DESK + " zhang", method="POST", no=404),
    "portal-cases-list": api("zhang wang"),
    "portal-cases-options": api("zhang wang"),
    "portal-cases-detail": api("zhang", res=404),
    "portal-cases-cancel": api("zhang", method="POST", code=ACTED, res=404, data={"reason": "other"}),
    "portal-cases-comments": api("zhang", method="POST", code=ACTED, res=404, data={"body": "补充"}),
    "portal-cases-rate": api("zhang", method="POST", code=ACTED, res=404, data={"score": 5}),
    "faq-list": api_list(ALL_STAFF + " zhang wang"),
    "faq-detail": api(ALL_STAFF.replace("bob ", "") + " zhang wang", no=404),
    "canned-replies-list": api_list(ALL_STAFF, res=403),
    "canned-replies-detail": api(ALL_STAFF.replace("bob ", ""), no=404, res=403),
    "canned-replies-rendered": api(DESK, no=404, res=403, query=lambda o: f"case={o['case'].number}"),
    "notices-list": api(DESK + " bob"),
    "notices-detail": api(DESK, no=404, fred=403, res=403),
    "portal-notices-list": api("zhang wang"),
    "portal-notices-detail": api("zhang wang", res=404),
    "portal-services-list": api("zhang wang"),
    "portal-services-detail": api("zhang wang", res=404),
    "portal-services-order": api("zhang wang", method="POST", code=ACTED, res=404, data={"unit": 0, "quantity": 1}),
    "portal-service-orders-list": api("zhang wang"),
    "portal-service-orders-detail": api("zhang", res=404),
    # Asking a page about another project (?project=<B>): refused for A's supervisor, answered for head office.
    "qc_reports:errors other-project": page(
        "hera", query=lambda o: f"project={o['foreign_project'].pk}", note="sam's report scope is project A"
    ),
    "qc_reports:reconciliation other-project": page("hera", query=lambda o: f"project={o['foreign_project'].pk}"),
    "reports:report other-project": page("hera", sam=200, query=lambda o: f"project={o['foreign_project'].pk}"),
    "cases-list other-project": api(
        "bob hera", no=400, query="project=B", note="a project out of one's scope reads as a missing one: 400"
    ),
    "customers-list other-project": api("bob hera", no=400, query="project=B"),
    # A resident writing about the other resident's unit: the form offers only one's own units.
    "portal:report POST": portal(
        "zhang",
        method="POST",
        code=BACK,
        res=200,
        data=lambda o: {"kind": "repair", "place": f"u{o['unit'].pk}", "description": "漏水"},
        note="wang's form does not offer zhang's unit: it comes back with an error and nothing is reported",
    ),
    "portal_catalog:order POST": portal(
        "zhang",
        method="POST",
        code=BACK,
        res=200,
        data=lambda o: {"unit": o["unit"].pk, "quantity": "1"},
        note="wang cannot order for zhang's unit",
    ),
    # Writes through the API to routes whose GET is above: creating in project A, changing A's objects.
    # Those who may not are refused by the service (403; 400 where the input is checked first) and write nothing.
    "projects-list POST": api(
        "hera", method="POST", code=ACTED, no=REFUSED, data={"code": "C", "name": "新项目", "kind": "residential"}
    ),
    "zones-list POST": api(
        "hera", method="POST", code=ACTED, no=REFUSED, data={"project": "A", "code": "A9", "name": "九区"}
    ),
    "departments-list POST": api(
        "hera", method="POST", code=ACTED, no=REFUSED, data={"project": "A", "code": "BA", "name": "保安部"}
    ),
    "staff-list POST": api(
        "hera",
        method="POST",
        code=ACTED,
        no=REFUSED,
        data={"username": "newbie", "name": "新人", "password": "Lantern-river-88"},
    ),
    "projects-detail PATCH": api(
        "hera",
        method="PATCH",
        code=ACTED,
        view="alice sam stella fred",
        denied=REFUSED,
        no=404,
        data={"name": "阳光花园二期"},
    ),
    "staff-detail PATCH": api(
        "hera", method="PATCH", code=ACTED, view="alice sam stella fred", denied=REFUSED, no=404, data={"name": "改名"}
    ),
    "customers-list POST": api(
        "alice sam hera", method="POST", code=ACTED, no=REFUSED, data={"project": "A", "name": "新客户"}
    ),
    "customers-detail PATCH": api(ARCHIVES, method="PATCH", code=ACTED, no=404, data={"remark": "测试"}),
    "assets-list POST": api(
        "alice sam hera",
        method="POST",
        code=ACTED,
        no=REFUSED,
        data={"project": "A", "name": "水泵", "serial_no": "WP-9"},
    ),
    "cases-list POST": api(
        DESK,
        method="POST",
        code=ACTED,
        no=REFUSED,
        data=lambda o: {
            "project": "A",
            "kind": "repair",
            "channel": "phone",
            "title": "测试",
            "unit": str(o["unit"].pk),
        },
    ),
    "cases-attachments POST": api(DESK, method="POST", code=ACTED, no=404),
    "canned-replies-detail DELETE": api(
        MANAGERS, method="DELETE", code=ACTED, view="alice stella fred", denied=REFUSED, no=404, res=403
    ),
    "surveys-list POST": api(
        MANAGERS,
        method="POST",
        code=ACTED,
        no=REFUSED,
        data={"project": "A", "name": "新调查", "period_start": "2026-12-01", "period_end": "2026-12-31"},
    ),
    "surveys-detail PUT": api(
        MANAGERS, method="PUT", code=ACTED, view="alice stella", denied=REFUSED, no=404, data={"name": "改名"}
    ),
    "visit-plans-list POST": api(
        MANAGERS,
        method="POST",
        code=ACTED,
        no=REFUSED,
        data=lambda o: {"zone": o["zone"].pk, "period_start": "2026-04-01", "period_end": "2026-06-30"},
    ),
    "visit-policies-list POST": api(
        MANAGERS, method="POST", code=ACTED, no=REFUSED, data={"project": "A", "kind": "complaint", "due_hours": 24}
    ),
    "visit-scripts-list POST": api(
        MANAGERS,
        method="POST",
        code=ACTED,
        no=REFUSED,
        data={"project": "A", "purpose": "case", "name": "话术", "body": "您好"},
    ),
    "canned-replies-list POST": api(
        ALL_STAFF,
        method="POST",
        code=ACTED,
        no=REFUSED,
        data={"scope": "personal", "title": "我的回复", "body": "您好"},
    ),
    "portal-cases-list POST": api(
        "zhang wang", method="POST", code=ACTED, data={"kind": "repair", "description": "测试"}
    ),
}


# How each URL's kwargs are filled: (object names needed, function of the side's objects).
def _pk(key: str) -> tuple[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]]:
    return (key,), lambda o: {"pk": o[key].pk}


def _number(extra: dict[str, Any] | None = None) -> tuple[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]]:
    return ("case",), lambda o: {"number": o["case"].number, **(extra or {})}


CASE_ACTIONS = tuple(a for actions in CASE_ACTION_ROLES.values() for a in actions)
API_CASE_ACTIONS = tuple(n for n in RULES if n.startswith("cases-") and " " not in n and RULES[n].method == "POST")

FILL: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "org:project_edit": _pk("project"),
    "org:zone_create": _pk("project"),
    "org:zone": _pk("zone"),
    "org:zone_edit": _pk("zone"),
    "org:zone_assign": _pk("zone"),
    "org:department_edit": _pk("department"),
    "org:staff_detail": _pk("staff"),
    "org:staff_edit": _pk("staff"),
    "org:role_add": _pk("staff"),
    "org:role_edit": _pk("membership"),
    "org:role_end": _pk("membership"),
    **{
        f"customers:{n}": _pk("customer")
        for n in ("detail", "edit", "contact_add", "id_reveal", "note_add", "grade_set", "key_set", "key_remove")
    },
    "customers:move_in": _pk("customer"),
    "customers:contact_remove": _pk("contact"),
    "customers:contact_reveal": _pk("contact"),
    "customers:move_out": _pk("occupancy"),
    "customers:unit_detail": _pk("unit"),
    "customers:asset_detail": _pk("asset"),
    "customers:asset_record_add": _pk("asset"),
    "customers:import_template": ((), lambda o: {"kind": "units"}),
    "tickets:detail": _number(),
    "tickets:panel": _number({"action": "comment"}),
    "tickets:file": (("case", "attachment"), lambda o: {"number": o["case"].number, "pk": o["attachment"].pk}),
    **{f"tickets:{a}": _number() for a in CASE_ACTIONS},
    "desk_settings:category_edit": _pk("category"),
    "desk_settings:category_toggle": _pk("category"),
    "desk_settings:policy_edit": _pk("sla_policy"),
    "desk_settings:day_edit": _pk("calendar_day"),
    "desk_settings:day_delete": _pk("calendar_day"),
    "notify:open": _pk("notification"),
    "notify:outbox_resend": _pk("delivery"),
    "visits:detail": _pk("visit"),
    "visits:finding_add": _pk("visit"),
    "visits:finding_case": (("visit", "finding"), lambda o: {"pk": o["visit"].pk, "finding": o["finding"].pk}),
    "visits:reassign": _pk("visit"),
    "visits:plan": _pk("visit_plan"),
    "visits:plan_close": _pk("visit_plan"),
    "visits:policy_edit": _pk("visit_policy"),
    "visits:script_edit": _pk("visit_script"),
    **{f"surveys:{n}": _pk("survey") for n in ("detail", "edit", "open", "close", "results", "responses")},
    "surveys:answer": _pk("response"),
    "surveys:decline": _pk("response"),
    **{f"reports:subscription_{n}": _pk("subscription") for n in ("edit", "toggle", "delete", "send")},
    "reports:report": ((), lambda o: {"key": "complaints-monthly"}),
    **{f"notices:{n}": _pk("notice") for n in ("detail", "edit", "publish", "withdraw", "export")},
    **{f"kb:faq_{n}": _pk("faq") for n in ("detail", "edit", "delete")},
    **{f"kb:phrase_{n}": _pk("phrase") for n in ("edit", "delete")},
    **{f"kb:canned_{n}": _pk("canned") for n in ("edit", "delete", "render")},
    "catalog:edit": _pk("item"),
    "catalog:toggle": _pk("item"),
    "portal_notices:detail": _pk("notice"),
    "portal_kb:faq_detail": _pk("faq"),
    "portal_catalog:order": _pk("item"),
    "portal:survey": _pk("response"),
    **{f"portal:{n}": _number() for n in ("case", "comment", "cancel", "rate")},
    "portal:file": (("case", "attachment"), lambda o: {"number": o["case"].number, "pk": o["attachment"].pk}),
    **{f"portal_admin:{n}": _pk("verification") for n in ("verification", "approve", "reject")},
    **{f"quality:{n}": _pk("check") for n in ("check", "check_review", "check_correct")},
    "quality:plan_edit": _pk("sampling_plan"),
    "quality:draw": _pk("draw"),
    "quality:point_edit": _pk("error_point"),
    "quality:rule_edit": _pk("review_rule"),
    **{f"{n}-detail": _pk(o) for n, o in (("projects", "project"), ("zones", "zone"), ("departments", "department"))},
    "staff-detail": _pk("staff"),
    "staff-roles": _pk("staff"),
    "staff-role-update": (
        ("staff", "membership"),
        lambda o: {"pk": o["staff"].pk, "membership_id": o["membership"].pk},
    ),
    "staff-role-end": (("staff", "membership"), lambda o: {"pk": o["staff"].pk, "membership_id": o["membership"].pk}),
    **{
        f"customers-{n}": _pk("customer")
        for n in ("detail", "credit-grade", "credit-history", "notes", "occupancies", "reveal")
    },
    **{f"units-{n}": _pk("unit") for n in ("detail", "move-in", "move-out")},
    **{f"assets-{n}": _pk("asset") for n in ("detail", "records")},
    **{f"cases-{n}": _number() for n in ("detail", "events", "attachments", "comments")},
    **{n: _number() for n in API_CASE_ACTIONS},
    **{f"return-visits-{n}": _pk("visit") for n in ("detail", "findings", "reassign", "record")},
    "return-visits-finding-to-case": (
        ("visit", "finding"),
        lambda o: {"pk": o["visit"].pk, "finding_id": o["finding"].pk},
    ),
    "visit-plans-detail": _pk("visit_plan"),
    "visit-plans-close": _pk("visit_plan"),
    "visit-policies-detail": _pk("visit_policy"),
    "visit-scripts-detail": _pk("visit_script"),
    **{f"surveys-{n}": _pk("survey") for n in ("detail", "close", "figures", "open", "responses")},
    **{f"survey-responses-{n}": _pk("response") for n in ("detail", "decline", "submit")},
    **{f"portal-cases-{n}": _number() for n in ("detail", "cancel", "comments", "rate")},
    "faq-detail": _pk("faq"),
    **{f"canned-replies-{n}": _pk("canned") for n in ("detail", "rendered")},
    "notices-detail": _pk("notice"),
    "portal-notices-detail": _pk("notice"),
    "portal-services-detail": _pk("item"),
    "portal-services-order": _pk("item"),
    "portal-service-orders-detail": _pk("order"),
}
