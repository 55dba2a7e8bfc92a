"""Demo satisfaction surveys for `manage.py seed_demo`, made through kefu.surveys.services.

阳光花园 (if it exists) gets two surveys, each of half its households (drawn building by building by the
survey service), answered by phone (some at the door) by the zones' stewards and the front desk:
- last half-year's, run in its last month and closed: about 84% answered, 5% declined, the rest never
  reached. The overall scores are dealt out per zone so that each zone's satisfaction (CSAT) lands on its
  target (between about 90% and 94%; the estate about 92-93%); the service dimensions and the
  recommendation score follow each household's overall score. The few dissatisfied households got a
  follow-up visit from their steward (kefu.visits), made within days.
- this half-year's, opened two weeks ago and still open: about 30% answered so far (the follow-ups of
  the latest dissatisfied answers are still to be made); the demo residents in the sample answered
  through their own login, two of them, the others' questionnaires still wait for them.

Fixed random seeds and the demo clock of kefu/tickets/demo.py.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from django.utils import timezone

from kefu.org.models import Project, User
from kefu.org.roles import Role
from kefu.tickets.demo import Clock, Stop, simulated, weighted
from kefu.visits import services as visit_services
from kefu.visits.demo import CALL_HOURS, Caller, Result, at, staff
from kefu.visits.models import DissatisfactionReason, ReturnVisit

from . import services
from .models import Question, Response, Survey

SEED = 20261122
SAMPLE_PERCENT = 50
# Each zone's share of satisfied answers (scores 4-5) in the closed survey, by the zone's order.
ZONE_CSAT = [0.925, 0.935, 0.915, 0.93, 0.91, 0.93, 0.915, 0.92]
# Of the answers that are not satisfied: dissatisfied (1-2) rather than neutral (3).
DISSATISFIED_SHARE = 0.25
VERY_SATISFIED_SHARE = 0.6  # of the satisfied: 5 rather than 4
INTRO = (
    "您好，我是阳光花园物业服务中心的工作人员。为了解您对我们服务的评价，想占用您三分钟时间做一次满意度回访，"
    "您的意见将帮助我们改进工作。"
)
# Service dimension → how its score strays from the overall one.
DIMENSION_DRIFT = {
    "客服接待": [(0, 8), (1, 2), (-1, 1)],
    "工程维修": [(0, 7), (-1, 2), (1, 1)],
    "秩序停车": [(0, 7), (-1, 2), (1, 1)],
    "保洁绿化": [(0, 8), (-1, 1), (1, 1)],
}
NPS_BY_OVERALL = {
    5: [(10, 45), (9, 35), (8, 15), (7, 5)],
    4: [(9, 15), (8, 40), (7, 30), (6, 15)],
    3: [(7, 20), (6, 35), (5, 30), (4, 15)],
    2: [(5, 30), (4, 30), (3, 25), (2, 15)],
    1: [(3, 25), (2, 25), (1, 20), (0, 30)],
}
COMMENTS = {
    5: ["管家很负责，有事找她都很快解决。", "小区环境越来越好了。", "保安很尽职，晚上巡逻很认真。", "继续保持！"],
    4: [
        "希望地库照明再亮一些。",
        "建议增加电动车充电桩。",
        "快递柜不够用，希望增加。",
        "绿化修剪可以再勤一些。",
        "报修响应还可以再快一点。",
    ],
    3: [
        "停车太难了，希望想想办法。",
        "楼道保洁不太到位，扶手经常有灰。",
        "维修师傅上门时间不准时。",
        "外来人员进出管理不严。",
    ],
    2: ["报修好几次都没修好，很失望。", "夜里广场舞太吵，反映多次没人管。", "物业费年年交，服务没见提高。"],
    1: ["电梯三天两头坏，物业根本不管。", "投诉过几次，从来没有结果。"],
}
COMMENT_SHARE = {5: 0.15, 4: 0.25, 3: 0.6, 2: 0.9, 1: 0.95}
FOLLOW_UP_REASONS = [
    (DissatisfactionReason.UNSOLVED, "当面听取意见：多次反映的问题一直没有解决，已记录并转相关部门限期整改。"),
    (DissatisfactionReason.SLOW, "当面听取意见：对报修响应速度不满，已说明整改措施，承诺专人跟进。"),
    (DissatisfactionReason.ATTITUDE, "当面听取意见：对个别员工态度不满，已致歉并纳入考核。"),
    (DissatisfactionReason.OTHER, "当面听取意见：对噪音和秩序管理不满，已安排加强巡查。"),
]


def build_demo_surveys(*, small: bool = False) -> list[Survey]:
    """The two surveys of 阳光花园 (if it exists): last half-year's (closed) and this one's (open)."""
    project = Project.objects.filter(code="YGHY").first()
    if project is None:
        return []
    real_now = timezone.now()
    clock = Clock(real_now=real_now, t=real_now)
    today = timezone.localdate(real_now)
    with simulated(clock):
        maker = SurveyMaker(project, clock, random.Random(f"{SEED}-{project.code}-surveys"))
        return [maker.closed_survey(today), maker.open_survey(today)]


def half_name(year: int, half: int) -> str:
    return f"{year}年{'上' if half == 1 else '下'}半年业主满意度调查"


class SurveyMaker:
    def __init__(self, project: Project, clock: Clock, rng: random.Random) -> None:
        self.project = project
        self.clock = clock
        self.rng = rng
        self.now = clock.real_now
        self.manager = staff(project, Role.MANAGER)[0]
        self.agents = staff(project, Role.AGENT)
        self.caller = Caller(clock, rng)
        self._questions: dict[int, list[Question]] = {}
        self._stewards: dict[int | None, list[User]] = {}

    def create_and_open(self, name: str, start: dt.date, end: dt.date, seed: int) -> Survey:
        created = at(start - dt.timedelta(days=5), self.rng, [(10, 1)])
        self.clock.t = created
        survey = services.survey_create(
            actor=self.manager,
            project=self.project,
            name=name,
            period_start=start,
            period_end=end,
            sample=Survey.Sample.SHARE,
            share_percent=SAMPLE_PERCENT,
            intro=INTRO,
            now=created,
        )
        opened = at(start, self.rng, [(9, 1)])
        self.clock.t = opened
        return services.survey_open(actor=self.manager, survey=survey, seed=seed, now=opened)

    # the two surveys ----------------------------------------------------------------------------------------

    def closed_survey(self, today: dt.date) -> Survey:
        """Last half-year's, run in its last month: every zone's CSAT on its target."""
        year, half = (today.year, 1) if today.month > 6 else (today.year - 1, 2)
        month = 6 if half == 1 else 12
        start = dt.date(year, month, 1)
        end = dt.date(year, month, 30 if month == 6 else 31)
        survey = self.create_and_open(half_name(year, half), start, end, seed=int(f"{year}{half}"))
        by_zone = self.zones(survey)
        for n, (_zone, responses) in enumerate(by_zone):
            self.rng.shuffle(responses)
            declined = round(len(responses) * 0.05)
            unreached = round(len(responses) * 0.11)
            answered = responses[declined + unreached :]
            for r in responses[:declined]:
                self.decline(r, self.day_in(start, end - dt.timedelta(days=2)))
            scores = self.deal(len(answered), ZONE_CSAT[n % len(ZONE_CSAT)])
            for r, overall in zip(answered, scores, strict=True):
                self.answer(r, overall, self.day_in(start, end - dt.timedelta(days=4)))
        closed = at(end + dt.timedelta(days=1), self.rng, [(10, 1)])
        self.clock.t = closed
        return services.survey_close(actor=self.manager, survey=survey, now=closed)

    def open_survey(self, today: dt.date) -> Survey:
        """This half-year's, opened two weeks ago: about 30% answered so far."""
        start = today - dt.timedelta(days=14)
        half = 1 if today.month <= 6 else 2
        survey = self.create_and_open(
            half_name(today.year, half), start, today + dt.timedelta(days=16), seed=int(f"{today.year}{half}")
        )
        residents = self.resident_responses(survey)
        for i, (r, account) in enumerate(residents):
            if i < 2:  # two of the demo residents answered in the portal; the others have not yet
                self.answer(r, 5 - i, self.day_in(start, today - dt.timedelta(days=1)), actor=account)
        skip = {r.pk for r, _ in residents}
        for n, (_zone, responses) in enumerate(self.zones(survey)):
            responses = [r for r in responses if r.pk not in skip]
            self.rng.shuffle(responses)
            answered = responses[: round(len(responses) * 0.3)]
            declined = responses[len(answered) : len(answered) + round(len(responses) * 0.02)]
            scores = self.deal(len(answered), min(0.95, ZONE_CSAT[n % len(ZONE_CSAT)] + 0.01))
            for r, overall in zip(answered, scores, strict=True):
                self.answer(r, overall, self.day_in(start, today))
            for r in declined:
                self.decline(r, self.day_in(start, today))
        return survey

    # pieces --------------------------------------------------------------------------------------------------

    def zones(self, survey: Survey) -> list[tuple[int | None, list[Response]]]:
        by_zone: dict[int | None, list[Response]] = defaultdict(list)
        for r in survey.responses.select_related("zone", "customer").order_by("pk"):
            by_zone[r.zone_id].append(r)
        return sorted(by_zone.items(), key=lambda kv: (kv[0] is None, kv[1][0].zone.code if kv[1][0].zone else ""))

    def resident_responses(self, survey: Survey) -> list[tuple[Response, User]]:
        """The questionnaires of households with a demo resident's login, by the login's name."""
        rows = survey.responses.filter(customer__account__isnull=False).select_related("customer__account")
        return [
            (r, r.customer.account)
            for r in rows.order_by("customer__account__username", "pk")
            if r.customer is not None and r.customer.account is not None
        ]

    def deal(self, n: int, csat: float) -> list[int]:
        """n overall scores, shuffled, of which round(n × csat) are satisfied (4-5)."""
        satisfied = round(n * csat)
        rest = n - satisfied
        dissatisfied = max(round(rest * DISSATISFIED_SHARE), 1 if rest >= 2 else 0)  # a zone has one at least
        fives = round(satisfied * VERY_SATISFIED_SHARE)
        ones = round(dissatisfied * 0.3)
        scores = [5] * fives + [4] * (satisfied - fives) + [3] * (rest - dissatisfied)
        scores += [1] * ones + [2] * (dissatisfied - ones)
        self.rng.shuffle(scores)
        return scores

    def day_in(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def stewards(self, zone_id: int | None) -> list[User]:
        if zone_id not in self._stewards:
            self._stewards[zone_id] = visit_services.zone_stewards(zone_id)
        return self._stewards[zone_id]

    def caller_for(self, r: Response) -> User:
        stewards = self.stewards(r.zone_id)
        if stewards and (self.rng.random() < 0.7 or not self.agents):
            return stewards[0]
        return self.rng.choice(self.agents)

    def answer(self, r: Response, overall: int, day: dt.date, actor: User | None = None) -> None:
        rng = self.rng
        t = at(day, rng, [(h, 1) for h in range(8, 23)] if actor else CALL_HOURS)
        if t > self.now - dt.timedelta(minutes=1):
            t = self.now - dt.timedelta(minutes=rng.randint(5, 300))
        staff_member = actor or self.caller_for(r)
        channel = Response.Channel.PHONE
        if actor is None and staff_member in self.stewards(r.zone_id) and rng.random() < 0.2:
            channel = Response.Channel.VISIT
        answers: dict[int, Any] = {}
        for q in self.questions(r.survey_id):
            if q.kind == Question.Kind.RATING:
                answers[q.pk] = min(5, max(1, overall + weighted(rng, DIMENSION_DRIFT.get(q.dimension, [(0, 1)]))))
            elif q.kind == Question.Kind.OVERALL:
                answers[q.pk] = overall
            elif q.kind == Question.Kind.NPS:
                answers[q.pk] = weighted(rng, NPS_BY_OVERALL[overall])
            elif rng.random() < COMMENT_SHARE[overall]:
                answers[q.pk] = rng.choice(COMMENTS[overall])
        self.clock.t = t
        r = services.response_submit(actor=staff_member, response=r, answers=answers, channel=channel, now=t)
        if overall <= 2:
            self.follow_up(r, t)

    def questions(self, survey_id: int) -> Sequence[Question]:
        if survey_id not in self._questions:
            self._questions[survey_id] = list(Question.objects.filter(survey_id=survey_id).order_by("order"))
        return self._questions[survey_id]

    def decline(self, r: Response, day: dt.date) -> None:
        t = at(day, self.rng)
        if t > self.now - dt.timedelta(minutes=1):
            return
        self.clock.t = t
        services.response_decline(actor=self.caller_for(r), response=r, now=t)

    def follow_up(self, r: Response, answered: dt.datetime) -> None:
        """The steward visits a dissatisfied household within days and hears them out."""
        visit = ReturnVisit.objects.filter(survey_response=r).select_related("assignee").first()
        if visit is None or visit.assignee is None:
            return
        rng = self.rng
        day = timezone.localdate(answered) + dt.timedelta(days=rng.randint(1, 3))
        reason, words = rng.choice(FOLLOW_UP_REASONS)

        def result() -> Result:
            return weighted(rng, [(3, 5), (4, 3), (2, 1)]), None, reason, words

        with suppress(Stop):
            story = weighted(rng, [("reached", 8), ("retry", 1), ("refused", 1)])
            self.caller.story(visit, visit.assignee, at(day, rng), story, result, note="满意度调查不满意跟进")
