"""Satisfaction-survey pages: the campaign list, the draft editor, the survey page with publish / close,
the results (figures, charts, xlsx) and the phone-first answering pages.

Thin: every write through surveys.services, every figure from surveys.selectors (this module only rounds
them for display, the same way for the page and the xlsx).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.errors import ApplicationError
from kefu.core.masking import mask_phone
from kefu.core.shortcuts import attempt, paginate
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import Sheet, xlsx_sheets_response
from kefu.customers.models import Contact, Customer
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import can
from kefu.visits.models import DISSATISFIED_MAX
from kefu.visits.services import share_of

from . import selectors, services
from .forms import AnswerForm, QuestionFormSet, ResponseFilterForm, SurveyForm, question_initial, question_specs
from .models import Response, Survey
from .selectors import Figures, Nps

PER_PAGE = 20
FORMSET_PREFIX = "q"


# Access -------------------------------------------------------------------------------------------------


def _survey_user(user: User) -> bool:
    return any(can(user, p) for p in (Perm.VISIT, Perm.VIEW_REPORTS, Perm.MANAGE_VISITS))


def _survey_or_404(request: AuthedRequest, pk: int) -> Survey:
    survey = selectors.surveys_for(request.user).filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


def _manage_or_404(request: AuthedRequest, pk: int) -> Survey:
    survey = _survey_or_404(request, pk)
    if not can(request.user, Perm.MANAGE_VISITS, survey.project_id):
        raise Http404
    return survey


def _response_or_404(request: AuthedRequest, pk: int) -> Response:
    survey = selectors.surveys_for(request.user).filter(responses__pk=pk).first()
    response = selectors.responses_for(request.user, survey).filter(pk=pk).first() if survey else None
    if response is None or survey is None:
        raise Http404
    response.survey = survey
    return response


def _may_answer(user: User, response: Response) -> bool:
    return can(user, Perm.VISIT, response.project_id, response.zone_id)


def _may_see_results(user: User, survey: Survey) -> bool:
    return can(user, Perm.VIEW_REPORTS, survey.project_id)


def _safe_next(request: AuthedRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


# Number formats: one rounding for the page and the xlsx ------------------------------------------------


def pct(x: float | None) -> float | None:
    """A share as a percentage with one decimal: 0.925 → 92.5."""
    return None if x is None else round(x * 100, 1)


def mean2(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)


def show(kind: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "mean":
        return f"{value:.2f}"
    if kind == "nps":
        return f"{value:.1f}"
    if kind == "int":
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


@dataclass(frozen=True)
class Col:
    key: str
    title: str
    kind: str = "int"  # text | int | pct | mean | nps | time

    @property
    def header(self) -> str:
        return f"{self.title}(%)" if self.kind == "pct" else self.title


@dataclass
class Table:
    """One table of the results page; the same rows are written to its xlsx sheet."""

    key: str
    title: str
    cols: list[Col]
    rows: list[list[Any]] = field(default_factory=list)

    def sheet(self) -> Sheet:
        return (self.title, [c.header for c in self.cols], self.rows)

    @property
    def display(self) -> list[list[tuple[str, str]]]:
        return [[(show(c.kind, v), c.kind) for c, v in zip(self.cols, row, strict=True)] for row in self.rows]

    def cell(self, key: str, row: int = 0) -> Any:
        return self.rows[row][[c.key for c in self.cols].index(key)]


def _figure_cols(first: str) -> list[Col]:
    return [
        Col("label", first, "text"),
        Col("invited", _("样本户数")),
        Col("answered", _("已答")),
        Col("response_rate", _("回答率"), "pct"),
        Col("scored", _("有效评分")),
        Col("satisfied", _("满意(4-5分)")),
        Col("csat", _("满意率"), "pct"),
        Col("mean", _("平均分"), "mean"),
    ]


def _figure_row(f: Figures) -> list[Any]:
    return [f.label, f.invited, f.answered, pct(f.response_rate), f.scored, f.satisfied, pct(f.csat), mean2(f.mean)]


def _overall_table(total: Figures, n: Nps) -> Table:
    cols = [
        Col("invited", _("样本户数")),
        Col("answered", _("已答")),
        Col("response_rate", _("回答率"), "pct"),
        Col("scored", _("总体满意度评分数")),
        Col("satisfied", _("满意(4-5分)")),
        Col("csat", _("总体满意率"), "pct"),
        Col("mean", _("总体平均分"), "mean"),
        Col("nps_answers", _("推荐意愿评分数")),
        Col("promoters", _("推荐者(9-10分)")),
        Col("passives", _("中立者(7-8分)")),
        Col("detractors", _("贬损者(0-6分)")),
        Col("nps", _("NPS"), "nps"),
    ]
    nps_score = None if n.score is None else round(n.score, 1)
    row = [
        total.invited,
        total.answered,
        pct(total.response_rate),
        total.scored,
        total.satisfied,
        pct(total.csat),
        mean2(total.mean),
        n.answers,
        n.promoters,
        n.passives,
        n.detractors,
        nps_score,
    ]
    return Table("overall", _("总体"), cols, [row])


def _dimension_table(dims: list[Figures]) -> Table:
    cols = [
        Col("label", _("服务维度"), "text"),
        Col("scored", _("评分数")),
        Col("satisfied", _("满意(4-5分)")),
        Col("csat", _("满意率"), "pct"),
        Col("mean", _("平均分"), "mean"),
    ]
    return Table(
        "dimension", _("按服务维度"), cols, [[f.label, f.scored, f.satisfied, pct(f.csat), mean2(f.mean)] for f in dims]
    )


def _follow_up_text(r: Response) -> str:
    return "；".join(f"#{v.pk} {v.get_status_display()}" for v in r.follow_ups.all())


def _dissatisfied_table(rows: list[Response]) -> Table:
    cols = [
        Col("unit", _("房屋"), "text"),
        Col("customer", _("客户"), "text"),
        Col("zone", _("责任区域"), "text"),
        Col("overall", _("总体满意度")),
        Col("answered_at", _("回答时间"), "time"),
        Col("follow_up", _("跟进回访"), "text"),
    ]
    return Table(
        "dissatisfied",
        _("不满意客户"),
        cols,
        [
            [
                r.unit.code,
                r.customer.name if r.customer else "",
                r.zone.name if r.zone else "",
                r.overall,
                r.answered_at,
                _follow_up_text(r),
            ]
            for r in rows
        ],
    )


def _comments_table(answers: list[Any]) -> Table:
    cols = [
        Col("unit", _("房屋"), "text"),
        Col("zone", _("责任区域"), "text"),
        Col("text", _("意见建议"), "text"),
        Col("answered_at", _("回答时间"), "time"),
    ]
    rows = [
        [a.response.unit.code, a.response.zone.name if a.response.zone else "", a.text, a.response.answered_at]
        for a in answers
    ]
    return Table("comments", _("意见建议"), cols, rows)


def _sample_text(survey: Survey) -> str:
    if survey.sample == Survey.Sample.ALL:
        return _("全部入住户")
    return _("按比例抽样 %(p)s%%") % {"p": survey.share_percent}


# The campaign list ----------------------------------------------------------------------------------------


def survey_list(request: AuthedRequest) -> HttpResponse:
    """满意度调查: the campaigns in scope with their sample and response rate."""
    user = request.user
    if not _survey_user(user):
        raise Http404
    qs = selectors.surveys_for(user)
    if request.kefu_project is not None:
        qs = qs.filter(project=request.kefu_project)
    status = request.GET.get("status", "")
    if status in Survey.Status.values:
        qs = qs.filter(status=status)
    page = paginate(request, qs, PER_PAGE)
    rows = []
    for s in page.object_list:
        f = selectors.overall(selectors.responses_for(user, s))
        rows.append(
            {
                "survey": s,
                "sample": _sample_text(s),
                "invited": f.invited,
                "answered": f.answered,
                "rate": show("pct", pct(f.response_rate)),
                "results": _may_see_results(user, s) and s.status != Survey.Status.DRAFT,
            }
        )
    ctx = {
        "nav": "surveys",
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": Survey.Status.choices,
        "can_create": can(user, Perm.MANAGE_VISITS),
    }
    return render(request, "surveys/list.html", ctx)


# The draft editor -------------------------------------------------------------------------------------


def _place_errors(exc: ApplicationError, form: SurveyForm) -> list[str]:
    """Put a service's field errors on the form; return the questionnaire's errors."""
    question_errors: list[str] = []
    placed = False
    for name, errs in exc.fields.items():
        if name == "questions":
            question_errors += errs
            placed = True
        elif name in form.fields:
            for e in errs:
                form.add_error(name, e)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
    return question_errors


def _editor(request: AuthedRequest, survey: Survey | None) -> HttpResponse:
    user = request.user
    project = survey.project if survey else request.kefu_project
    assert project is not None
    question_errors: list[str] = []
    if request.method == "POST":
        form = SurveyForm(request.POST)
        formset = QuestionFormSet(request.POST, prefix=FORMSET_PREFIX)
        forms_ok = form.is_valid()
        forms_ok = formset.is_valid() and forms_ok
        if forms_ok:
            d = form.cleaned_data
            fields = {
                "name": d["name"],
                "intro": d["intro"],
                "period_start": d["period_start"],
                "period_end": d["period_end"],
                "sample": d["sample"],
                "share_percent": d["share_percent"] or 100,
                "questions": question_specs(formset),
            }
            try:
                if survey is None:
                    saved = services.survey_create(actor=user, project=project, **fields)
                    messages.success(request, _("调查已保存为草稿"))
                else:
                    saved = services.survey_update(actor=user, survey=survey, version=d["version"], **fields)
                    messages.success(request, _("调查已保存"))
            except ApplicationError as exc:
                question_errors = _place_errors(exc, form)
            else:
                return redirect("surveys:detail", saved.pk)
    elif survey is None:
        today = timezone.localdate()
        form = SurveyForm(
            initial={
                "name": _("%(y)s年满意度调查") % {"y": today.year},
                "period_start": today,
                "period_end": today + dt.timedelta(days=30),
                "sample": Survey.Sample.ALL,
                "share_percent": 100,
            }
        )
        formset = QuestionFormSet(prefix=FORMSET_PREFIX, initial=question_initial(services.DEFAULT_QUESTIONS))
    else:
        form = SurveyForm(
            initial={
                "name": survey.name,
                "intro": survey.intro,
                "period_start": survey.period_start,
                "period_end": survey.period_end,
                "sample": survey.sample,
                "share_percent": survey.share_percent,
                "version": survey.version,
            }
        )
        formset = QuestionFormSet(prefix=FORMSET_PREFIX, initial=question_initial(survey.questions.all()))
    ctx = {
        "nav": "surveys",
        "survey": survey,
        "project": project,
        "form": form,
        "formset": formset,
        "question_errors": question_errors,
    }
    return render(request, "surveys/edit.html", ctx)


def survey_create(request: AuthedRequest) -> HttpResponse:
    """新建调查: a draft in the current project, prefilled with the standard questionnaire."""
    user = request.user
    if not can(user, Perm.MANAGE_VISITS):
        raise Http404
    project = request.kefu_project
    if project is None or not can(user, Perm.MANAGE_VISITS, project.pk):
        messages.error(request, _("请先在顶部选择一个您可以管理调查的项目"))
        return redirect("surveys:list")
    return _editor(request, None)


def survey_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = _manage_or_404(request, pk)
    if survey.status != Survey.Status.DRAFT:
        messages.error(request, services.MSG_NOT_DRAFT)
        return redirect("surveys:detail", survey.pk)
    return _editor(request, survey)


# The survey page -------------------------------------------------------------------------------------


def survey_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    survey = _survey_or_404(request, pk)
    manage = can(user, Perm.MANAGE_VISITS, survey.project_id)
    preview = None
    if manage and survey.status == Survey.Status.DRAFT:
        households = len(services.project_households(survey.project_id))
        sampled = households if survey.sample == Survey.Sample.ALL else share_of(households, survey.share_percent)
        preview = {"households": households, "sampled": sampled}
    total = selectors.overall(selectors.responses_for(user, survey))
    ctx = {
        "nav": "surveys",
        "survey": survey,
        "sample": _sample_text(survey),
        "questions": survey.questions.all(),
        "manage": manage,
        "preview": preview,
        "total": total,
        "rate": show("pct", pct(total.response_rate)),
        "results": _may_see_results(user, survey) and survey.status != Survey.Status.DRAFT,
    }
    return render(request, "surveys/detail.html", ctx)


@require_POST
def survey_open(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = _manage_or_404(request, pk)
    ok, opened = attempt(request, lambda: services.survey_open(actor=request.user, survey=survey))
    if ok and opened is not None:
        messages.success(request, _("调查已发布，已生成 %(n)s 份问卷") % {"n": opened.responses.count()})
    return redirect("surveys:detail", survey.pk)


@require_POST
def survey_close(request: AuthedRequest, pk: int) -> HttpResponse:
    survey = _manage_or_404(request, pk)
    attempt(request, lambda: services.survey_close(actor=request.user, survey=survey), success=_("调查已结束"))
    return redirect("surveys:detail", survey.pk)


# Results -----------------------------------------------------------------------------------------------

FORMULAS = [
    (gettext_lazy("回答率"), gettext_lazy("已答问卷数 ÷ 抽样户数（拒答和未答均计为未答）")),
    (gettext_lazy("满意率"), gettext_lazy("评 4-5 分的答案数 ÷ 有评分的答案数（1-5 分制）")),
    (gettext_lazy("平均分"), gettext_lazy("所给分数的算术平均")),
    (gettext_lazy("NPS"), gettext_lazy("(评 9-10 分人数 − 评 0-6 分人数) ÷ 评分人数 × 100（0-10 分制）")),
    (
        gettext_lazy("口径"),
        gettext_lazy("区域、楼栋的满意率为总体满意度题的满意率；服务维度的满意率为该维度分项评分题的满意率"),
    ),
]


def results(request: AuthedRequest, pk: int) -> HttpResponse:
    """调查结果: overall figures, NPS, by zone / building / dimension, the dissatisfied and the comments."""
    user = request.user
    survey = _survey_or_404(request, pk)
    if not _may_see_results(user, survey):
        raise Http404
    responses = selectors.responses_for(user, survey)
    total = selectors.overall(responses)
    n = selectors.nps(responses)
    overall = _overall_table(total, n)
    zones = Table(
        "zone", _("按区域"), _figure_cols(_("责任区域")), [_figure_row(f) for f in selectors.by_zone(responses)]
    )
    buildings = Table(
        "building", _("按楼栋"), _figure_cols(_("楼栋")), [_figure_row(f) for f in selectors.by_building(responses)]
    )
    dims = _dimension_table(selectors.by_dimension(responses))
    unhappy = list(selectors.dissatisfied(responses).order_by("overall", "answered_at", "pk"))
    unhappy_table = _dissatisfied_table(unhappy)
    comments = list(selectors.comments(responses))
    comments_table = _comments_table(comments)
    tables = [overall, zones, buildings, dims, unhappy_table, comments_table]
    if request.GET.get("export") == "xlsx":
        return xlsx_sheets_response(f"满意度调查-{survey.name}", [t.sheet() for t in tables])
    charts = {
        t.key: {
            "name": _("满意率"),
            "labels": [r[0] for r in t.rows],
            "values": [t.cell("csat", i) for i in range(len(t.rows))],
        }
        for t in (zones, dims)
    }
    stats = {c.key: show(c.kind, v) for c, v in zip(overall.cols, overall.rows[0], strict=True)}
    ctx = {
        "nav": "surveys",
        "survey": survey,
        "sample": _sample_text(survey),
        "stats": stats,
        "overall": overall,
        "zones": zones,
        "buildings": buildings,
        "dims": dims,
        "unhappy": list(zip(unhappy, unhappy_table.display, strict=True)),
        "comments": list(zip(comments, comments_table.display, strict=True)),
        "charts": charts,
        "formulas": FORMULAS,
        "printed_at": timezone.localtime(),
    }
    return render(request, "surveys/results.html", ctx)


# Answering (phone first) -------------------------------------------------------------------------------


def responses(request: AuthedRequest, pk: int) -> HttpResponse:
    """待访问问卷: the questionnaires in my scope, by zone, building, status and room."""
    user = request.user
    survey = _survey_or_404(request, pk)
    scope = selectors.responses_for(user, survey)
    ff = ResponseFilterForm(request.GET)
    f = ff.filters()
    qs = scope
    if f.get("zone"):
        qs = qs.filter(zone_id=f["zone"])
    if f.get("building"):
        qs = qs.filter(building_id=f["building"])
    counts = dict(qs.values_list("status").annotate(n=Count("pk")).order_by())
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("q"):
        qs = qs.filter(unit__code__icontains=f["q"])
    page = paginate(request, qs.order_by("building__code", "unit__code", "pk"), PER_PAGE)
    answering = survey.status == Survey.Status.OPEN
    cards = [{"r": r, "may_answer": answering and _may_answer(user, r)} for r in page.object_list]
    status = request.GET.get("status") or Response.Status.PENDING
    tabs = [
        (Response.Status.PENDING, _("未答"), counts.get(Response.Status.PENDING, 0)),
        (Response.Status.ANSWERED, _("已答"), counts.get(Response.Status.ANSWERED, 0)),
        (Response.Status.DECLINED, _("拒答"), counts.get(Response.Status.DECLINED, 0)),
        (ResponseFilterForm.STATUS_ALL, _("全部"), sum(counts.values())),
    ]
    ctx = {
        "nav": "surveys",
        "survey": survey,
        "page": page,
        "cards": cards,
        "f": request.GET,
        "status": status,
        "tabs": tabs,
        "zones": sorted(
            {(z, n) for z, n in scope.values_list("zone_id", "zone__name").distinct() if z}, key=lambda x: x[1]
        ),
        "buildings": sorted(
            set(scope.values_list("building_id", "building__name").distinct()), key=lambda x: (x[1] or "", x[0])
        ),
    }
    return render(request, "surveys/responses.html", ctx)


def _phone(user: User, response: Response) -> str:
    """The household's number for the call button, only for those who may reveal phones there."""
    customer: Customer | None = response.customer
    if customer is None or not can(user, Perm.REVEAL_PHONE, response.project_id, response.zone_id):
        return ""
    contact = (
        Contact.objects.filter(customer=customer, kind__in=[Contact.Kind.MOBILE, Contact.Kind.LANDLINE])
        .order_by("-is_primary", "pk")
        .first()
    )
    return contact.value if contact else ""


def answer(request: AuthedRequest, pk: int) -> HttpResponse:
    """问卷访问: the intro, big score buttons, comments, the channel; 提交 or 拒答."""
    user = request.user
    response = _response_or_404(request, pk)
    survey = response.survey
    questions = list(survey.questions.all())
    back = _safe_next(request, reverse("surveys:responses", args=[survey.pk]))
    may_answer = _may_answer(user, response)
    answering = may_answer and survey.status == Survey.Status.OPEN and response.status == Response.Status.PENDING
    form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST":
        if not may_answer:
            raise Http404
        if not answering:
            closed = survey.status != Survey.Status.OPEN
            messages.error(request, services.MSG_NOT_OPEN if closed else services.MSG_ANSWERED)
            return redirect("surveys:answer", response.pk)
        if form.is_valid():
            ok, done = attempt(
                request,
                lambda: services.response_submit(
                    actor=user, response=response, answers=form.answers(), channel=form.cleaned_data["channel"]
                ),
                form=form,
            )
            if ok and done is not None:
                messages.success(request, _("%(room)s 的问卷已提交，谢谢") % {"room": response.unit.code})
                if done.overall is not None and done.overall <= DISSATISFIED_MAX:
                    messages.warning(request, _("该户总体评价不满意，已生成跟进回访任务"))
                return HttpResponseRedirect(back)
    given = {a.question_id: a for a in response.answers.all()} if response.status == Response.Status.ANSWERED else {}
    items = []
    for i, q in enumerate(questions, start=1):
        bound = form[f"q{q.pk}"]
        items.append(
            {
                "n": i,
                "q": q,
                "field": bound,
                "value": str(bound.value() or ""),
                "scores": [str(s) for s in range(q.min_score, q.max_score + 1)],
                "given": given.get(q.pk),
            }
        )
    phone = _phone(user, response)
    ctx = {
        "survey": survey,
        "r": response,
        "form": form,
        "items": items,
        "answering": answering,
        "back": back,
        "phone": phone,
        "phone_masked": mask_phone(phone) if phone else "",
    }
    return render(request, "surveys/answer.html", ctx)


@require_POST
def decline(request: AuthedRequest, pk: int) -> HttpResponse:
    """拒答: the household would not answer; the questionnaire counts as not answered."""
    response = _response_or_404(request, pk)
    back = _safe_next(request, reverse("surveys:responses", args=[response.survey_id]))
    ok, _r = attempt(
        request,
        lambda: services.response_decline(actor=request.user, response=response),
        success=_("%(room)s 已记为拒答") % {"room": response.unit.code},
    )
    if not ok:
        return redirect("surveys:answer", response.pk)
    return HttpResponseRedirect(back)
