"""The QC pages through the Django test client, by the named users of `world`: who may see the sheet, a check,
sampling and the settings; pass and return through the forms; a review by the operator refused; the operator's
correction; a plan created and drawn, reproduced from its seed; the settings forms; the sheet's export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from kefu.quality import services
from kefu.quality.models import (
    Check,
    CheckError,
    ErrorPoint,
    ReviewPolicy,
    SamplingDraw,
    SamplingPlan,
    StuckThreshold,
)
from kefu.tickets import services as ts
from kefu.visits import services as vs
from kefu.visits.models import ReturnVisit

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Beijing
DAY = dt.date(2026, 11, 2)
SUNDAY = DAY + dt.timedelta(days=6)
M = dt.timedelta(minutes=1)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def point(code):
    return ErrorPoint.objects.get(project__isnull=True, code=code)


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def complaint_reply(new_case, actor, body="您好，已安排师傅上门", at=T0):
    case = new_case(kind="complaint", now=at, title="投诉保洁不及时")
    ts.case_reply(actor=actor, case=case, body=body, now=at + 10 * M)
    return Check.objects.get(case=case, subject="reply")


def closed_repairs(desk, new_case, n, start=T0):
    """Repairs handled by fred and closed by stella's return visit (closure review switched off)."""
    w = desk.w
    out = []
    for i in range(n):
        at = start + i * M
        case = new_case(now=at, title=f"厨房水龙头漏水{i}")
        case = ts.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, now=at + M)
        case = ts.case_accept(actor=desk.fred, case=case, now=at + 2 * M)
        case = ts.case_resolve(actor=desk.fred, case=case, note="已更换阀芯", now=at + 3 * M)
        visit = ReturnVisit.objects.get(case=case)
        vs.visit_record(
            actor=w.stella, visit=visit, outcome="reached", score=5, solved=True, now=at + dt.timedelta(hours=2)
        )
        out.append(case)
    return out


@pytest.fixture
def sheet(desk, new_case):
    """Project A: two complaint replies under review (carl's, alice's), two closed repairs of fred's and their
    visits by stella, each sampled (plans at 100%). Project B: bob's reply (B has no reviewer)."""
    w = desk.w
    ReviewPolicy.objects.filter(target="closure").update(mode="none")
    s = SimpleNamespace(w=w, desk=desk)
    s.carl = complaint_reply(new_case, w.carl, at=T0)
    s.alice = complaint_reply(new_case, w.alice, body="好的知道了", at=T0 + 20 * M)
    closed_repairs(desk, new_case, 2, start=T0 + dt.timedelta(hours=1))
    for name, target in (("已关闭工单全检", "closed_cases"), ("回访全检", "visits")):
        plan = services.sampling_plan_save(
            actor=w.mia,
            project=w.a,
            name=name,
            target=target,
            mode="share",
            share_percent=100,
            reviewer_ids=[w.quinn.pk],
        )
        services.sampling_draw(
            actor=w.quinn, plan=plan, period_start=DAY, period_end=SUNDAY, seed=7, now=T0 + dt.timedelta(days=1)
        )
    s.fred = Check.objects.filter(operator=desk.fred).order_by("pk")
    s.stella = Check.objects.filter(operator=w.stella).order_by("pk")
    b_case = ts.case_create(
        actor=w.bob,
        project=w.b,
        kind="complaint",
        channel="phone",
        title="空调不制冷",
        category=desk.attitude,
        unit=w.unit_b,
        customer=w.cust_b,
        now=T0,
    )
    ts.case_reply(actor=w.bob, case=b_case, body="已通知工程部", now=T0 + M)
    s.bob = Check.objects.get(case=b_case)
    return s


def rows(response) -> list[int]:
    return [c.pk for c in response.context["page"].object_list]


def review(client, check, decision="pass", findings=(), **data):
    """POST the review form: findings are (point, cause, fatal, operator) rows."""
    post = {
        "content_checked": data.pop("content_checked", check.content_checked),
        "quantity_checked": data.pop("quantity_checked", 1),
        "note": data.pop("note", ""),
        "decision": decision,
        "version": data.pop("version", check.version),
        "err-TOTAL_FORMS": str(max(1, len(findings))),
        "err-INITIAL_FORMS": "0",
        "err-MIN_NUM_FORMS": "0",
        "err-MAX_NUM_FORMS": "20",
    }
    for i, (p, cause, fatal, operator) in enumerate(findings):
        post[f"err-{i}-point"] = str(p.pk) if p else ""
        post[f"err-{i}-cause"] = cause
        if fatal:
            post[f"err-{i}-fatal"] = "on"
        post[f"err-{i}-operator"] = str(operator.pk) if operator else ""
    post.update(data)
    return client.post(f"/quality/checks/{check.pk}/review/", post)


# Who may see what --------------------------------------------------------------------------------------


def test_qc_staff_of_a_see_the_whole_sheet_of_a_and_operators_only_their_own_items(sheet, as_user):
    w = sheet.w
    a_checks = set(Check.objects.filter(project=w.a).values_list("pk", flat=True))
    assert len(a_checks) == 6
    for user in (w.quinn, w.sam, w.mia):
        r = as_user(user).get("/quality/checks/?queue=all")
        assert r.status_code == 200 and set(rows(r)) == a_checks, user.username
        assert as_user(user).get(f"/quality/checks/{sheet.carl.pk}/").status_code == 200
        assert as_user(user).get(f"/quality/checks/{sheet.bob.pk}/").status_code == 404
    mine = as_user(w.quinn).get("/quality/checks/?queue=mine")
    assert set(rows(mine)) == a_checks  # quinn is every item's reviewer in A
    own = {
        w.alice: {sheet.alice.pk},
        w.carl: {sheet.carl.pk},
        sheet.desk.fred: {c.pk for c in sheet.fred},
        w.stella: {c.pk for c in sheet.stella},
    }
    for user, expected in own.items():
        c = as_user(user)
        r = c.get("/quality/checks/?queue=all")
        assert r.status_code == 200 and set(rows(r)) == expected, user.username
        assert [q for q, _label in r.context["queues"]] == ["returned", "done", "all"]
        assert c.get(f"/quality/checks/{min(expected)}/").status_code == 200
        other = sheet.carl if user != w.carl else sheet.alice
        assert c.get(f"/quality/checks/{other.pk}/").status_code == 404
        for url in ("/quality/sampling/", "/quality/settings/", f"/quality/sampling/draws/{sheet.fred[0].draw_id}/"):
            assert c.get(url).status_code == 404, (user.username, url)
    # The manager of B: none of A's checks, plans or draws.
    mike = as_user(w.mike)
    assert rows(mike.get("/quality/checks/?queue=all")) == [sheet.bob.pk]
    assert mike.get(f"/quality/checks/{sheet.carl.pk}/").status_code == 404
    assert mike.get(f"/quality/sampling/draws/{sheet.fred[0].draw_id}/").status_code == 404
    r = mike.get("/quality/sampling/")
    assert r.status_code == 200 and r.context["plans"] == [] and r.context["page"].paginator.count == 0
    assert mike.get(f"/quality/sampling/?plan={sheet.fred[0].draw.plan_id}").status_code == 404
    # Head office reaches both projects; a QC reviewer may sample but not change settings.
    hera = as_user(w.hera)
    for check in (sheet.carl, sheet.bob):
        assert hera.get(f"/quality/checks/{check.pk}/").status_code == 200
    assert as_user(w.quinn).get("/quality/sampling/").status_code == 200
    assert as_user(w.quinn).get("/quality/settings/").status_code == 404
    assert as_user(w.mia).get("/quality/settings/").status_code == 200


def test_the_sheet_shows_the_paper_columns_and_filters(sheet, as_user):
    w = sheet.w
    services.check_return(
        actor=w.quinn,
        check=sheet.alice,
        findings=[services.Finding(point("E06"), "答复生硬，未致歉"), services.Finding(point("E04"), "未记录联系时间")],
        now=T0 + dt.timedelta(hours=3),
    )
    c = as_user(w.quinn)
    r = c.get("/quality/checks/?queue=all&source=review")
    assert set(rows(r)) == {sheet.carl.pk, sheet.alice.pk}
    html = r.content.decode()
    row = html[html.index(f'data-check="{sheet.alice.pk}"') :].split("</tr>")[0]
    for text in (sheet.alice.case.number, "复核", "答复", "受理→首次答复", "答复内容、用语、时限", "致命 1"):
        assert text in row, text
    assert "答复生硬，未致歉" in row and "未记录联系时间" in row and "王丽" in row and "徐慧" in row
    assert rows(c.get("/quality/checks/?queue=returned")) == [sheet.alice.pk]
    assert set(rows(c.get("/quality/checks/?queue=all&subject=visit"))) == {x.pk for x in sheet.stella}
    assert set(rows(c.get(f"/quality/checks/?queue=all&operator={sheet.desk.fred.pk}"))) == {x.pk for x in sheet.fred}
    assert rows(c.get(f"/quality/checks/?queue=all&q={sheet.carl.case.number}")) == [sheet.carl.pk]
    assert rows(c.get("/quality/checks/?queue=all&stage=visit&source=review")) == []
    sampled = {x.pk for x in [*sheet.fred, *sheet.stella]}  # drawn the next day
    assert set(rows(c.get("/quality/checks/?queue=all&date_from=2026-11-03"))) == sampled
    assert set(rows(c.get("/quality/checks/?queue=all&date_from=2026-11-02&date_to=2026-11-02"))) == {
        sheet.carl.pk,
        sheet.alice.pk,
    }
    partial = c.get("/quality/checks/?queue=all&source=sampling", HTTP_HX_REQUEST="true")  # the filter bar's swap
    assert partial.content.decode().startswith('<div id="check-table">') and len(rows(partial)) == 4
    # The operator finds the returned item in his own queue.
    assert rows(as_user(w.alice).get("/quality/checks/?queue=returned")) == [sheet.alice.pk]
    assert rows(as_user(w.carl).get("/quality/checks/?queue=returned")) == []


def test_the_xlsx_has_the_rows_of_the_list_with_the_same_columns(sheet, as_user):
    w = sheet.w
    services.check_return(
        actor=w.quinn,
        check=sheet.carl,
        findings=[services.Finding(point("E05"), "答复内容与规定不符")],
        now=T0 + dt.timedelta(hours=3),
    )
    c = as_user(w.sam)
    listed = c.get("/quality/checks/?queue=all&source=review")
    r = c.get("/quality/checks/?queue=all&source=review&export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    values = list(ws.values)
    assert values[0][:8] == ("日期", "项目", "来源", "工单号", "检查对象", "环节", "检查内容", "检查数量")
    numbers = [v[3] for v in values[1:]]
    assert numbers == [c.case.number for c in listed.context["page"].object_list]
    carl_row = next(v for v in values[1:] if v[3] == sheet.carl.case.number)
    assert carl_row[8:14] == (1, 1, "【致命】E05 答复内容不准确：答复内容与规定不符", "赵敏", "徐慧", "退回修改")
    # An operator's export holds only his own lines.
    mine = load_workbook(BytesIO(as_user(w.alice).get("/quality/checks/?queue=all&export=xlsx").content)).active
    assert [v[3] for v in list(mine.values)[1:]] == [sheet.alice.case.number]


# Reviewing -------------------------------------------------------------------------------------------------


def test_a_reviewer_passes_an_item_through_the_form(sheet, as_user):
    w = sheet.w
    c = as_user(w.quinn)
    page = c.get(f"/quality/checks/{sheet.carl.pk}/")
    html = page.content.decode()
    assert "您好，已安排师傅上门" in html  # the reviewed reply
    assert "通过" in html and "退回修改" in html
    r = review(c, sheet.carl, "pass", quantity_checked=3, note="答复及时、用语规范")
    assert r.status_code == 302
    check = Check.objects.get(pk=sheet.carl.pk)
    assert (check.status, check.reviewer, check.quantity_checked, check.note) == (
        "passed",
        w.quinn,
        3,
        "答复及时、用语规范",
    )
    assert "已检查通过" in texts(c.get(r["Location"]))
    # Passed: the form is gone; a second pass is refused by the service.
    r = review(c, check, "pass")
    assert "该记录当前不能检查" in r.content.decode()


def test_a_reviewer_returns_an_item_with_errors_and_bad_input_writes_nothing(sheet, as_user):
    w = sheet.w
    c = as_user(w.quinn)
    check = sheet.alice
    # Nothing to return with; a point without a cause; a cause without a point; a stale version.
    r = review(c, check, "return", [(None, "", False, None)])
    assert "退回时请至少登记一个差错点" in r.content.decode()
    r = review(c, check, "return", [(point("E06"), "", True, None)])
    assert "第 1 个差错：请填写差错原因" in r.content.decode()
    r = review(c, check, "return", [(None, "语气生硬", True, None)])
    assert "请选择差错点" in r.content.decode()
    r = review(c, check, "return", [(point("E06"), "语气生硬", True, None)], version=check.version + 5)
    assert "该记录已被他人更新，请刷新后重试" in r.content.decode()
    r = review(c, check, "return", [(point("E06"), "语气生硬", True, None)], quantity_checked=0)
    assert "检查数量须在 1-10000 之间" in r.content.decode()
    assert CheckError.objects.count() == 0 and Check.objects.get(pk=check.pk).status == "pending"
    # Two errors: one fatal (ticked), one not, the second charged to carl.
    r = review(
        c,
        check,
        "return",
        [(point("E06"), "语气生硬，未致歉", True, None), (point("E04"), "未记录联系时间", False, w.carl)],
        note="请重新致电业主",
    )
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.status == "returned" and check.reviewer == w.quinn
    errors = list(check.errors.order_by("pk").values_list("point__code", "fatal", "cause", "operator__username"))
    assert errors == [("E06", True, "语气生硬，未致歉", "alice"), ("E04", False, "未记录联系时间", "carl")]
    page = c.get(r["Location"])
    assert "已退回经办人修改，登记差错 2 个" in texts(page)
    assert "语气生硬，未致歉" in page.content.decode()


def test_the_return_form_offers_the_active_points_with_their_fatal_default_and_the_operator(sheet, as_user):
    w = sheet.w
    ErrorPoint.objects.filter(code="E12", project__isnull=True).update(is_active=False)
    ErrorPoint.objects.create(project=w.b, code="B01", name="B项目差错", fatal=False)
    r = as_user(w.quinn).get(f"/quality/checks/{sheet.alice.pk}/")
    form = r.context["findings"].forms[0]
    codes = [p.code for p in form.fields["point"].queryset]
    assert "E06" in codes and "E12" not in codes and "B01" not in codes
    assert r.context["fatal_map"][str(point("E06").pk)] is True
    assert r.context["fatal_map"][str(point("E04").pk)] is False
    assert form.initial["operator"] == w.alice.pk


def test_a_review_by_the_operator_is_refused_with_the_message_and_writes_nothing(sheet, new_case, as_user):
    w = sheet.w
    own = complaint_reply(new_case, w.sam, body="主管补充答复", at=T0 + dt.timedelta(hours=4))
    assert own.operator == w.sam and own.reviewer == w.quinn
    c = as_user(w.sam)
    page = c.get(f"/quality/checks/{own.pk}/")
    assert page.context["may_review"] is False
    assert "不能复核自己经办的事项" in page.content.decode()
    for decision, findings in (("pass", ()), ("return", [(point("E04"), "记录不全", False, None)])):
        r = review(c, own, decision, findings)
        assert r.status_code == 200 and "不能复核自己经办的事项" in r.content.decode()
    own.refresh_from_db()
    assert (own.status, own.version, own.checked_at) == ("pending", 1, None)
    assert not CheckError.objects.filter(check_item=own).exists()
    # An agent reviewing her own reply is refused too (she does not review at all).
    r = review(as_user(w.alice), sheet.alice, "pass")
    assert "您没有权限执行此操作" in r.content.decode()
    assert Check.objects.get(pk=sheet.alice.pk).status == "pending"


def test_the_operator_corrects_a_returned_item_and_the_reviewer_checks_it_again(sheet, as_user):
    w = sheet.w
    check = services.check_return(
        actor=w.quinn, check=sheet.alice, findings=[services.Finding(point("E06"), "语气生硬")], now=T0 + M * 60
    )
    alice = as_user(w.alice)
    page = alice.get(f"/quality/checks/{check.pk}/")
    assert page.context["may_correct"] and not page.context["may_review"]
    r = alice.post(f"/quality/checks/{check.pk}/correct/", {"note": "  ", "version": check.version})
    assert "请填写此项" in r.content.decode()
    r = alice.post(f"/quality/checks/{check.pk}/correct/", {"note": "已致电致歉", "version": check.version - 1})
    assert "该记录已被他人更新，请刷新后重试" in r.content.decode()
    assert Check.objects.get(pk=check.pk).status == "returned"
    assert as_user(w.carl).post(f"/quality/checks/{check.pk}/correct/", {"note": "x"}).status_code == 404
    r = as_user(w.alice).post(
        f"/quality/checks/{check.pk}/correct/", {"note": "已重新致电致歉", "version": check.version}
    )
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.status == "corrected" and check.log.get(kind="corrected").note == "已重新致电致歉"
    page = as_user(w.quinn).get(f"/quality/checks/{check.pk}/")
    assert page.context["may_review"]
    history = [h.label for h in page.context["history"]]
    assert history == ["生成复核", "退回修改", "经办人已修改"]
    r = review(as_user(w.quinn), check, "pass", note="已复查，修改到位")
    check.refresh_from_db()
    assert check.status == "passed" and check.rounds == 2
    page = as_user(w.alice).get(f"/quality/checks/{check.pk}/")
    history = [(h.label, h.who) for h in page.context["history"]]
    assert history == [("生成复核", ""), ("退回修改", "徐慧"), ("经办人已修改", "王丽"), ("检查通过", "徐慧")]
    assert "已复查，修改到位" in page.content.decode()


# Sampling -------------------------------------------------------------------------------------------------------


def plan_post(**data):
    post = {
        "plan-name": "每周抽检",
        "plan-target": "closed_cases",
        "plan-mode": "share",
        "plan-share_percent": "50",
        "plan-per_operator": "3",
        "plan-kind": "",
        "plan-is_active": "on",
    }
    post.update({f"plan-{k}": v for k, v in data.items()})
    return post


def test_a_manager_creates_a_plan_and_a_reviewer_draws_it_and_the_draw_is_reproduced(desk, new_case, as_user):
    w = desk.w
    ReviewPolicy.objects.filter(target="closure").update(mode="none")
    closed_repairs(desk, new_case, 6)
    mia = as_user(w.mia)
    page = mia.get("/quality/sampling/")
    offered = {u.username for u in page.context["plan_form"].fields["reviewers"].queryset}
    assert offered == {"sam", "mia", "quinn"}  # the project's QC-capable staff
    # Bad input: nothing written.
    r = mia.post("/quality/sampling/plans/", plan_post(share_percent="0"))
    assert "抽检比例须在 1-100 之间" in r.content.decode()
    r = mia.post("/quality/sampling/plans/", plan_post(name="", reviewers=[str(w.quinn.pk)]))
    assert "请填写此项" in r.content.decode()
    r = mia.post("/quality/sampling/plans/", plan_post(reviewers=[str(w.alice.pk)]))
    assert "质检员须为该项目有质检权限的员工" in r.content.decode()
    assert not SamplingPlan.objects.exists()
    assert as_user(w.quinn).post("/quality/sampling/plans/", plan_post()).status_code == 404
    mia = as_user(w.mia)  # (one test client: log mia in again)
    r = mia.post("/quality/sampling/plans/", plan_post(reviewers=[str(w.quinn.pk)]))
    assert r.status_code == 302
    plan = SamplingPlan.objects.get()
    assert (plan.project, plan.share_percent, list(plan.reviewers.all())) == (w.a, 50, [w.quinn])
    # The draw form defaults to last week, Monday to Sunday.
    quinn = as_user(w.quinn)
    form = quinn.get("/quality/sampling/").context["draw_form"]
    start, end = form.initial["period_start"], form.initial["period_end"]
    assert start.weekday() == 0 and end - start == dt.timedelta(days=6) and end < dt.date.today()
    r = quinn.post(
        "/quality/sampling/draws/", {"draw-plan": plan.pk, "draw-period_start": SUNDAY, "draw-period_end": DAY}
    )
    assert "结束日期不能早于开始日期" in r.content.decode() and not SamplingDraw.objects.exists()
    r = quinn.post(
        "/quality/sampling/draws/", {"draw-plan": plan.pk, "draw-period_start": DAY, "draw-period_end": SUNDAY}
    )
    draw = SamplingDraw.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/quality/sampling/draws/{draw.pk}/"
    assert (draw.population, draw.drawn, draw.drawn_by) == (6, 3, w.quinn)
    page = quinn.get(r["Location"])
    assert "已抽取 3 件（总体 6 件），已分派给质检员" in texts(page)
    assert len(page.context["checks"]) == 3 and page.context["reproduced"] is None
    page = quinn.get(f"{r['Location']}?reproduce=1")
    assert page.context["reproduced"]["same"] is True
    assert "复现一致" in page.content.decode() and "reproduce same" in page.content.decode()
    r = quinn.post(
        "/quality/sampling/draws/", {"draw-plan": plan.pk, "draw-period_start": DAY, "draw-period_end": SUNDAY}
    )
    assert "该方案在此期间已抽取过" in r.content.decode() and SamplingDraw.objects.count() == 1
    listing = quinn.get("/quality/sampling/")
    assert str(draw.seed) in listing.content.decode()
    # Editing the plan keeps its project.
    r = as_user(w.mia).post(
        f"/quality/sampling/plans/{plan.pk}/", plan_post(name="每人每周2件", mode="per_operator", per_operator="2")
    )
    plan.refresh_from_db()
    assert r.status_code == 302 and (plan.name, plan.mode, plan.per_operator) == ("每人每周2件", "per_operator", 2)


def test_the_reproduce_line_turns_red_when_the_stored_items_differ(desk, new_case, as_user):
    w = desk.w
    ReviewPolicy.objects.filter(target="closure").update(mode="none")
    cases = closed_repairs(desk, new_case, 4)
    plan = services.sampling_plan_save(
        actor=w.mia, project=w.a, name="抽检", target="closed_cases", mode="share", share_percent=50
    )
    draw = services.sampling_draw(actor=w.quinn, plan=plan, period_start=DAY, period_end=SUNDAY, seed=3)
    drawn = set(draw.checks.values_list("case_id", flat=True))
    other = next(c for c in cases if c.pk not in drawn)
    Check.objects.filter(pk=draw.checks.first().pk).update(case=other)  # a record changed behind the draw's back
    page = as_user(w.quinn).get(f"/quality/sampling/draws/{draw.pk}/?reproduce=1")
    assert page.context["reproduced"]["same"] is False
    assert "复现不一致" in page.content.decode() and "reproduce differs" in page.content.decode()


# Settings -----------------------------------------------------------------------------------------------------


def point_post(**data):
    post = {"point-scope": "project", "point-code": "A01", "point-name": "未按规定报备", "point-stage": "handle"}
    post.update({"point-sort": "20", "point-is_active": "on"})
    post.update({f"point-{k}": v for k, v in data.items()})
    return post


def test_error_points_are_added_and_edited_and_shared_ones_only_by_head_office(world, as_user):
    mia = as_user(world.mia)
    r = mia.post("/quality/settings/points/", point_post(code="", name=""))
    assert "请填写此项" in r.content.decode() and not ErrorPoint.objects.filter(project=world.a).exists()
    r = mia.post("/quality/settings/points/", point_post(fatal="on"))
    assert r.status_code == 302
    own = ErrorPoint.objects.get(project=world.a)
    assert (own.code, own.name, own.stage, own.fatal, own.sort) == ("A01", "未按规定报备", "handle", True, 20)
    r = mia.post("/quality/settings/points/", point_post())
    assert "编码已存在" in r.content.decode() and ErrorPoint.objects.filter(project=world.a).count() == 1
    r = mia.post(f"/quality/settings/points/{own.pk}/", point_post(name="未按规定报备主管"))
    own.refresh_from_db()
    assert r.status_code == 302 and own.name == "未按规定报备主管" and own.fatal is False
    shared = point("E01")
    page = mia.get("/quality/settings/")
    assert (shared, False) in page.context["points"] and (own, True) in page.context["points"]
    assert mia.get(f"/quality/settings/?point={own.pk}").context["point_form"].initial["code"] == "A01"
    assert mia.get(f"/quality/settings/?point={shared.pk}").status_code == 404  # shown read-only
    r = mia.post(f"/quality/settings/points/{shared.pk}/", point_post(code="E01", name="改名"))
    assert "您没有权限执行此操作" in r.content.decode() and point("E01").name == "类型或分类错误"
    r = mia.post("/quality/settings/points/", point_post(scope="shared", code="S99"))
    assert "您没有权限执行此操作" in r.content.decode() and not ErrorPoint.objects.filter(code="S99").exists()
    r = as_user(world.hera).post(f"/quality/settings/points/{shared.pk}/", point_post(code="E01", name="类型/分类错误"))
    assert r.status_code == 302 and point("E01").name == "类型/分类错误"
    # Project B's manager neither sees nor edits A's point.
    assert as_user(world.mike).post(f"/quality/settings/points/{own.pk}/", point_post()).status_code == 404


def test_review_rules_and_stuck_thresholds_validate_and_write_nothing_on_error(world, as_user):
    mia = as_user(world.mia)
    rule = {"rule-scope": "project", "rule-target": "reply", "rule-kind": "repair", "rule-mode": "share"}
    r = mia.post("/quality/settings/rules/", {**rule, "rule-share_percent": "0", "rule-is_active": "on"})
    assert "复核比例须在 1-100 之间" in r.content.decode()
    assert not ReviewPolicy.objects.filter(project=world.a).exists()
    r = mia.post("/quality/settings/rules/", {**rule, "rule-share_percent": "30", "rule-is_active": "on"})
    assert r.status_code == 302
    saved = ReviewPolicy.objects.get(project=world.a)
    assert (saved.target, saved.kind, saved.mode, saved.share_percent) == ("reply", "repair", "share", 30)
    r = mia.post("/quality/settings/rules/", {**rule, "rule-share_percent": "40"})
    assert "已有相同范围的复核规则" in r.content.decode()
    r = mia.post(f"/quality/settings/rules/{saved.pk}/", {**rule, "rule-mode": "none", "rule-is_active": "on"})
    saved.refresh_from_db()
    assert r.status_code == 302 and (saved.mode, saved.share_percent) == ("none", 0)
    # Thresholds: one bad value and nothing is written, even the good ones.
    r = mia.post("/quality/settings/thresholds/", {"stuck-new": "1", "stuck-waiting": "0"})
    assert "阈值须在 1-2160 小时之间" in r.content.decode()
    assert not StuckThreshold.objects.filter(project=world.a).exists()
    r = mia.post("/quality/settings/thresholds/", {"stuck-new": "abc"})
    assert "请输入整数（小时）" in r.content.decode()
    r = mia.post("/quality/settings/thresholds/", {"stuck-new": "1", "stuck-waiting": "96", "stuck-qc": ""})
    assert r.status_code == 302
    own = dict(StuckThreshold.objects.filter(project=world.a).values_list("item", "hours"))
    assert own == {"new": 1, "waiting": 96}
    page = mia.get("/quality/settings/")
    effective = {row["item"]: row["effective"] for row in page.context["thresholds"]}
    assert effective["new"] == 1 and effective["qc"] == 48  # the shared default stays for the rest
    assert StuckThreshold.objects.get(project__isnull=True, item="new").hours == 2
    # Emptying the project's own value goes back to the shared threshold.
    r = mia.post("/quality/settings/thresholds/", {"stuck-new": "", "stuck-waiting": "96"})
    assert r.status_code == 302
    assert dict(StuckThreshold.objects.filter(project=world.a).values_list("item", "hours")) == {"waiting": 96}
    # A QC reviewer and an agent have no settings page and cannot post to it.
    for user in (world.quinn, world.alice):
        assert as_user(user).post("/quality/settings/thresholds/", {"stuck-new": "5"}).status_code == 404
