"""Demo return visits and visit plans for `manage.py seed_demo`, made through kefu.visits.services.

- The call-back after each resolved case (`CallBacks`, the hook kefu/tickets/demo.py calls after a
  resolution): made by the visit's assignee (the zone's steward, the complaint officer, else a supervisor)
  during office hours. Most customers are reached and satisfied; about 4% are not, which sends the case
  back for rework: the handler resolves it again and a second call closes it. Some calls go unanswered
  and are retried after the policy's interval (three in a row: unreachable), a few customers ask to be
  called back later, a few numbers are wrong and a few customers refuse. A resident with a login rates
  some of their cases first (a consultation rated so needs no call). Cases resolved in the last two and a
  half days still wait for their call (the oldest of them overdue), so the stewards' today list is not empty.
- Quarterly visit plans for every zone of 阳光花园 with a steward: the previous three quarters (finished,
  then closed) and the current one (the days before today are done). Findings in several categories; the
  recent ones partly turned into cases, which the desk then handles like any other case.
- The supervisors' sign-off of about 70% of the finished visits, a day or a few after the call.

Fixed random seeds and the demo clock of kefu/tickets/demo.py: the same choices on every run, relative to
today.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from django.db.models import Count
from django.utils import timezone

from kefu.notify.models import Notification
from kefu.org.models import Membership, Project, User, Zone
from kefu.org.roles import Role
from kefu.tickets import services as ts
from kefu.tickets.demo import DAYS, CaseMaker, Clock, Stop, case_maker, mark_done_read, simulated, weighted
from kefu.tickets.models import Case
from kefu.tickets.states import Kind, Status

from . import services
from .models import DissatisfactionReason, FindingCategory, ReturnVisit, VisitAttempt, VisitPlan

SEED = 20261122
RECENT = dt.timedelta(hours=60)  # cases resolved since then still wait for their call (some already overdue)
SIGN_OFF_SHARE = 0.72  # of the visits finished before the last few days
Out = VisitAttempt.Outcome
Reason = DissatisfactionReason
FINISHED = [ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.REFUSED]

# How a visit goes: reached at once, after one or two unanswered calls, not at all, ...
CASE_STORIES = [
    ("reached", 86),
    ("retry", 6),
    ("unreachable", 2.5),
    ("callback", 2.5),
    ("wrong_number", 1.2),
    ("refused", 1.3),
]
PLAN_STORIES = [("reached", 84), ("retry", 6), ("unreachable", 4), ("callback", 2), ("wrong_number", 1), ("refused", 3)]
CALL_HOURS = [(9, 3), (10, 4), (11, 3), (14, 3), (15, 4), (16, 4), (17, 3), (18, 2), (19, 2)]
VISIT_HOURS = [(9, 2), (10, 3), (11, 2), (14, 2), (15, 3), (16, 3), (17, 2), (18, 3), (19, 3)]

NO_ANSWER_NOTES = ["无人接听", "无人接听", "关机", "占线", "响铃后挂断"]
WRONG_NUMBER_NOTES = ["号码为空号", "接听者称不认识该业主，号码可能已更换"]
REFUSED_NOTES = ["业主表示很忙，不接受回访", "业主称不需要回访，已挂断"]
CALLBACK_NOTES = ["业主正在开会，约定稍后再联系", "业主在外地，约定明天再回电", "业主正在开车，约定晚些时候再联系"]
PATROL_NOTE = "巡查发现的问题，无报事人，现场复查确认已整改"
# What customers say, by the kind of work: "field" (repairs, paid services), "complaint", "desk" (answers,
# suggestions, help). Dissatisfied: reason → (solved?, words).
DESK_KINDS = (Kind.CONSULTATION, Kind.SUGGESTION, Kind.HELP)
SATISFIED_WORDS = {
    "field": ["问题已经解决了，谢谢。", "师傅很专业，处理得很及时。", "服务很好，上门前还提前打了电话。"],
    "complaint": ["处理结果我接受，谢谢重视。", "已经整改了，效果不错。"],
    "desk": ["解答得很清楚，谢谢。", "办得挺快的，辛苦了。"],
}
NEUTRAL_WORDS = {
    "field": ["问题解决了，但等的时间有点长。", "维修后现场没有完全清理干净。", "解决了，不过来回跑了两趟。"],
    "complaint": ["问题解决了，但处理得有点慢。", "暂时好了，希望不要再出现。"],
    "desk": ["答复还算清楚，就是电话等了很久才接通。", "希望下次能一次说清楚。"],
}
DISSATISFIED: dict[str, dict[str, tuple[bool, list[str]]]] = {
    "field": {
        Reason.UNSOLVED: (False, ["修完第二天又开始漏了，问题根本没解决。", "还是老样子，一点没好。"]),
        Reason.QUALITY: (False, ["修补的地方颜色不一致，很难看，要求重新处理。", "换的配件质量太差，两天又坏了。"]),
        Reason.SLOW: (True, ["报修三天才来人，太慢了。", "说好上午来，下午才到，耽误我上班。"]),
        Reason.ATTITUDE: (True, ["师傅态度很不耐烦，说话很冲。"]),
        Reason.FEE: (True, ["收费和事先说的不一样，也没给明细。"]),
    },
    "complaint": {
        Reason.UNSOLVED: (False, ["投诉的问题到现在也没有改善。", "说是整改了，实际上还是老样子。"]),
        Reason.SLOW: (True, ["投诉了三天才有人联系我。"]),
        Reason.ATTITUDE: (True, ["处理投诉的人态度敷衍，只会说会反映。"]),
    },
    "desk": {
        Reason.UNSOLVED: (False, ["答复不清楚，问了两遍还是没弄明白。", "说了会协调，结果一直没人管。"]),
        Reason.SLOW: (True, ["说好当天回电话，等了两天才回复。"]),
        Reason.ATTITUDE: (True, ["接电话的人很不耐烦。"]),
    },
}
REWORK_NOTES = {
    "field": [
        "再次上门检查，更换损坏部件，已彻底解决，并向业主致歉。",
        "已与业主当面沟通，重新处理后业主现场确认。",
        "安排组长带队重新处理，现场复查正常。",
    ],
    "complaint": [
        "投诉专员再次上门沟通，落实整改措施并致歉，业主认可。",
        "已约谈相关人员并整改到位，当面向业主反馈。",
    ],
    "desk": ["已再次电话详细答复，并将办理指引通过微信发给业主。", "主管亲自回电致歉，重新答复，业主表示清楚。"],
}
REOPEN_REASON = "业主来电反映问题再次出现，要求重新处理。"
SECOND_VISIT_WORDS = ["这次处理好了，谢谢。", "重新处理后没问题了。", "态度很诚恳，问题也解决了。", ""]
RATING_COMMENTS = {
    5: ["很满意，师傅很专业。", "处理及时，点赞！", ""],
    4: ["还不错。", ""],
    3: ["一般吧，等得有点久。"],
}

PLAN_WORDS = [
    "",
    "",
    "",
    "整体挺满意的。",
    "希望加强小区夜间巡逻。",
    "地库的灯光有点暗。",
    "电梯高峰期等待时间长。",
    "快递柜不够用。",
    "希望多组织一些社区活动。",
    "绿化修剪得不错。",
]
PLAN_NEUTRAL_WORDS = ["楼道卫生一般，希望增加保洁频次。", "停车位太紧张了。", "物业费有点贵，服务还要提高。"]
PLAN_DISSATISFIED = [
    (Reason.SLOW, "上次报修拖了一个星期才修好。"),
    (Reason.ATTITUDE, "门岗保安态度不好，对业主不礼貌。"),
    (Reason.OTHER, "楼下餐馆油烟扰民，反映多次没人管。"),
]
FINDINGS: dict[str, tuple[int, list[str]]] = {  # category → (weight, descriptions)
    FindingCategory.CIVIL: (14, ["卫生间墙面有裂缝，业主担心漏水", "阳台地面砖空鼓", "入户门框变形，关门有响声"]),
    FindingCategory.PLUMBING: (16, ["厨房下水有返味", "卫生间地漏排水慢", "楼道水表井盖板破损"]),
    FindingCategory.ELECTRICAL: (12, ["楼道声控灯不亮", "入户门口照明灯闪烁", "地下室配电箱门关不上"]),
    FindingCategory.SMART: (10, ["单元门禁对讲无法呼叫到户", "家里的可视对讲没有图像", "门禁卡刷卡反应慢"]),
    FindingCategory.SECURITY_PARKING: (
        16,
        ["楼下消防通道常有车辆停放", "外来车辆占用业主车位", "夜间有人在楼下大声喧哗"],
    ),
    FindingCategory.CLEANING_GREENERY: (
        18,
        ["楼道扶手积灰，保洁不到位", "楼前绿化带杂草较多", "垃圾桶周边有异味，清运不及时"],
    ),
    FindingCategory.ATTITUDE: (4, ["业主反映维修师傅上次上门态度生硬"]),
    FindingCategory.OTHER: (10, ["建议在小区增设快递柜", "建议楼下增加休息座椅", "建议增设电动车充电桩"]),
}
# Which department handles the case a finding becomes (kefu/tickets/demo.py's department codes).
FINDING_DEPARTMENT = {
    FindingCategory.CIVIL: "GC-TJ",
    FindingCategory.PLUMBING: "GC-SD",
    FindingCategory.ELECTRICAL: "GC-SD",
    FindingCategory.SMART: "GC-ZN",
    FindingCategory.SECURITY_PARKING: "ZX",
    FindingCategory.CLEANING_GREENERY: "HJ",
    FindingCategory.ATTITUDE: "KF-TS",
    FindingCategory.OTHER: "KF-QT",
}

# (score, solved, reason, customer words) when a call reaches the customer.
Result = tuple[int, bool | None, str, str]


def staff(project: Project, role: str) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(project=project, role=role, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ]


def at(day: dt.date, rng: random.Random, hours: Sequence[tuple[int, float]] = CALL_HOURS) -> dt.datetime:
    """A moment of that day (Beijing time) in one of the given hours."""
    t = dt.time(weighted(rng, hours), rng.randrange(60), rng.randrange(60))
    return dt.datetime.combine(day, t, tzinfo=timezone.get_current_timezone())


def office_hours(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """Calls are made between 9:00 and 20:00: a later moment moves to the next morning."""
    local = timezone.localtime(t)
    if local.hour < 9:
        return local.replace(hour=9, minute=rng.randrange(60))
    if local.hour >= 20:
        return (local + dt.timedelta(days=1)).replace(hour=9, minute=rng.randrange(60))
    return local


def work_group(case: Case) -> str:
    """Which words fit the case: "field" work, a "complaint", or the "desk"'s own answers and help."""
    if case.kind in DESK_KINDS:
        return "desk"
    return "complaint" if case.kind == Kind.COMPLAINT else "field"


class Caller:
    """Makes one visit's calls in order, on the demo clock; Stop when the next call is not due yet."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self.clock = clock
        self.rng = rng
        self.now = clock.real_now

    def call(self, visit: ReturnVisit, actor: User, t: dt.datetime, outcome: str, **kw: Any) -> ReturnVisit:
        if t > self.now - dt.timedelta(minutes=1):
            raise Stop
        self.clock.t = t
        return services.visit_record(actor=actor, visit=visit, outcome=outcome, now=t, **kw)

    def story(
        self, visit: ReturnVisit, actor: User, t: dt.datetime, story: str, result: Callable[[], Result], note: str = ""
    ) -> ReturnVisit:
        """Play one story from its first call at t; returns the visit as it ends (or raises Stop)."""
        rng = self.rng
        if story in ("retry", "unreachable"):
            misses = visit.max_attempts if story == "unreachable" else rng.randint(1, max(1, visit.max_attempts - 1))
            for _ in range(misses):
                visit = self.call(visit, actor, t, Out.NO_ANSWER, note=rng.choice(NO_ANSWER_NOTES))
                if visit.status != ReturnVisit.Status.PENDING:
                    return visit
                assert visit.next_attempt_at is not None
                t = office_hours(visit.next_attempt_at + dt.timedelta(minutes=rng.uniform(0, 90)), rng)
        elif story == "callback":
            agreed = office_hours(t + dt.timedelta(hours=rng.uniform(2, 30)), rng)
            visit = self.call(visit, actor, t, Out.CALLBACK, note=rng.choice(CALLBACK_NOTES), callback_at=agreed)
            t = agreed + dt.timedelta(minutes=rng.uniform(0, 20))
        elif story == "wrong_number":
            return self.call(visit, actor, t, Out.WRONG_NUMBER, note=rng.choice(WRONG_NUMBER_NOTES))
        elif story == "refused":
            return self.call(visit, actor, t, Out.REFUSED, note=rng.choice(REFUSED_NOTES))
        score, solved, reason, words = result()
        return self.call(
            visit, actor, t, Out.REACHED, score=score, solved=solved, reason=reason, customer_words=words, note=note
        )


# The call-back after a case ------------------------------------------------------------------------------


class CallBacks:
    """The after_resolve hook of kefu.tickets.demo: the customer's rating (if they have a login) and the
    return visit, with what it brings (closing, or rework and a second visit)."""

    def __init__(self, purpose: str = "visits") -> None:
        self.purpose = purpose
        self.rngs: dict[str, random.Random] = {}

    def __call__(self, maker: CaseMaker, case: Case) -> None:
        code = maker.desk.project.code
        rng = self.rngs.setdefault(code, random.Random(f"{SEED}-{code}-{self.purpose}"))
        caller = Caller(maker.clock, rng)
        self.rate(maker, caller, case)
        self.visit(maker, caller, case, first=True)

    def rate(self, maker: CaseMaker, caller: Caller, case: Case) -> None:
        """A resident with a login rates most of their resolved cases within hours (微物业)."""
        account = maker.desk.accounts.get(case.customer_id or 0)
        rng = caller.rng
        if account is None or rng.random() > 0.7 or case.resolved_at is None:
            return
        t = case.resolved_at + dt.timedelta(minutes=rng.uniform(20, 600))
        if t > caller.now - dt.timedelta(minutes=1):
            return
        score = weighted(rng, [(5, 6), (4, 3), (3, 1)])
        caller.clock.t = t
        services.rating_submit(actor=account, case=case, score=score, comment=rng.choice(RATING_COMMENTS[score]), now=t)

    def visit(self, maker: CaseMaker, caller: Caller, case: Case, first: bool) -> None:
        rng = caller.rng
        visit = ReturnVisit.objects.filter(case=case, status=ReturnVisit.Status.PENDING).first()
        if visit is None or case.resolved_at is None:
            return  # closed by the customer's rating
        visitor = visit.assignee or maker.desk.supervisor
        t = self.first_call(caller, visit)
        if case.resolved_at > caller.now - RECENT:
            if rng.random() < 0.3:  # tried once already, nobody answered
                caller.call(visit, visitor, t, Out.NO_ANSWER, note=rng.choice(NO_ANSWER_NOTES))
            raise Stop
        reworkable = first and case.assignee_id is not None and not case.children.exists()
        if reworkable and rng.random() < 0.015:
            self.reopened_before_the_call(maker, caller, case)
            return
        if visit.customer_id is None and not visit.contact_phone:  # found on patrol: checked on site
            visit = caller.story(visit, visitor, t, "reached", lambda: (5, True, "", ""), note=PATROL_NOTE)
        else:
            story = weighted(rng, CASE_STORIES)
            visit = caller.story(visit, visitor, t, story, lambda: self.result(rng, case, reworkable))
        if visit.is_dissatisfied or visit.solved is False:
            self.rework(maker, caller, case)

    def first_call(self, caller: Caller, visit: ReturnVisit) -> dt.datetime:
        """Mostly well inside the policy's time limit, sometimes past it; after whatever happened last."""
        rng = caller.rng
        hours = (visit.due_at - visit.created_at).total_seconds() / 3600
        late = rng.random() < 0.05
        delay = rng.uniform(hours, hours * 1.4) if late else rng.uniform(0.5, hours * 0.7)
        t = max(visit.created_at + dt.timedelta(hours=delay), caller.clock.t + dt.timedelta(minutes=5))
        return office_hours(t, rng)

    def result(self, rng: random.Random, case: Case, reworkable: bool) -> Result:
        group = work_group(case)
        roll = rng.random()
        if roll < 0.04 and reworkable:
            reasons = [(Reason.UNSOLVED, 4), (Reason.QUALITY, 2), (Reason.SLOW, 3), (Reason.ATTITUDE, 2)]
            if case.kind == Kind.SPECIAL_SERVICE:
                reasons.append((Reason.FEE, 3))
            reason = weighted(rng, [(r, w) for r, w in reasons if r in DISSATISFIED[group]])
            solved, words = DISSATISFIED[group][reason]
            return rng.choice([1, 2, 2]), solved, reason, rng.choice(words)
        if roll < 0.10:
            return 3, True, "", rng.choice(NEUTRAL_WORDS[group])
        said = rng.choice(SATISFIED_WORDS[group]) if rng.random() < 0.5 else ""
        return (4 if roll < 0.42 else 5), True, "", said

    def rework(self, maker: CaseMaker, caller: Caller, case: Case) -> None:
        """The visit sent the case back: its handler does it again, and a second call closes it."""
        case.refresh_from_db()
        handler = case.assignee
        if case.status != Status.IN_PROGRESS or handler is None:
            return
        t = office_hours(caller.clock.t + dt.timedelta(minutes=caller.rng.uniform(60, 1440)), caller.rng)
        if t > caller.now - dt.timedelta(minutes=1):
            raise Stop
        maker.clock.t = t
        case = ts.case_resolve(actor=handler, case=case, note=self.rework_note(caller.rng, case), now=t)
        self.second_visit(maker, caller, case)

    def reopened_before_the_call(self, maker: CaseMaker, caller: Caller, case: Case) -> None:
        """The customer rang back before the call: the supervisor reopens the case (its visit is cancelled)."""
        assert case.resolved_at is not None
        t = case.resolved_at + dt.timedelta(minutes=caller.rng.uniform(120, 1200))
        if t > caller.now - dt.timedelta(minutes=1):
            raise Stop
        maker.clock.t = t
        case = ts.case_reopen(actor=maker.desk.supervisor, case=case, reason=REOPEN_REASON, now=t)
        handler = case.assignee
        t = office_hours(t + dt.timedelta(minutes=caller.rng.uniform(60, 1440)), caller.rng)
        if handler is None or t > caller.now - dt.timedelta(minutes=1):
            raise Stop
        maker.clock.t = t
        case = ts.case_resolve(actor=handler, case=case, note=self.rework_note(caller.rng, case), now=t)
        self.second_visit(maker, caller, case)

    def rework_note(self, rng: random.Random, case: Case) -> str:
        return rng.choice(REWORK_NOTES[work_group(case)])

    def second_visit(self, maker: CaseMaker, caller: Caller, case: Case) -> None:
        visit = ReturnVisit.objects.filter(case=case, status=ReturnVisit.Status.PENDING).first()
        if visit is None or case.resolved_at is None:
            return
        visitor = visit.assignee or maker.desk.supervisor
        t = self.first_call(caller, visit)
        rng = caller.rng
        if case.resolved_at > caller.now - RECENT:
            raise Stop

        def result() -> Result:
            return weighted(rng, [(5, 5), (4, 4), (3, 1)]), True, "", rng.choice(SECOND_VISIT_WORDS)

        caller.story(visit, visitor, t, weighted(rng, [("reached", 9), ("retry", 1)]), result, note="再次回访")


def quarters(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The previous three quarters and the current one, oldest first."""
    out = [services.quarter_of(today)]
    for _ in range(3):
        out.insert(0, services.quarter_of(out[0][0] - dt.timedelta(days=1)))
    return out


# Visit plans -------------------------------------------------------------------------------------------


def build_demo_plans(*, small: bool = False) -> Counter[str]:
    """Visit plans of 阳光花园 (if it exists) for the last four quarters. Returns the plan visits per status."""
    project = Project.objects.filter(code="YGHY").first()
    if project is None:
        return Counter()
    real_now = timezone.now()
    clock = Clock(real_now=real_now, t=real_now)
    manager = staff(project, Role.MANAGER)[0]
    rng = random.Random(f"{SEED}-{project.code}-plans")
    caller = Caller(clock, rng)
    today = timezone.localdate(real_now)
    cases_since = real_now - dt.timedelta(days=DAYS - 1)  # findings become cases only where the demo has cases
    with simulated(clock):
        maker = case_maker(project, clock, CallBacks("finding-visits"), "findings")
        for n, (start, end) in enumerate(quarters(today)):
            for z, zone in enumerate(Zone.objects.filter(project=project).order_by("code"), start=1):
                stewards = services.zone_stewards(zone.pk)
                if not stewards:
                    continue
                created = at(start - dt.timedelta(days=2), rng, [(10, 1)])
                clock.t = created
                plan = services.plan_create(
                    actor=manager,
                    zone=zone,
                    period_start=start,
                    period_end=end,
                    steward=stewards[0],
                    seed=int(f"{start:%Y%m%d}{z:02d}"),
                    now=created,
                )
                PlanVisits(maker, caller, plan, stewards[0], cases_since).run()
                if n < 3:  # a past quarter: every household was visited; the plan is closed
                    closed = at(end + dt.timedelta(days=1), rng, [(10, 1)])
                    clock.t = closed
                    services.plan_close(actor=manager, plan=plan, now=closed)
    visits = ReturnVisit.objects.filter(project=project, source=ReturnVisit.Source.PLAN)
    return Counter(dict(visits.values_list("status").annotate(n=Count("pk")).values_list("status", "n")))


class PlanVisits:
    """A steward works through a plan: households visited on days spread over the quarter (the last days
    are left for the calls that need repeating)."""

    def __init__(self, maker: CaseMaker, caller: Caller, plan: VisitPlan, steward: User, cases_since: dt.datetime):
        self.maker = maker
        self.caller = caller
        self.rng = caller.rng
        self.plan = plan
        self.steward = steward
        self.cases_since = cases_since

    def run(self) -> None:
        plan, rng = self.plan, self.rng
        span = max(0, (plan.period_end - plan.period_start).days - 6)
        visits = list(plan.visits.order_by("pk"))
        days = sorted(plan.period_start + dt.timedelta(days=rng.randint(0, span)) for _ in visits)
        # Building by building: the sample is ordered by building, so are the days.
        for visit, day in zip(visits, days, strict=True):
            t = at(day, rng, VISIT_HOURS)
            with suppress(Stop):
                visit = self.caller.story(visit, self.steward, t, weighted(rng, PLAN_STORIES), self.result)
                if visit.status == ReturnVisit.Status.DONE and rng.random() < 0.16:
                    self.findings(visit)

    def result(self) -> Result:
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:
            reason, words = rng.choice(PLAN_DISSATISFIED)
            return 2, None, reason, words
        if roll < 0.11:
            return 3, None, "", rng.choice(PLAN_NEUTRAL_WORDS)
        return (4 if roll < 0.48 else 5), None, "", rng.choice(PLAN_WORDS)

    def findings(self, visit: ReturnVisit) -> None:
        rng, clock = self.rng, self.caller.clock
        assert visit.completed_at is not None
        t = visit.completed_at
        for _ in range(2 if rng.random() < 0.2 else 1):
            t += dt.timedelta(minutes=rng.uniform(2, 10))
            if t > self.caller.now - dt.timedelta(minutes=1):
                return
            category = weighted(rng, [(c, w) for c, (w, _) in FINDINGS.items()])
            description = rng.choice(FINDINGS[category][1])
            to_case = t >= self.cases_since and rng.random() < 0.6
            clock.t = t
            finding = services.finding_add(
                actor=self.steward, visit=visit, category=category, description=description, to_case=to_case, now=t
            )
            if finding.case is not None:
                with suppress(Stop):
                    self.maker.handle(finding.case, self.steward, dept=FINDING_DEPARTMENT[FindingCategory(category)])
                clock.t = t


# Sign-off and the inbox -----------------------------------------------------------------------------------


def finish_demo_visits() -> int:
    """The supervisors sign off most finished visits (in daily batches, never their own); the staff have
    read the notices about visits that are done. Returns the visits signed off."""
    real_now = timezone.now()
    clock = Clock(real_now=real_now, t=real_now)
    signed = 0
    projects = list(Project.objects.filter(return_visits__isnull=False).distinct().order_by("code"))
    with simulated(clock):
        for project in projects:
            supervisors = staff(project, Role.SUPERVISOR)
            if not supervisors:
                continue
            supervisor = supervisors[0]
            rng = random.Random(f"{SEED}-{project.code}-sign-off")
            batches: dict[dt.datetime, list[ReturnVisit]] = defaultdict(list)
            done = (
                ReturnVisit.objects.filter(project=project, status__in=FINISHED, signed_off_at__isnull=True)
                .exclude(completed_by=supervisor)
                .order_by("completed_at", "pk")
            )
            for v in done:
                if rng.random() >= SIGN_OFF_SHARE or v.completed_at is None:
                    continue
                day = timezone.localdate(v.completed_at) + dt.timedelta(days=weighted(rng, [(1, 5), (2, 2), (3, 1)]))
                when = dt.datetime.combine(day, dt.time(16, 30), tzinfo=timezone.get_current_timezone())
                if when < real_now - dt.timedelta(minutes=5):
                    batches[when].append(v)
            for when in sorted(batches):
                clock.t = when
                signed += services.visit_sign_off(actor=supervisor, visits=batches[when], now=when)
        mark_done_read(projects, real_now)
    pending = ReturnVisit.objects.filter(status=ReturnVisit.Status.PENDING).values_list("pk", flat=True)
    Notification.objects.filter(kind=Notification.Kind.VISIT, read_at__isnull=True, case__isnull=True).exclude(
        url__in=[f"/visits/{pk}/" for pk in pending]
    ).update(read_at=real_now)
    return signed
