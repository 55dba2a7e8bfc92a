"""Return-visit pages: the task list (queues, filters, export, bulk sign-off), the visit page with the
one-tap record form, the steward's phone list of today's calls, visit plans, and the visit settings.

Thin: every read through kefu.visits.selectors (scoped to the reader; out of scope answers 404), every
change through kefu.visits.services (which checks the permission again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core import scoped
from kefu.core.errors import NotFound
from kefu.core.formats import duration_zh
from kefu.core.masking import mask_phone
from kefu.core.shortcuts import attempt, paginate
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import xlsx_response
from kefu.org import selectors as org_selectors
from kefu.org.models import Project, User
from kefu.org.roles import ZONE_SCOPED_ROLES, Perm, Role, role_has
from kefu.org.scope import access, can
from kefu.tickets.selectors import active_categories

from . import scripts, selectors, services
from .forms import FilterForm, FindingForm, PlanForm, PolicyForm, ReassignForm, RecordForm, ScriptForm
from .models import (
    SATISFIED_MIN,
    CustomerRating,
    FindingCategory,
    ReturnVisit,
    Score,
    VisitAttempt,
    VisitFinding,
    VisitPlan,
    VisitPolicy,
    VisitScript,
)
from .selectors import Queue

S = ReturnVisit.Status
FINISHED = (S.DONE, S.UNREACHABLE, S.REFUSED)
PER_PAGE = 20
EXPORT_LIMIT = 50_000
DUE_SOON = dt.timedelta(hours=4)

QUEUE_LABELS = {
    Queue.TODAY: gettext_lazy("今日回访"),
    Queue.MINE: gettext_lazy("我的回访"),
    Queue.OPEN: gettext_lazy("待回访"),
    Queue.OVERDUE: gettext_lazy("已超时"),
    Queue.TO_SIGN: gettext_lazy("待审核"),
    Queue.DONE: gettext_lazy("已完成"),
    Queue.ALL: gettext_lazy("全部"),
}
# The outcome buttons of the record form, in the order a visitor meets them.
OUTCOME_BUTTONS = [
    (VisitAttempt.Outcome.REACHED, gettext_lazy("已接通")),
    (VisitAttempt.Outcome.NO_ANSWER, gettext_lazy("无人接听")),
    (VisitAttempt.Outcome.WRONG_NUMBER, gettext_lazy("号码错误")),
    (VisitAttempt.Outcome.REFUSED, gettext_lazy("拒绝回访")),
    (VisitAttempt.Outcome.CALLBACK, gettext_lazy("约定回电")),
]


# Shared helpers ---------------------------------------------------------------------------------------


_require_any = scoped.require_any


def _visit_or_404(request: AuthedRequest, pk: int) -> ReturnVisit:
    try:
        return selectors.visit_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _plan_or_404(request: AuthedRequest, pk: int) -> VisitPlan:
    try:
        return selectors.plan_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _safe_next(request: AuthedRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def _may_visit(user: User, visit: ReturnVisit) -> bool:
    """Who may record calls and findings: what services._require_visitor allows."""
    return (
        visit.assignee_id == user.pk
        or can(user, Perm.VISIT, visit.project_id, visit.zone_id)
        or can(user, Perm.MANAGE_VISITS, visit.project_id)
    )


def _may_sign(user: User, visit: ReturnVisit) -> bool:
    return (
        visit.status in FINISHED
        and visit.signed_off_at is None
        and visit.completed_by_id != user.pk
        and can(user, Perm.SIGN_OFF_VISITS, visit.project_id)
    )


def _due(visit: ReturnVisit, now: dt.datetime) -> tuple[str, str]:
    """The deadline text and its colour: 超时 2天3小时 (red) / 剩余 5小时."""
    if visit.status != S.PENDING:
        return "", ""
    if visit.due_at <= now:
        return _("超时 %(d)s") % {"d": duration_zh(now - visit.due_at)}, "overdue"
    css = "soon" if visit.due_at - now <= DUE_SOON else "ok"
    return _("剩余 %(d)s") % {"d": duration_zh(visit.due_at - now)}, css


def _decorate(visits: list[ReturnVisit], now: dt.datetime) -> list[ReturnVisit]:
    for v in visits:
        v.due_text, v.due_css = _due(v, now)  # type: ignore[attr-defined]
        v.title = scripts.customer_title(v.customer, v.contact_name)  # type: ignore[attr-defined]
    return visits


def _subject(visit: ReturnVisit) -> str:
    if visit.case is not None:
        return visit.case.title
    return str(visit.get_source_display())


def _home(user: User, visit: ReturnVisit) -> str:
    """Where the visit page leads back to: the assignee's list of today's calls, else the task list."""
    return reverse("visits:today") if visit.assignee_id == user.pk else reverse("visits:list")


# The list -----------------------------------------------------------------------------------------------


def _queues_for(user: User) -> list[str]:
    queues = []
    if can(user, Perm.VISIT):
        queues += [Queue.TODAY, Queue.MINE]
    queues += [Queue.OPEN, Queue.OVERDUE]
    if can(user, Perm.SIGN_OFF_VISITS):
        queues.append(Queue.TO_SIGN)
    return [*queues, Queue.DONE, Queue.ALL]


def _filtered(qs: QuerySet[ReturnVisit], project: Project | None, f: dict[str, Any]) -> QuerySet[ReturnVisit]:
    if project is not None:
        qs = qs.filter(project=project)
    for key in ("source", "status"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("zone"):
        qs = qs.filter(zone_id=f["zone"])
    if f.get("assignee"):
        qs = qs.filter(assignee_id=f["assignee"])
    if f.get("due_from"):
        qs = qs.filter(due_at__gte=timezone.make_aware(dt.datetime.combine(f["due_from"], dt.time.min)))
    if f.get("due_to"):
        end = f["due_to"] + dt.timedelta(days=1)
        qs = qs.filter(due_at__lt=timezone.make_aware(dt.datetime.combine(end, dt.time.min)))
    if f.get("completed_from"):
        qs = qs.filter(completed_at__gte=timezone.make_aware(dt.datetime.combine(f["completed_from"], dt.time.min)))
    if f.get("completed_to"):
        end = f["completed_to"] + dt.timedelta(days=1)
        qs = qs.filter(completed_at__lt=timezone.make_aware(dt.datetime.combine(end, dt.time.min)))
    if f.get("satisfied"):
        qs = qs.filter(score__gte=SATISFIED_MIN)
    if f.get("project"):
        qs = qs.filter(project_id=f["project"])
    if f.get("q"):
        q = f["q"].strip()
        qs = qs.filter(
            Q(case__number__icontains=q)
            | Q(unit__code__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(customer__name__icontains=q)
        )
    return qs


def visit_list(request: AuthedRequest) -> HttpResponse:
    """回访任务: the queues with a filter bar, export and (to sign) the bulk sign-off."""
    user = _require_any(request, Perm.VISIT, Perm.MANAGE_VISITS, Perm.SIGN_OFF_VISITS, Perm.VIEW_REPORTS)
    project = request.kefu_project
    queues = _queues_for(user)
    queue = request.GET.get("queue", "")
    if queue not in queues:
        queue = Queue.MINE if Queue.MINE in queues and not can(user, Perm.MANAGE_VISITS) else Queue.OPEN
    now = timezone.now()
    ff = FilterForm(request.GET or None)
    qs = _filtered(selectors.visit_queue(user, queue, now), project, ff.filters() if request.GET else {})
    if request.GET.get("export") == "xlsx":
        return _export(qs, queue, now)
    page = paginate(request, qs, PER_PAGE)
    page.object_list = _decorate(list(page.object_list), now)
    scoped = selectors.visits_for(user)
    if project is not None:
        scoped = scoped.filter(project=project)
    ctx = {
        "nav": "visits",
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "queues": [(q, QUEUE_LABELS[q]) for q in queues],
        "page": page,
        "f": request.GET,
        "sources": ReturnVisit.Source.choices,
        "statuses": ReturnVisit.Status.choices,
        "zones": org_selectors.zone_list(user=user, project=project),
        "assignees": User.objects.filter(pk__in=scoped.values("assignee")).order_by("name", "username"),
        "signing": queue == Queue.TO_SIGN,
    }
    if request.headers.get("HX-Request"):
        return render(request, "visits/_visit_table.html", ctx)
    return render(request, "visits/list.html", ctx)


EXPORT_HEADERS = [
    "来源", "项目", "区域", "工单号", "房屋", "客户", "联系电话", "回访人", "状态", "回访期限", "超时",
    "未接通次数", "满意度", "问题是否解决", "不满意原因", "客户意见", "完成时间", "实际回访人", "审核人", "审核时间",
]  # fmt: skip


def _export(qs: QuerySet[ReturnVisit], queue: str, now: dt.datetime) -> HttpResponse:
    qs = qs.select_related("completed_by", "signed_off_by")

    def rows() -> Iterator[list[Any]]:
        for v in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            due_text, due_css = _due(v, now)
            yield [
                v.get_source_display(),
                v.project.name,
                v.zone.name if v.zone else "",
                v.case.number if v.case else "",
                v.unit.code if v.unit else "",
                v.customer.name if v.customer else v.contact_name,
                mask_phone(v.contact_phone) if v.contact_phone else "",
                v.assignee.display_name if v.assignee else "",
                v.get_status_display(),
                v.due_at,
                due_text if due_css == "overdue" else "",
                v.attempts,
                f"{v.score} {v.get_score_display()}" if v.score else "",
                "" if v.solved is None else ("是" if v.solved else "否"),
                v.get_reason_display() if v.reason else "",
                v.customer_words,
                v.completed_at,
                v.completed_by.display_name if v.completed_by else "",
                v.signed_off_by.display_name if v.signed_off_by else "",
                v.signed_off_at,
            ]

    label = str(QUEUE_LABELS[queue])
    return xlsx_response(f"回访-{label}", label, EXPORT_HEADERS, rows())


@require_POST
def sign_off(request: AuthedRequest) -> HttpResponse:
    """审核通过: the selected visits through services.visit_sign_off, all or nothing."""
    user = request.user
    back = _safe_next(request, reverse("visits:list") + "?queue=to_sign")
    ids = [i for i in request.POST.getlist("visits") if i.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选要审核的回访"))
        return HttpResponseRedirect(back)
    try:
        visits = [selectors.visit_get(user, int(i)) for i in ids]
    except NotFound as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    ok, signed = attempt(request, lambda: services.visit_sign_off(actor=user, visits=visits))
    if ok:
        messages.success(request, _("已审核通过 %(n)s 条回访") % {"n": signed})
    return HttpResponseRedirect(back)


# The visit page --------------------------------------------------------------------------------------


def _visitors(visit: ReturnVisit) -> QuerySet[User]:
    """Staff a visit may be given to: the project's visitors and the stewards of its zone (the service
    checks again)."""
    roles = [r for r in Role if r not in ZONE_SCOPED_ROLES and r != Role.HEAD_OFFICE and role_has(r, Perm.VISIT)]
    q = Q(memberships__project_id=visit.project_id, memberships__role__in=roles, memberships__is_active=True)
    if visit.zone_id is not None:
        q |= Q(memberships__role=Role.STEWARD, memberships__zones=visit.zone_id, memberships__is_active=True)
    return User.objects.filter(q, is_active=True, kind=User.Kind.STAFF).distinct().order_by("name", "username")


def _detail(
    request: AuthedRequest,
    visit: ReturnVisit,
    *,
    record_form: RecordForm | None = None,
    finding_form: FindingForm | None = None,
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    _decorate([visit], now)
    may_record = visit.is_open and _may_visit(user, visit)
    manager = visit.is_open and can(user, Perm.MANAGE_VISITS, visit.project_id)
    fill = scripts.context_for(visit, user)
    script = scripts.script_for(visit)
    rating = None
    if visit.case is not None and visit.case.resolved_at is not None:
        rating = CustomerRating.objects.filter(case=visit.case, at__gte=visit.case.resolved_at).order_by("-at").first()
    if record_form is None and may_record:
        record_form = RecordForm(initial={"version": visit.version})
    ctx = {
        "nav": "visits",
        "visit": visit,
        "case": visit.case,
        "resolver": fill["处理人"],
        "resolution": fill["处理结果"],
        "script": scripts.render(script.body, fill) if script else "",
        "rating": rating,
        "attempts": visit.attempt_log.select_related("by").order_by("-at", "-pk"),
        "findings": visit.findings.select_related("case", "created_by"),
        "may_record": may_record,
        "may_find": _may_visit(user, visit),
        "may_sign": _may_sign(user, visit),
        "record_form": record_form,
        "finding_form": finding_form or FindingForm(),
        "reassign_form": ReassignForm(staff=_visitors(visit), initial={"assignee": visit.assignee_id})
        if manager
        else None,
        "outcomes": OUTCOME_BUTTONS,
        "scores": Score.choices,
        "home": _home(user, visit),
    }
    return render(request, "visits/detail.html", ctx)


def _recorded_message(visit: ReturnVisit, outcome: str) -> str:
    Out = VisitAttempt.Outcome
    if outcome == Out.REACHED:
        if visit.case is not None and (visit.is_dissatisfied or visit.solved is False):
            return _("回访已登记：客户不满意或问题未解决，工单 %(n)s 已退回返工并上报主管") % {"n": visit.case.number}
        if visit.case is not None:
            return _("回访已登记，工单 %(n)s 已关闭") % {"n": visit.case.number}
        return _("回访已登记")
    if outcome == Out.NO_ANSWER:
        if visit.status == S.PENDING:
            return _("已记录无人接听（第 %(n)s 次），%(h)s 小时后再拨") % {"n": visit.attempts, "h": visit.retry_hours}
        return _("已拨打 %(n)s 次无人接听，回访记为无法联系") % {"n": visit.attempts}
    if outcome == Out.CALLBACK and visit.next_attempt_at is not None:
        return _("已约定 %(t)s 回电") % {"t": timezone.localtime(visit.next_attempt_at).strftime("%m-%d %H:%M")}
    if outcome == Out.WRONG_NUMBER:
        return _("已记录号码错误，回访结束")
    return _("已记录客户拒绝回访，回访结束")


def visit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The visit page; a POST records one call (services.visit_record) and goes back to today's list."""
    visit = _visit_or_404(request, pk)
    if request.method != "POST":
        return _detail(request, visit)
    user = request.user
    form = RecordForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ok, result = attempt(
            request,
            lambda: services.visit_record(
                actor=user,
                visit=visit,
                outcome=d["outcome"],
                score=d["score"],
                solved=d["solved"],
                reason=d["reason"],
                customer_words=d["customer_words"],
                callback_at=d["callback_at"],
                note=d["note"],
                version=d["version"],
            ),
            form=form,
        )
        if ok and result is not None:
            messages.success(request, _recorded_message(result, d["outcome"]))
            return HttpResponseRedirect(_safe_next(request, _home(user, visit)))
        # Show what is there now (a colleague may have called meanwhile); a retry goes on from it.
        visit = _visit_or_404(request, pk)
        refreshed = request.POST.copy()
        refreshed["version"] = str(visit.version)
        form.data = refreshed
    return _detail(request, visit, record_form=form)


@require_POST
def finding_add(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ok, finding = attempt(
            request,
            lambda: services.finding_add(
                actor=request.user,
                visit=visit,
                category=d["category"],
                description=d["description"],
                to_case=d["to_case"],
            ),
            form=form,
        )
        if ok and finding is not None:
            if finding.case is not None:
                messages.success(request, _("问题已记录并转为工单 %(n)s") % {"n": finding.case.number})
            else:
                messages.success(request, _("问题已记录"))
            return redirect(reverse("visits:detail", args=[visit.pk]) + "#findings")
    return _detail(request, _visit_or_404(request, pk), finding_form=form)


@require_POST
def finding_case(request: AuthedRequest, pk: int, finding: int) -> HttpResponse:
    """转工单: an existing finding becomes a case."""
    visit = _visit_or_404(request, pk)
    found = visit.findings.filter(pk=finding).first()
    if found is None:
        raise Http404
    ok, case = attempt(request, lambda: services.finding_to_case(actor=request.user, finding=found))
    if ok and case is not None:
        messages.success(request, _("已转为工单 %(n)s") % {"n": case.number})
    return redirect(reverse("visits:detail", args=[visit.pk]) + "#findings")


@require_POST
def reassign(request: AuthedRequest, pk: int) -> HttpResponse:
    """改派 (managers of visits)."""
    visit = _visit_or_404(request, pk)
    form = ReassignForm(request.POST, staff=_visitors(visit))
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, _("改派给：%(e)s") % {"e": e})
    else:
        assignee = form.cleaned_data["assignee"]
        attempt(
            request,
            lambda: services.visit_reassign(actor=request.user, visit=visit, assignee=assignee),
            success=_("已改派给 %(n)s") % {"n": assignee.display_name},
        )
    return redirect("visits:detail", visit.pk)


# The steward's phone page ---------------------------------------------------------------------------------


def today(request: AuthedRequest) -> HttpResponse:
    """今日回访: my calls due today as large cards, and the plan households still to visit this quarter."""
    user = _require_any(request, Perm.VISIT)
    now = timezone.now()
    day = timezone.localdate(now)
    visits = _decorate(list(selectors.visit_queue(user, Queue.TODAY, now)[:100]), now)
    cards = [
        {
            "visit": v,
            "room": v.unit.code if v.unit else (v.case.location if v.case else ""),
            "subject": _subject(v),
            "late": v.due_at <= now,
        }
        for v in visits
    ]
    mine_pending = Q(visits__status=S.PENDING, visits__assignee=user)
    plans = [
        p
        for p in selectors.plans_for(user)
        .filter(status=VisitPlan.Status.ACTIVE, period_start__lte=day, period_end__gte=day)
        .annotate(left=Count("visits", filter=mine_pending))
        .order_by("period_end", "pk")
        if p.left or p.steward_id == user.pk
    ]
    ctx = {
        "cards": cards,
        "plans": plans,
        "mine_count": selectors.visit_queue(user, Queue.MINE, now).count(),
        "now": now,
    }
    return render(request, "visits/today.html", ctx)


# Plans -------------------------------------------------------------------------------------------------------


def _stewards(project: Project) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.STEWARD,
            memberships__project=project,
        )
        .distinct()
        .order_by("name", "username")
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def plan_list(request: AuthedRequest) -> HttpResponse:
    """走访计划: the plans in scope with their progress, and (managers) the form to create one."""
    user = _require_any(request, Perm.VISIT, Perm.MANAGE_VISITS, Perm.VIEW_REPORTS)
    project = request.kefu_project
    may_create = project is not None and can(user, Perm.MANAGE_VISITS, project.pk)
    form = None
    if may_create:
        assert project is not None
        start, end = services.quarter_of(timezone.localdate())
        form = PlanForm(
            request.POST if request.method == "POST" else None,
            initial={"period_start": start, "period_end": end, "share_percent": 25, "exclude_periods": 3},
            zones=org_selectors.zone_list(user=user, project=project),
            stewards=_stewards(project),
        )
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            ok, plan = attempt(
                request,
                lambda: services.plan_create(
                    actor=user,
                    zone=d["zone"],
                    period_start=d["period_start"],
                    period_end=d["period_end"],
                    share_percent=d["share_percent"],
                    exclude_periods=d["exclude_periods"],
                    steward=d["steward"],
                    name=d["name"],
                ),
                form=form,
            )
            if ok and plan is not None:
                messages.success(
                    request,
                    _("已生成走访计划「%(name)s」：区域 %(h)s 户，抽取 %(n)s 户")
                    % {"name": plan.name, "h": plan.households, "n": plan.planned},
                )
                return redirect("visits:plan", plan.pk)
    qs = selectors.plans_for(user)
    if project is not None:
        qs = qs.filter(project=project)
    qs = qs.annotate(
        done=Count("visits", filter=Q(visits__status=S.DONE)),
        pending=Count("visits", filter=Q(visits__status=S.PENDING)),
        cancelled=Count("visits", filter=Q(visits__status=S.CANCELLED)),
    ).order_by("-period_start", "zone__code", "pk")
    page = paginate(request, qs, PER_PAGE)
    for p in page.object_list:
        p.coverage = _rate(p.done, p.households)
        p.completion = _rate(p.planned - p.pending - p.cancelled, p.planned)
    return render(request, "visits/plans.html", {"nav": "visit_plans", "page": page, "form": form})


def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A plan: progress, per building, the households (tasks), the findings by category."""
    plan = _plan_or_404(request, pk)
    user = request.user
    now = timezone.now()
    progress = selectors.plan_progress(plan)
    buildings = (
        plan.visits.values("building__code", "building__name")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status=S.DONE)),
            unreachable=Count("pk", filter=Q(status__in=[S.UNREACHABLE, S.REFUSED])),
            pending=Count("pk", filter=Q(status=S.PENDING)),
        )
        .order_by("building__code")
    )
    status = request.GET.get("status", "")
    tasks = plan.visits.select_related("unit", "customer", "assignee", "case", "project").order_by("unit__code", "pk")
    if status in S.values:
        tasks = tasks.filter(status=status)
    page = paginate(request, tasks, 50)
    page.object_list = _decorate(list(page.object_list), now)
    findings = VisitFinding.objects.filter(visit__plan=plan)
    by_category = findings.values("category").annotate(n=Count("pk"), cases=Count("case")).order_by("-n", "category")
    ctx = {
        "nav": "visit_plans",
        "plan": plan,
        "progress": progress,
        "buildings": buildings,
        "page": page,
        "status": status,
        "statuses": S.choices,
        "by_category": [{**row, "label": str(FindingCategory(row["category"]).label)} for row in by_category],
        "findings": findings.select_related("visit__unit", "case").order_by("-created_at", "-pk")[:30],
        "may_close": plan.status == VisitPlan.Status.ACTIVE and can(user, Perm.MANAGE_VISITS, plan.project_id),
    }
    return render(request, "visits/plan.html", ctx)


@require_POST
def plan_close(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    left = plan.visits.filter(status=S.PENDING).count()
    attempt(
        request,
        lambda: services.plan_close(actor=request.user, plan=plan),
        success=_("计划已结束，未走访的 %(n)s 户已取消") % {"n": left},
    )
    return redirect("visits:plan", plan.pk)


# Settings: visit policies and scripts ---------------------------------------------------------------------


def _require_manager(request: AuthedRequest) -> User:
    return _require_any(request, Perm.MANAGE_VISITS)


def _may_edit(user: User, project_id: int | None) -> bool:
    return scoped.may_edit(user, Perm.MANAGE_VISITS, project_id)


def _scopes(user: User, project: Project | None) -> list[tuple[str, Any]]:
    return scoped.scope_choices(user, Perm.MANAGE_VISITS, project)


_categories = active_categories


def _policies(user: User, project: Project | None) -> QuerySet[VisitPolicy]:
    qs = selectors.policies_for(user)
    if project is not None:
        qs = qs.filter(Q(project__isnull=True) | Q(project=project))
    return qs.order_by("project", "kind", "category__code", "pk")


def _scripts(user: User, project: Project | None) -> QuerySet[VisitScript]:
    qs = selectors.scripts_for(user).filter(Q(project__isnull=True) | access(user, Perm.MANAGE_VISITS).q("project"))
    if project is not None:
        qs = qs.filter(Q(project__isnull=True) | Q(project=project))
    return qs.order_by("project", "purpose", "kind", "pk")


def _editing[T: (VisitPolicy, VisitScript)](user: User, qs: QuerySet[T], raw: str | None) -> T | None:
    if not raw:
        return None
    obj = qs.filter(pk=int(raw)).first() if raw.isdigit() else None
    if obj is None or not _may_edit(user, obj.project_id):
        raise Http404
    return obj


def _settings(
    request: AuthedRequest,
    *,
    policy: VisitPolicy | None = None,
    policy_form: PolicyForm | None = None,
    script: VisitScript | None = None,
    script_form: ScriptForm | None = None,
) -> HttpResponse:
    user = request.user
    project = request.kefu_project
    scopes = _scopes(user, project)
    for form in (policy_form, script_form):
        if form is not None:
            form.fields["scope"].choices = scopes  # type: ignore[attr-defined]
    if policy_form is None:
        initial: dict[str, Any] = {"scope": scopes[0][0] if scopes else "project"}
        if policy is not None:
            keys = ("kind", "rule", "assign_to", "due_hours", "max_attempts", "retry_hours", "is_active")
            initial.update({k: getattr(policy, k) for k in keys}, category=policy.category_id)
        policy_form = PolicyForm(initial=initial, categories=_categories(project), scopes=scopes)
    if script_form is None:
        initial = {"scope": scopes[0][0] if scopes else "project"}
        if script is not None:
            initial.update({k: getattr(script, k) for k in ("purpose", "kind", "name", "body", "is_active")})
        script_form = ScriptForm(initial=initial, scopes=scopes)
    policies = [(p, _may_edit(user, p.project_id)) for p in _policies(user, project)]
    script_rows = [(s, _may_edit(user, s.project_id)) for s in _scripts(user, project)]
    ctx = {
        "nav": "visit_settings",
        "policies": policies,
        "scripts": script_rows,
        "policy": policy,
        "policy_form": policy_form,
        "script": script,
        "script_form": script_form,
        "may_add": bool(scopes),
        "placeholders": scripts.PLACEHOLDERS.items(),
    }
    return render(request, "visits/settings.html", ctx)


def settings_page(request: AuthedRequest) -> HttpResponse:
    """回访设置: visit policies and scripts (managers of visits)."""
    user = _require_manager(request)
    project = request.kefu_project
    policy = _editing(user, _policies(user, project), request.GET.get("policy"))
    script = _editing(user, _scripts(user, project), request.GET.get("script"))
    return _settings(request, policy=policy, script=script)


@require_POST
def policy_save(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _require_manager(request)
    project = request.kefu_project
    policy = _editing(user, _policies(user, project), str(pk)) if pk else None
    # Every scope parses; the service refuses what the user may not do (and the form is shown again
    # with the scopes offered to this user).
    form = PolicyForm(request.POST, categories=_categories(policy.project if policy else project))

    def save(d: dict[str, Any], target: Project | None) -> Any:
        return services.policy_save(
            actor=user,
            policy=policy,
            project=target,
            kind=d["kind"],
            category=d["category"],
            rule=d["rule"],
            assign_to=d["assign_to"],
            due_hours=d["due_hours"],
            max_attempts=d["max_attempts"],
            retry_hours=d["retry_hours"],
            is_active=d["is_active"],
        )

    if scoped.save_form(request, form, policy, save, success=_("回访规则已保存")):
        return redirect(reverse("visits:settings") + "#policies")
    return _settings(request, policy=policy, policy_form=form)


@require_POST
def script_save(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _require_manager(request)
    project = request.kefu_project
    script = _editing(user, _scripts(user, project), str(pk)) if pk else None
    form = ScriptForm(request.POST)

    def save(d: dict[str, Any], target: Project | None) -> Any:
        return services.script_save(
            actor=user,
            script=script,
            project=target,
            purpose=d["purpose"],
            kind=d["kind"],
            name=d["name"],
            body=d["body"],
            is_active=d["is_active"],
        )

    if scoped.save_form(request, form, script, save, success=_("回访话术已保存")):
        return redirect(reverse("visits:settings") + "#scripts")
    return _settings(request, script=script, script_form=form)
