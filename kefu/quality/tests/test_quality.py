"""Quality control: from a known set of events, exactly the expected cycle times, error rates,
reconciliation and scorecard; reviews never by the operator; sampling reproduced from its seed."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu import testing as t
from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.org.roles import Role
from kefu.quality import reconcile, scorecard, selectors, services
from kefu.quality.models import Check, ErrorPoint, Reconciliation, ReviewPolicy, SamplingPlan, Stage, StageTime
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.visits import services as vs
from kefu.visits.models import ReturnVisit

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Beijing
DAY = dt.date(2026, 11, 2)
M = dt.timedelta(minutes=1)


def run_case(desk, new_case, start, dispatch_after, accept_after, resolve_after, **kw):
    case = new_case(now=start, **kw)
    t1 = start + dispatch_after
    case = ts.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, now=t1)
    t2 = t1 + accept_after
    case = ts.case_accept(actor=desk.fred, case=case, now=t2)
    return ts.case_resolve(actor=desk.fred, case=case, note="已修复", now=t2 + resolve_after)


def point(code):
    return ErrorPoint.objects.get(project__isnull=True, code=code)


def test_cycle_times_per_stage_and_operator_are_exact(desk, new_case):
    for i, (d, a, r) in enumerate([(10, 5, 60), (20, 15, 120), (60, 30, 240)]):
        run_case(desk, new_case, T0 + dt.timedelta(hours=i), d * M, a * M, r * M)
    rows = {(c.stage, c.label): c for c in selectors.cycle_times(None, DAY, DAY, by="operator")}
    dispatch = rows[(Stage.DISPATCH, "王丽")]
    assert (dispatch.n, dispatch.median, dispatch.p90, dispatch.max) == (3, 1200, 3600, 3600)
    accept = rows[(Stage.ACCEPT, "黄永刚")]
    assert (accept.n, accept.median, accept.p90, accept.max) == (3, 900, 1800, 1800)
    handle = rows[(Stage.HANDLE, "黄永刚")]
    assert (handle.median, handle.p90, handle.max) == (7200, 14400, 14400)
    by_category = selectors.cycle_times([desk.w.a.pk], DAY, DAY, by="category", stage=Stage.HANDLE)
    assert [(c.label, c.n, c.median) for c in by_category] == [("漏水渗水", 3, 7200)]
    assert selectors.cycle_times([desk.w.b.pk], DAY, DAY) == []


def test_nearest_rank_percentiles():
    assert [selectors.rank(0.5, n) for n in (1, 2, 3, 4, 10)] == [1, 1, 2, 2, 5]
    assert [selectors.rank(0.9, n) for n in (1, 2, 9, 10, 11)] == [1, 2, 9, 9, 10]


def test_the_visit_and_close_stages_and_the_first_reply_come_from_the_timeline(desk, new_case):
    case = new_case(kind="complaint", now=T0)
    ts.case_reply(actor=desk.w.carl, case=case, body="已收到，正在处理", now=T0 + 30 * M)
    case = ts.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, now=T0 + 40 * M)
    case = ts.case_accept(actor=desk.fred, case=case, now=T0 + 50 * M)
    case = ts.case_resolve(actor=desk.fred, case=case, note="已处理", now=T0 + 100 * M)
    visit = ReturnVisit.objects.get(case=case)
    vs.visit_record(actor=desk.w.carl, visit=visit, outcome="reached", score=5, solved=True, now=T0 + 160 * M)
    times = dict(StageTime.objects.filter(case=case).values_list("stage", "seconds"))
    assert times == {"first_reply": 1800, "dispatch": 2400, "accept": 600, "handle": 3000, "visit": 3600, "close": 0}
    assert StageTime.objects.get(case=case, stage="visit").operator == desk.w.carl


# Review ------------------------------------------------------------------------------------------------


def test_a_complaint_reply_is_reviewed_by_someone_else_and_never_by_its_operator(desk, new_case):
    case = new_case(kind="complaint", now=T0)
    ts.case_reply(actor=desk.w.carl, case=case, body="您好，已安排", now=T0 + 10 * M)
    check = Check.objects.get(case=case, subject="reply")
    assert (check.operator, check.reviewer, check.status) == (desk.w.carl, desk.w.quinn, Check.Status.PENDING)
    # A supervisor replying: the check goes to the QC reviewer, and the supervisor cannot review it himself.
    ts.case_reply(actor=desk.w.sam, case=case, body="主管补充答复", now=T0 + 20 * M)
    own = Check.objects.get(case=case, operator=desk.w.sam)
    with pytest.raises(Conflict) as e:
        services.check_pass(actor=desk.w.sam, check=own)
    assert e.value.code == "own_item"
    with pytest.raises(Forbidden):
        services.check_pass(actor=desk.w.alice, check=check)  # agents do not review
    services.check_pass(actor=desk.w.sam, check=check, now=T0 + 30 * M)  # another's item: fine


def test_a_returned_item_goes_back_to_its_operator_and_comes_back_corrected(desk, new_case):
    case = new_case(kind="complaint", now=T0)
    ts.case_reply(actor=desk.w.carl, case=case, body="知道了", now=T0 + 10 * M)
    check = Check.objects.get(case=case)
    with pytest.raises(ValidationFailed):
        services.check_return(actor=desk.w.quinn, check=check, findings=[])
    check = services.check_return(
        actor=desk.w.quinn,
        check=check,
        findings=[services.Finding(point("E06"), "答复过于简单生硬"), services.Finding(point("E04"), "未记录联系时间")],
        now=T0 + 60 * M,
    )
    assert check.status == Check.Status.RETURNED and check.errors.count() == 2
    assert sorted(check.errors.values_list("fatal", flat=True)) == [False, True]  # E06 is fatal by default
    with pytest.raises(Forbidden):
        services.check_correct(actor=desk.w.alice, check=check, note="改好了")
    check = services.check_correct(actor=desk.w.carl, check=check, note="已重新致电解释", now=T0 + 90 * M)
    assert check.status == Check.Status.CORRECTED
    check = services.check_pass(actor=desk.w.quinn, check=check, now=T0 + 100 * M)
    assert check.status == Check.Status.PASSED and check.rounds == 2
    assert check.checked_at == T0 + 60 * M  # counted once, when first checked
    history = [(h.label, h.who, h.at, len(h.errors)) for h in selectors.check_history(check)]
    assert history == [
        ("生成复核", "", T0 + 10 * M, 0),
        ("退回修改", "徐慧", T0 + 60 * M, 2),
        ("经办人已修改", "赵敏", T0 + 90 * M, 0),
        ("检查通过", "徐慧", T0 + 100 * M, 0),
    ]


def test_a_share_review_policy_picks_the_same_items_every_time(desk, new_case):
    ReviewPolicy.objects.filter(target="closure", kind="repair").update(mode="share", share_percent=50)
    picked = [services.in_share(f"closure:{i}", 50) for i in range(1000)]
    assert 400 < sum(picked) < 600
    assert picked == [services.in_share(f"closure:{i}", 50) for i in range(1000)]
    assert services.in_share("x", 100) and not services.in_share("x", 0)


def test_error_rates_per_operator_and_stage_count_checked_items_and_fatal_errors(desk, new_case):
    checks = []
    for i in range(4):
        case = new_case(kind="complaint", now=T0 + i * M)
        ts.case_reply(actor=desk.w.alice, case=case, body=f"答复{i}", now=T0 + (i + 10) * M)
        checks.append(Check.objects.get(case=case))
    later = T0 + dt.timedelta(hours=3)
    services.check_pass(actor=desk.w.quinn, check=checks[0], now=later)
    services.check_pass(actor=desk.w.quinn, check=checks[1], now=later)
    services.check_return(
        actor=desk.w.quinn, check=checks[2], findings=[services.Finding(point("E04"), "缺记录")], now=later
    )
    services.check_return(
        actor=desk.w.quinn,
        check=checks[3],
        findings=[services.Finding(point("E05"), "答复错误"), services.Finding(point("E09"), "电话录错")],
        now=later,
    )
    (alice,) = selectors.error_rates([desk.w.a.pk], DAY, DAY, by="operator")
    assert (alice.label, alice.checked, alice.errors, alice.fatal) == ("王丽", 4, 3, 1)
    assert alice.rate == 0.75 and alice.fatal_rate == 0.25
    stages = {r.key: r for r in selectors.error_rates([desk.w.a.pk], DAY, DAY, by="stage")}
    # Checked items are reply checks (first-reply stage); errors carry their point's stage, else the check's.
    assert stages["first_reply"].checked == 4 and stages["first_reply"].errors == 2  # E05, and E04 (no stage)
    assert stages["dispatch"].errors == 1 and stages["dispatch"].checked == 0  # E09
    assert selectors.error_rates([desk.w.b.pk], DAY, DAY) == []
    trend = selectors.error_trend([desk.w.a.pk], 3, DAY)
    assert [(r["month"], r["checked"], r["errors"]) for r in trend] == [(dt.date(2026, 11, 1), 4, 3)]


# Sampling ----------------------------------------------------------------------------------------------------


def closed_cases(desk, new_case, n, start=T0):
    out = []
    for i in range(n):
        case = run_case(desk, new_case, start + i * M, M, M, M)
        visit = ReturnVisit.objects.get(case=case)
        vs.visit_record(
            actor=desk.w.stella,
            visit=visit,
            outcome="reached",
            score=5,
            solved=True,
            now=start + 2 * dt.timedelta(hours=1),
        )
        out.append(case)
    return out


def test_a_sampling_draw_is_reproduced_from_its_stored_seed(desk, new_case):
    cases = closed_cases(desk, new_case, 12)
    plan = services.sampling_plan_save(
        actor=desk.w.mia,
        project=desk.w.a,
        name="每周抽检25%",
        target="closed_cases",
        mode="share",
        share_percent=25,
        reviewer_ids=[desk.w.quinn.pk],
    )
    draw = services.sampling_draw(
        actor=desk.w.quinn, plan=plan, period_start=DAY, period_end=DAY + dt.timedelta(days=6)
    )
    assert (draw.population, draw.drawn) == (12, 3)
    chosen = sorted(draw.checks.values_list("case_id", flat=True))
    assert set(chosen) <= {c.pk for c in cases}
    assert services.reproduce(draw) == chosen
    assert set(draw.checks.values_list("reviewer", flat=True)) == {desk.w.quinn.pk}
    assert set(draw.checks.values_list("operator", flat=True)) == {desk.fred.pk}
    with pytest.raises(Conflict):
        services.sampling_draw(actor=desk.w.quinn, plan=plan, period_start=DAY, period_end=DAY + dt.timedelta(days=6))
    with pytest.raises(Forbidden):
        services.sampling_draw(actor=desk.w.alice, plan=plan, period_start=DAY, period_end=DAY)


def test_per_operator_sampling_takes_n_per_week_from_each(desk, new_case):
    closed_cases(desk, new_case, 5)
    gus_case = new_case(now=T0)
    gus_case = ts.case_dispatch(actor=desk.w.alice, case=gus_case, assignee=desk.gus, now=T0 + M)
    gus_case = ts.case_accept(actor=desk.gus, case=gus_case, now=T0 + 2 * M)
    gus_case = ts.case_resolve(actor=desk.gus, case=gus_case, note="好了", now=T0 + 3 * M)
    ts.case_close(actor=desk.w.alice, case=gus_case, note="已回访", now=T0 + 4 * M)
    plan = services.sampling_plan_save(
        actor=desk.w.mia,
        project=desk.w.a,
        name="每人每周2件",
        target="closed_cases",
        mode="per_operator",
        per_operator=2,
    )
    draw = services.sampling_draw(
        actor=desk.w.mia, plan=plan, period_start=DAY, period_end=DAY + dt.timedelta(days=6), seed=5
    )
    per_operator = sorted(draw.checks.values_list("operator__username", flat=True))
    assert per_operator == ["fred", "fred", "gus"]


# Reconciliation --------------------------------------------------------------------------------------------------


def test_the_daily_reconciliation_balances_and_flags_a_case_changed_without_its_event(desk, new_case):
    before = T0 - dt.timedelta(days=1)
    waiting = new_case(now=before)  # open: 待派单
    busy = ts.case_dispatch(actor=desk.w.alice, case=new_case(now=before), assignee=desk.fred, now=before + M)
    done = run_case(desk, new_case, before, M, M, M)
    ts.case_close(actor=desk.w.alice, case=done, note="已回访", now=before + 10 * M)
    # The day: three new (one solved at once), the busy one resolved, the closed one reopened.
    for i in range(3):
        new_case(now=T0 + i * M, kind="consultation" if i == 0 else "repair")
    first = Case.objects.filter(kind="consultation").get()
    ts.case_solve_at_once(actor=desk.w.alice, case=first, answer="已解答", now=T0 + 5 * M)
    busy = ts.case_accept(actor=desk.fred, case=busy, now=T0 + 10 * M)
    ts.case_resolve(actor=desk.fred, case=busy, note="好了", now=T0 + 20 * M)
    ts.case_reopen(actor=desk.w.alice, case=done, reason="业主来电仍漏水", now=T0 + 30 * M)
    (row,) = reconcile.reconcile_day(desk.w.a, DAY, now=T0 + dt.timedelta(days=1))
    assert row.channel == "phone"
    assert (row.opening, row.new, row.reopened, row.finished, row.closing) == (2, 3, 1, 2, 4)
    assert row.closing_actual == 4 and not row.mismatch
    assert (row.state_new, row.state_in_progress, row.state_waiting, row.state_resolved) == (3, 1, 0, 1)
    assert row.closed_today == 1 and waiting.status == "new"
    # The next day carries the closing on; a status written behind the timeline's back is flagged.
    Case.objects.filter(pk=waiting.pk).update(status="closed")
    (next_day,) = reconcile.reconcile_day(desk.w.a, DAY + dt.timedelta(days=1))
    assert next_day.opening == 4 and next_day.closing == 4 and next_day.closing_actual == 3 and next_day.mismatch
    with pytest.raises(ValidationFailed):
        services.reconciliation_sign_off(actor=desk.w.sam, project=desk.w.a, day=DAY + dt.timedelta(days=1))
    assert services.reconciliation_sign_off(actor=desk.w.sam, project=desk.w.a, day=DAY) == 1
    with pytest.raises(Forbidden):
        services.reconciliation_sign_off(actor=desk.w.alice, project=desk.w.a, day=DAY + dt.timedelta(days=1), note="x")
    assert Reconciliation.objects.get(day=DAY).signed_off_by == desk.w.sam


# Stuck items ---------------------------------------------------------------------------------------------------


def test_stuck_items_are_those_idle_beyond_their_status_threshold(desk, new_case):
    old = new_case(now=T0)  # 待派单 since T0: threshold 2 h
    fresh = new_case(now=T0 + dt.timedelta(hours=3))
    busy = ts.case_dispatch(actor=desk.w.alice, case=new_case(now=T0), assignee=desk.fred, now=T0 + M)
    now = T0 + dt.timedelta(hours=3, minutes=30)
    result = selectors.stuck(desk.w.a.pk, now=now)
    assert [i.number for i in result.items if i.item == "new"] == [old.number]
    assert result.counts["new"] == 1 and result.counts["dispatched"] == 0  # dispatched: 4 h threshold
    services.threshold_save(actor=desk.w.mia, project=desk.w.a, item="dispatched", hours=3)
    result = selectors.stuck(desk.w.a.pk, now=now)
    assert [i.number for i in result.items if i.item == "dispatched"] == [busy.number]
    assert fresh.number not in {i.number for i in result.items}
    assert services.threshold_reset(actor=desk.w.mia, project=desk.w.a, item="dispatched") == 1
    assert selectors.thresholds(desk.w.a.pk)["dispatched"] == 4  # the shared threshold again
    with pytest.raises(Forbidden):
        services.threshold_reset(actor=desk.w.sam, project=desk.w.a, item="new")


# Scorecard -------------------------------------------------------------------------------------------------------


def test_the_monthly_scorecard_from_known_events(desk, new_case):
    # fred resolves three cases, one past its 24-hour resolution deadline; visits score 5, 4 and 2.
    c1 = run_case(desk, new_case, T0, M, M, 60 * M)
    c2 = run_case(desk, new_case, T0, M, M, 120 * M)
    c3 = run_case(desk, new_case, T0, M, M, dt.timedelta(hours=30))
    later = T0 + dt.timedelta(days=2)
    for case, score in ((c1, 5), (c2, 4), (c3, 2)):
        visit = ReturnVisit.objects.get(case=case, status="pending")
        vs.visit_record(actor=desk.w.stella, visit=visit, outcome="reached", score=score, solved=True,
                        reason="slow" if score <= 2 else "", now=later)  # fmt: skip
    # alice took in the three cases; a consultation she solved at once makes four, one at once.
    consult = new_case(kind="consultation", now=T0)
    ts.case_solve_at_once(actor=desk.w.alice, case=consult, answer="已解答", now=T0 + M)
    # QC: two of fred's items checked (the sampled cases), one error.
    plan = services.sampling_plan_save(
        actor=desk.w.mia, project=desk.w.a, name="抽检", target="closed_cases", mode="share", share_percent=100
    )
    draw = services.sampling_draw(
        actor=desk.w.quinn, plan=plan, period_start=DAY, period_end=DAY + dt.timedelta(days=5)
    )
    fred_checks = list(draw.checks.filter(operator=desk.fred).order_by("pk"))
    assert len(fred_checks) == 2  # c1 and c2 closed; c3 went back to rework (the third is alice's consultation)
    services.check_pass(actor=desk.w.quinn, check=fred_checks[0], now=later)
    services.check_return(
        actor=desk.w.quinn, check=fred_checks[1], findings=[services.Finding(point("E08"), "无签字")], now=later
    )
    services.weights_save(
        actor=desk.w.mia,
        project=desk.w.a,
        values={"workload": 20, "first_reply_on_time": 0, "resolution_on_time": 30, "first_contact_resolution": 0,
                "satisfaction": 30, "accuracy": 20, "visits_done": 0},
    )  # fmt: skip
    rows = {r.name: r for r in scorecard.scorecard(desk.w.a.pk, DAY)}
    fred = rows["黄永刚"]
    assert (fred.workload, fred.resolved, fred.resolved_on_time) == (3, 3, 2)
    assert (fred.visits_reached, fred.visits_satisfied, fred.mean_score) == (3, 2, 11 / 3)
    assert (fred.checked, fred.errors) == (2, 1)
    # workload 3/3 = 100, on time 2/3, satisfaction 2/3, accuracy 1/2:
    expected = (20 * 100 + 30 * 200 / 3 + 30 * 200 / 3 + 20 * 50) / 100
    assert fred.score == pytest.approx(expected)
    alice = rows["王丽"]
    assert (alice.taken_in, alice.solved_at_once, alice.workload) == (4, 1, 1)
    assert alice.values["first_contact_resolution"] == 25.0
    stella = rows["孙浩"]
    assert stella.visits_done == 3
    headers, table = scorecard.as_table(list(rows.values()))
    assert headers[0] == "员工" and len(table) == len(rows)
    with pytest.raises(ValidationFailed):
        services.weights_save(actor=desk.w.mia, project=desk.w.a, values={"workload": 50})
    with pytest.raises(Forbidden):
        services.weights_save(actor=t.staff(Role.QC_REVIEWER, desk.w.a), project=desk.w.a, values={})


def test_sampling_plans_refuse_bad_input_and_writes_nothing(desk):
    with pytest.raises(ValidationFailed) as e:
        services.sampling_plan_save(
            actor=desk.w.mia, project=desk.w.a, name="", target="x", mode="share", share_percent=0
        )
    assert {"name", "target", "share_percent"} <= set(e.value.fields)
    assert not SamplingPlan.objects.exists()
