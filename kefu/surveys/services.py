"""Every change to satisfaction surveys: create and edit a draft, open it (the sample is drawn then),
answer by phone, visit or portal, decline, close. One transaction per action."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.customers.models import Occupancy, Unit
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import can
from kefu.visits import services as visits
from kefu.visits.models import DISSATISFIED_MAX

from .models import Answer, Question, Response, Survey

MSG_FORBIDDEN = "您没有权限执行此操作"
MSG_NOT_DRAFT = "调查已发布，不能再修改题目"
MSG_NOT_OPEN = "调查未在进行中"
MSG_ANSWERED = "该户已作答"
MSG_NO_QUESTIONS = "请至少设置一道总体满意度题目"
MSG_REQUIRED = "此题必答"
MSG_RANGE = "分数须在 {lo}-{hi} 之间"


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text: str
    dimension: str = ""
    required: bool = True


DEFAULT_QUESTIONS = [
    QuestionSpec(Question.Kind.RATING, "您对客服中心接待和答复的满意程度？", "客服接待"),
    QuestionSpec(Question.Kind.RATING, "您对报修维修的及时性和质量的满意程度？", "工程维修"),
    QuestionSpec(Question.Kind.RATING, "您对小区秩序和停车管理的满意程度？", "秩序停车"),
    QuestionSpec(Question.Kind.RATING, "您对保洁和绿化的满意程度？", "保洁绿化"),
    QuestionSpec(Question.Kind.OVERALL, "总体而言，您对物业服务的满意程度？"),
    QuestionSpec(Question.Kind.NPS, "您有多大可能向亲友推荐我们的物业服务？（0-10 分）"),
    QuestionSpec(Question.Kind.TEXT, "您对我们的服务还有哪些意见和建议？", required=False),
]


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require_manage(actor: User, project_id: int) -> None:
    if not can(actor, Perm.MANAGE_VISITS, project_id):
        raise Forbidden(MSG_FORBIDDEN)


def _check_questions(questions: Sequence[QuestionSpec]) -> None:
    errors: list[str] = []
    for i, q in enumerate(questions, start=1):
        if q.kind not in Question.Kind.values:
            errors.append(f"第 {i} 题：无效的题型")
        if not q.text.strip():
            errors.append(f"第 {i} 题：请填写题目")
        if q.kind == Question.Kind.RATING and not q.dimension.strip():
            errors.append(f"第 {i} 题：分项评分须填写维度")
    if sum(1 for q in questions if q.kind == Question.Kind.OVERALL) != 1:
        errors.append(MSG_NO_QUESTIONS + "（且只能有一道）")
    if errors:
        raise ValidationFailed("；".join(errors), fields={"questions": errors})


def _write_questions(survey: Survey, questions: Sequence[QuestionSpec]) -> None:
    survey.questions.all().delete()
    Question.objects.bulk_create(
        [
            Question(
                survey=survey,
                order=i,
                kind=q.kind,
                text=q.text.strip(),
                dimension=q.dimension.strip() if q.kind == Question.Kind.RATING else "",
                required=q.required if q.kind == Question.Kind.TEXT else True,
            )
            for i, q in enumerate(questions, start=1)
        ]
    )


def _check_fields(name: str, period_start: dt.date, period_end: dt.date, sample: str, share_percent: int) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写调查名称"]
    if period_end < period_start:
        errors["period_end"] = ["结束日期不能早于开始日期"]
    if sample not in Survey.Sample.values:
        errors["sample"] = ["无效的调查对象"]
    if not 1 <= share_percent <= 100:
        errors["share_percent"] = ["抽样比例须在 1-100 之间"]
    if errors:
        raise ValidationFailed("请检查填写的内容", fields=errors)


@transaction.atomic
def survey_create(
    *,
    actor: User,
    project: Project,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    sample: str = Survey.Sample.ALL,
    share_percent: int = 100,
    intro: str = "",
    questions: Sequence[QuestionSpec] | None = None,
    now: dt.datetime | None = None,
) -> Survey:
    now = _now(now)
    _require_manage(actor, project.pk)
    questions = list(questions) if questions is not None else list(DEFAULT_QUESTIONS)
    _check_fields(name, period_start, period_end, sample, share_percent)
    _check_questions(questions)
    survey = Survey.objects.create(
        project=project,
        name=name.strip(),
        intro=intro.strip(),
        period_start=period_start,
        period_end=period_end,
        sample=sample,
        share_percent=100 if sample == Survey.Sample.ALL else share_percent,
        created_by=actor,
        created_at=now,
    )
    _write_questions(survey, questions)
    return survey


@transaction.atomic
def survey_update(
    *,
    actor: User,
    survey: Survey,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    sample: str,
    share_percent: int,
    intro: str = "",
    questions: Sequence[QuestionSpec] | None = None,
    version: int | None = None,
) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_manage(actor, survey.project_id)
    if survey.status != Survey.Status.DRAFT:
        raise Conflict(MSG_NOT_DRAFT, code="illegal_transition")
    if version is not None and version != survey.version:
        raise Conflict("该调查已被他人修改，请刷新后重试", code="stale")
    _check_fields(name, period_start, period_end, sample, share_percent)
    if questions is not None:
        _check_questions(questions)
        _write_questions(survey, questions)
    survey.name = name.strip()
    survey.intro = intro.strip()
    survey.period_start = period_start
    survey.period_end = period_end
    survey.sample = sample
    survey.share_percent = 100 if sample == Survey.Sample.ALL else share_percent
    survey.version += 1
    survey.save()
    return survey


def project_households(project_id: int) -> list[Unit]:
    occupied = Occupancy.objects.filter(move_out__isnull=True).values("unit_id")
    return list(Unit.objects.filter(project_id=project_id, pk__in=occupied).order_by("building_id", "pk"))


@transaction.atomic
def survey_open(*, actor: User, survey: Survey, seed: int | None = None, now: dt.datetime | None = None) -> Survey:
    """Publish: the sample is drawn (spread across buildings, reproducible from the stored seed) and each
    sampled household gets a questionnaire."""
    now = _now(now)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_manage(actor, survey.project_id)
    if survey.status != Survey.Status.DRAFT:
        raise Conflict("只有草稿可以发布", code="illegal_transition")
    if not survey.questions.filter(kind=Question.Kind.OVERALL).exists():
        raise ValidationFailed(MSG_NO_QUESTIONS, fields={"questions": [MSG_NO_QUESTIONS]})
    units = project_households(survey.project_id)
    if not units:
        raise ValidationFailed("该项目没有入住户", fields={"project": ["该项目没有入住户"]})
    survey.seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**53)
    if survey.sample == Survey.Sample.ALL:
        chosen = units
    else:
        chosen = visits.draw(units, visits.share_of(len(units), survey.share_percent), survey.seed)
    Response.objects.bulk_create(
        [
            Response(
                survey=survey,
                project_id=survey.project_id,
                zone_id=u.zone_id,
                building_id=u.building_id,
                unit=u,
                customer=visits.current_customer(u),
            )
            for u in chosen
        ]
    )
    survey.status = Survey.Status.OPEN
    survey.opened_at = now
    survey.version += 1
    survey.save()
    return survey


@transaction.atomic
def survey_close(*, actor: User, survey: Survey, now: dt.datetime | None = None) -> Survey:
    now = _now(now)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_manage(actor, survey.project_id)
    if survey.status != Survey.Status.OPEN:
        raise Conflict(MSG_NOT_OPEN, code="illegal_transition")
    survey.status = Survey.Status.CLOSED
    survey.closed_at = now
    survey.version += 1
    survey.save()
    return survey


def _may_answer(actor: User, response: Response) -> bool:
    if getattr(actor, "kind", "staff") == User.Kind.CUSTOMER:
        return response.customer_id is not None and response.customer_id in visits.customer_of(actor)
    return can(actor, Perm.VISIT, response.project_id, response.zone_id)


def _lock_open(actor: User, response: Response) -> Response:
    response = Response.objects.select_for_update(of=("self",)).select_related("survey").get(pk=response.pk)
    if not _may_answer(actor, response):
        raise Forbidden(MSG_FORBIDDEN)
    if response.survey.status != Survey.Status.OPEN:
        raise Conflict(MSG_NOT_OPEN, code="illegal_transition")
    if response.status != Response.Status.PENDING:
        raise Conflict(MSG_ANSWERED, code="illegal_transition")
    return response


@transaction.atomic
def response_submit(
    *,
    actor: User,
    response: Response,
    answers: Mapping[int, Any],
    channel: str = Response.Channel.PHONE,
    now: dt.datetime | None = None,
) -> Response:
    """Answers by question id: an int score for rating/overall/NPS questions, text for text questions.
    All are checked before anything is written. An overall score of 1-2 brings a follow-up visit."""
    now = _now(now)
    response = _lock_open(actor, response)
    if getattr(actor, "kind", "staff") == User.Kind.CUSTOMER:
        channel = Response.Channel.PORTAL
    if channel not in Response.Channel.values:
        raise ValidationFailed("无效的访问方式", fields={"channel": ["无效的访问方式"]})
    questions = list(response.survey.questions.all())
    errors: dict[str, list[str]] = {}
    rows: list[Answer] = []
    overall: int | None = None
    for q in questions:
        raw = answers.get(q.pk)
        key = f"q{q.pk}"
        if q.kind == Question.Kind.TEXT:
            text = str(raw or "").strip()
            if q.required and not text:
                errors[key] = [MSG_REQUIRED]
            elif text:
                rows.append(Answer(response=response, question=q, text=text[:2000]))
            continue
        if raw in (None, ""):
            if q.required:
                errors[key] = [MSG_REQUIRED]
            continue
        try:
            score = int(raw)
        except (TypeError, ValueError):
            errors[key] = [MSG_RANGE.format(lo=q.min_score, hi=q.max_score)]
            continue
        if not q.min_score <= score <= q.max_score:
            errors[key] = [MSG_RANGE.format(lo=q.min_score, hi=q.max_score)]
            continue
        rows.append(Answer(response=response, question=q, score=score))
        if q.kind == Question.Kind.OVERALL:
            overall = score
    unknown = set(answers) - {q.pk for q in questions}
    if unknown:
        errors["answers"] = ["含有不属于本调查的题目"]
    if errors:
        raise ValidationFailed("请完整填写问卷", fields=errors)
    Answer.objects.bulk_create(rows)
    response.status = Response.Status.ANSWERED
    response.channel = channel
    response.overall = overall
    response.answered_at = now
    response.answered_by = actor
    response.save()
    if overall is not None and overall <= DISSATISFIED_MAX:
        visits.follow_up_survey(response, now)
    return response


@transaction.atomic
def response_decline(*, actor: User, response: Response, now: dt.datetime | None = None) -> Response:
    now = _now(now)
    response = _lock_open(actor, response)
    if getattr(actor, "kind", "staff") == User.Kind.CUSTOMER:
        raise Forbidden(MSG_FORBIDDEN)
    response.status = Response.Status.DECLINED
    response.answered_at = now
    response.answered_by = actor
    response.save()
    return response


def open_for_customer(user: User) -> Any:
    """The questionnaires waiting for a portal customer."""
    return Response.objects.filter(
        Q(customer__in=visits.customer_of(user)), status=Response.Status.PENDING, survey__status=Survey.Status.OPEN
    ).select_related("survey")
