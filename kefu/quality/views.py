"""QC pages: the QC sheet (质检表) with its queues, filters and export; the item under review with the
reviewer's pass/return form and the operator's correction; sampling plans and draws (with the reproduce
check); the QC settings (error points, review rules, stuck thresholds).

Thin: every read through kefu.quality.selectors (scoped to the reader; out of scope answers 404), every
change through kefu.quality.services (which checks the permission again and refuses a review by the
operator).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core import scoped
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.shortcuts import attempt, paginate
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import xlsx_response
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import can, is_staff_member
from kefu.tickets.selectors import active_categories
from kefu.tickets.views import describe_event

from . import selectors, services
from .forms import (
    CorrectForm,
    DrawForm,
    ErrorPointForm,
    FilterForm,
    FindingFormSet,
    PlanForm,
    ReviewForm,
    ReviewPolicyForm,
    ThresholdForm,
    last_week,
)
from .models import Check, ErrorPoint, ReviewPolicy, SamplingDraw, SamplingPlan, StuckThreshold

PER_PAGE = 20
EXPORT_LIMIT = 50_000
WAITING = (Check.Status.PENDING, Check.Status.CORRECTED)

QUEUE_LABELS = {
    "mine": gettext_lazy("待我检查"),
    "pending": gettext_lazy("待检查"),
    "returned": gettext_lazy("退回待改"),
    "done": gettext_lazy("已完成"),
    "all": gettext_lazy("全部"),
}


# Shared helpers ---------------------------------------------------------------------------------------


def _require_staff(request: AuthedRequest) -> User:
    """The sheet is for staff: QC staff see their projects' checks, everyone else the checks of their work."""
    if not is_staff_member(request.user):
        raise Http404
    return request.user


_require_any = scoped.require_any


def _check_or_404(request: AuthedRequest, pk: int) -> Check:
    try:
        return selectors.check_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _in_project(qs: QuerySet[Any], project: Project | None, field: str = "project") -> QuerySet[Any]:
    return qs if project is None else qs.filter(**{field: project})


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# The QC sheet -----------------------------------------------------------------------------------------------


def _queues_for(user: User) -> list[str]:
    if can(user, Perm.QC_REVIEW):
        return list(QUEUE_LABELS)
    if can(user, Perm.VIEW_REPORTS) or can(user, Perm.MANAGE_QC):
        return ["pending", "returned", "done", "all"]
    return ["returned", "done", "all"]


def _filtered(qs: QuerySet[Check], project: Project | None, f: dict[str, Any]) -> QuerySet[Check]:
    qs = _in_project(qs, project)
    for key in ("source", "subject", "status", "stage"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("operator"):
        qs = qs.filter(operator_id=f["operator"])
    if f.get("reviewer"):
        qs = qs.filter(reviewer_id=f["reviewer"])
    if f.get("date_from"):
        qs = qs.filter(created_at__gte=_day_start(f["date_from"]))
    if f.get("date_to"):
        qs = qs.filter(created_at__lt=_day_start(f["date_to"] + dt.timedelta(days=1)))
    if f.get("q"):
        qs = qs.filter(case__number__icontains=f["q"].strip())
    return qs


def check_list(request: AuthedRequest) -> HttpResponse:
    """质检表: the QC sheet as a list, one queue at a time, with filters, paging and export."""
    user = _require_staff(request)
    project = request.kefu_project
    queues = _queues_for(user)
    queue = request.GET.get("queue", "")
    if queue not in queues:
        queue = queues[0]
    ff = FilterForm(request.GET or None)
    qs = _filtered(selectors.check_queue(user, queue), project, ff.filters() if request.GET else {})
    if request.GET.get("export") == "xlsx":
        return _export(qs, queue)
    page = paginate(request, qs, PER_PAGE)
    scoped = _in_project(selectors.checks_for(user), project)
    people = User.objects.order_by("name", "username")
    ctx = {
        "nav": "qc_checks",
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "queues": [(q, QUEUE_LABELS[q]) for q in queues],
        "page": page,
        "f": request.GET,
        "sources": Check.Source.choices,
        "subjects": Check.Subject.choices,
        "statuses": Check.Status.choices,
        "stages": ff.fields["stage"].choices,  # type: ignore[attr-defined]
        "operators": people.filter(pk__in=scoped.values("operator")),
        "reviewers": people.filter(pk__in=scoped.values("reviewer")),
    }
    if request.headers.get("HX-Request"):
        return render(request, "quality/_check_table.html", ctx)
    return render(request, "quality/checks.html", ctx)


EXPORT_HEADERS = [
    "日期", "项目", "来源", "工单号", "检查对象", "环节", "检查内容", "检查数量", "差错数", "致命差错数",
    "差错原因", "经办人", "检查人", "状态", "首次检查时间",
]  # fmt: skip


def causes(check: Check) -> str:
    """The errors of one line of the sheet: 【致命】E06 用语不文明、态度生硬：答复生硬；E04 ..."""
    return "；".join(
        f"{'【致命】' if e.fatal else ''}{e.point.code} {e.point.name}：{e.cause}" for e in check.errors.all()
    )


def _export(qs: QuerySet[Check], queue: str) -> HttpResponse:
    def rows() -> Iterator[list[Any]]:
        for c in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [
                timezone.localtime(c.created_at).date(),
                c.project.name,
                c.get_source_display(),
                c.case.number,
                c.get_subject_display(),
                c.get_stage_display() if c.stage else "",
                c.content_checked,
                c.quantity_checked,
                c.n_errors,  # type: ignore[attr-defined]
                c.n_fatal,  # type: ignore[attr-defined]
                causes(c),
                c.operator.display_name if c.operator else "",
                c.reviewer.display_name if c.reviewer else "",
                c.get_status_display(),
                c.checked_at,
            ]

    label = str(QUEUE_LABELS[queue])
    return xlsx_response(f"质检表-{label}", label, EXPORT_HEADERS, rows())


# The item under review -------------------------------------------------------------------------------------


def _may_review(user: User, check: Check) -> bool:
    """What services.check_pass/check_return allow (the service checks again)."""
    return (
        check.status in WAITING
        and can(user, Perm.QC_REVIEW, check.project_id)
        and (check.operator_id is None or check.operator_id != user.pk)
    )


def _may_correct(user: User, check: Check) -> bool:
    return check.status == Check.Status.RETURNED and check.operator_id == user.pk


def _finding_staff(check: Check) -> QuerySet[User]:
    staff = selectors.project_staff(check.project_id)
    return User.objects.filter(Q(pk__in=staff.values("pk")) | Q(pk=check.operator_id)).order_by("name", "username")


def _review_forms(check: Check, data: Any = None) -> tuple[ReviewForm, Any]:
    review = ReviewForm(
        data,
        initial={
            "content_checked": check.content_checked,
            "quantity_checked": check.quantity_checked,
            "version": check.version,
        },
    )
    findings = FindingFormSet(
        data,
        prefix="err",
        form_kwargs={
            "points": selectors.active_points(check.project_id),
            "staff": _finding_staff(check),
            "initial": {"operator": check.operator_id},
        },
    )
    return review, findings


def _subject_context(check: Check) -> dict[str, Any]:
    """What was checked: the reviewed reply or closure, the sampled case's closure, or the visit's result."""
    if check.subject == Check.Subject.VISIT:
        return {"visit": check.visit}
    event = check.event if check.event_id else selectors.closure_event(check)
    return {"reviewed": describe_event(event) if event is not None else None}


def _render_check(
    request: AuthedRequest,
    check: Check,
    *,
    review: ReviewForm | None = None,
    findings: Any = None,
    correct: CorrectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    may_review = _may_review(user, check)
    if may_review and review is None:
        review, findings = _review_forms(check)
    may_correct = _may_correct(user, check)
    if may_correct and correct is None:
        correct = CorrectForm(initial={"version": check.version})
    nxt = (
        selectors.check_queue(user, "mine").exclude(pk=check.pk).order_by("created_at", "pk").first()
        if can(user, Perm.QC_REVIEW, check.project_id)
        else None
    )
    ctx = {
        "nav": "qc_checks",
        "check": check,
        "case": check.case,
        "events": [describe_event(e) for e in selectors.check_excerpt(check)],
        "history": selectors.check_history(check),
        "errors": list(check.errors.select_related("point", "operator").order_by("at", "pk")),
        "may_review": may_review,
        "own_item": check.status in WAITING
        and check.operator_id == user.pk
        and can(user, Perm.QC_REVIEW, check.project_id),
        "own_item_message": services.MSG_OWN_ITEM,
        "review_form": review,
        "findings": findings,
        "may_correct": may_correct,
        "correct_form": correct,
        "next_check": nxt,
        "fatal_map": {str(p.pk): p.fatal for p in selectors.active_points(check.project_id)} if may_review else {},
        **_subject_context(check),
    }
    return render(request, "quality/check.html", ctx, status=status)


def check_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The item under review: the case, what was checked, the check's history and the forms."""
    _require_staff(request)
    return _render_check(request, _check_or_404(request, pk))


@require_POST
def check_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """通过 / 退回: services.check_pass or services.check_return with the error rows."""
    user = _require_staff(request)
    check = _check_or_404(request, pk)
    review, findings = _review_forms(check, request.POST)
    if review.is_valid():
        d = review.cleaned_data
        common = {
            "actor": user,
            "check": check,
            "content_checked": d["content_checked"],
            "quantity_checked": d["quantity_checked"],
            "note": d["note"],
            "version": d["version"],
        }
        if d["decision"] == "pass":
            ok, _done = attempt(request, lambda: services.check_pass(**common), form=review, success=_("已检查通过"))
            if ok:
                return redirect("quality:check", check.pk)
        elif findings.is_valid():
            rows = [f.cleaned_data for f in findings.forms if not f.is_blank()]
            found = [
                services.Finding(point=r["point"], cause=r["cause"], fatal=r["fatal"], operator=r["operator"])
                for r in rows
            ]
            ok, _done = attempt(
                request,
                lambda: services.check_return(findings=found, **common),
                form=review,
                success=_("已退回经办人修改，登记差错 %(n)s 个") % {"n": len(found)},
            )
            if ok:
                return redirect("quality:check", check.pk)
        else:
            review.add_error(None, _("请检查差错登记中标红的内容"))
    check = _check_or_404(request, pk)
    return _render_check(request, check, review=review, findings=findings)


@require_POST
def check_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    """The operator reports the correction of a returned item: services.check_correct."""
    user = _require_staff(request)
    check = _check_or_404(request, pk)
    form = CorrectForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        ok, _done = attempt(
            request,
            lambda: services.check_correct(actor=user, check=check, note=d["note"], version=d["version"]),
            form=form,
            success=_("已提交修改，等待复查"),
        )
        if ok:
            return redirect("quality:check", check.pk)
    return _render_check(request, _check_or_404(request, pk), correct=form)


# Sampling ---------------------------------------------------------------------------------------------------


def _require_sampling(request: AuthedRequest) -> User:
    return _require_any(request, Perm.QC_REVIEW, Perm.MANAGE_QC)


def _plans(user: User, project: Project | None) -> QuerySet[SamplingPlan]:
    return _in_project(selectors.plans_for(user), project).order_by("project", "name", "pk")


def _plan_initial(plan: SamplingPlan) -> dict[str, Any]:
    keys = ("name", "target", "mode", "share_percent", "per_operator", "kind", "is_active")
    return {**{k: getattr(plan, k) for k in keys}, "reviewers": [u.pk for u in plan.reviewers.all()]}


def _sampling(
    request: AuthedRequest,
    *,
    plan: SamplingPlan | None = None,
    plan_form: PlanForm | None = None,
    draw_form: DrawForm | None = None,
) -> HttpResponse:
    user = request.user
    project = request.kefu_project
    plans = _plans(user, project)
    plan_project = plan.project if plan is not None else project
    may_add = project is not None and can(user, Perm.MANAGE_QC, project.pk)
    if plan_form is None and (plan is not None or may_add):
        assert plan_project is not None
        plan_form = PlanForm(initial=_plan_initial(plan) if plan else None, staff=selectors.qc_staff(plan_project.pk))
    if draw_form is None:
        start, end = last_week(timezone.localdate())
        active = plans.filter(is_active=True)
        first = active.first()
        draw_form = DrawForm(
            initial={"period_start": start, "period_end": end, "plan": first.pk if first else None}, plans=active
        )
    draws = _in_project(selectors.draws_for(user), project, "plan__project").order_by("-drawn_at", "-pk")
    ctx = {
        "nav": "qc_sampling",
        "plans": [(p, can(user, Perm.MANAGE_QC, p.project_id)) for p in plans],
        "plan": plan,
        "plan_form": plan_form,
        "may_add": may_add,
        "draw_form": draw_form,
        "page": paginate(request, draws, PER_PAGE),
    }
    return render(request, "quality/sampling.html", ctx)


def _editable_plan(request: AuthedRequest, raw: Any) -> SamplingPlan | None:
    if not raw:
        return None
    try:
        plan: SamplingPlan = selectors.plan_get(request.user, int(raw))
    except (NotFound, ValueError) as exc:
        raise Http404 from exc
    if not can(request.user, Perm.MANAGE_QC, plan.project_id):
        raise Http404
    return plan


def sampling(request: AuthedRequest) -> HttpResponse:
    """抽检: the plans (managers add and edit them), the draw form and the draws."""
    _require_sampling(request)
    return _sampling(request, plan=_editable_plan(request, request.GET.get("plan")))


@require_POST
def plan_save(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _require_any(request, Perm.MANAGE_QC)
    plan = _editable_plan(request, pk)
    project = plan.project if plan is not None else request.kefu_project
    form = PlanForm(request.POST, staff=selectors.qc_staff(project.pk) if project else User.objects.none())
    if project is None:
        form.add_error(None, _("请先在顶部选择一个项目"))
    elif form.is_valid():
        d = form.cleaned_data
        ok, _saved = attempt(
            request,
            lambda: services.sampling_plan_save(
                actor=user,
                plan=plan,
                project=project,
                name=d["name"],
                target=d["target"],
                mode=d["mode"],
                share_percent=d["share_percent"],
                per_operator=d["per_operator"],
                kind=d["kind"],
                reviewer_ids=[u.pk for u in d["reviewers"]],
                is_active=d["is_active"],
            ),
            form=form,
            success=_("抽检方案已保存"),
        )
        if ok:
            return redirect(reverse("quality:sampling") + "#plans")
    return _sampling(request, plan=plan, plan_form=form)


@require_POST
def draw_new(request: AuthedRequest) -> HttpResponse:
    """抽取: services.sampling_draw for the chosen plan and period."""
    user = _require_sampling(request)
    form = DrawForm(request.POST, plans=_plans(user, request.kefu_project).filter(is_active=True))
    if form.is_valid():
        d = form.cleaned_data
        ok, draw = attempt(
            request,
            lambda: services.sampling_draw(
                actor=user, plan=d["plan"], period_start=d["period_start"], period_end=d["period_end"]
            ),
            form=form,
        )
        if ok and draw is not None:
            messages.success(
                request,
                _("已抽取 %(n)s 件（总体 %(p)s 件），已分派给质检员") % {"n": draw.drawn, "p": draw.population},
            )
            return redirect("quality:draw", draw.pk)
    return _sampling(request, draw_form=form)


def draw_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One draw: its checks, and on request the draw redone from its seed (复现抽样)."""
    user = _require_sampling(request)
    try:
        draw: SamplingDraw = selectors.draw_get(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    checks = list(selectors.check_queue(user, "all").filter(draw=draw).order_by("case__number", "pk"))
    reproduced = None
    if request.GET.get("reproduce"):
        visits = draw.plan.target == SamplingPlan.Target.VISITS
        stored = sorted((c.visit_id if visits else c.case_id) or 0 for c in checks)
        again = services.reproduce(draw)
        population = len(services.population(draw.plan, draw.period_start, draw.period_end))
        reproduced = {"same": again == stored, "again": len(again), "stored": len(stored), "population": population}
    ctx = {"nav": "qc_sampling", "draw": draw, "checks": checks, "reproduced": reproduced}
    return render(request, "quality/draw.html", ctx)


# Settings ---------------------------------------------------------------------------------------------------


def _require_manager(request: AuthedRequest) -> User:
    return _require_any(request, Perm.MANAGE_QC)


def _may_edit(user: User, project_id: int | None) -> bool:
    return scoped.may_edit(user, Perm.MANAGE_QC, project_id)


def _scopes(user: User, project: Project | None) -> list[tuple[str, Any]]:
    return scoped.scope_choices(user, Perm.MANAGE_QC, project)


_categories = active_categories


def _shared_or(qs: QuerySet[Any], project: Project | None) -> QuerySet[Any]:
    return qs if project is None else qs.filter(Q(project__isnull=True) | Q(project=project))


def _points(user: User, project: Project | None) -> QuerySet[ErrorPoint]:
    return _shared_or(selectors.error_points_for(user), project).order_by("project", "sort", "code", "pk")


def _rules(user: User, project: Project | None) -> QuerySet[ReviewPolicy]:
    return _shared_or(selectors.review_policies_for(user), project).order_by("project", "target", "kind", "pk")


def _visible(qs: QuerySet[Any], raw: Any) -> Any:
    """A row the page lists (404 otherwise); whether it may be changed is the service's decision."""
    if not raw:
        return None
    obj = qs.filter(pk=int(raw)).first() if str(raw).isdigit() else None
    if obj is None:
        raise Http404
    return obj


def _editable(user: User, qs: QuerySet[Any], raw: Any) -> Any:
    """A row to show in the edit form: only one the user may change (a shared one: head office)."""
    obj = _visible(qs, raw)
    if obj is not None and not _may_edit(user, obj.project_id):
        raise Http404
    return obj


def _threshold_rows(user: User, project: Project | None) -> list[dict[str, Any]]:
    rows = selectors.thresholds_for(user)
    shared = {t.item: t.hours for t in rows if t.project_id is None}
    own = {t.item: t.hours for t in rows if project is not None and t.project_id == project.pk}
    return [
        {
            "item": item,
            "label": label,
            "shared": shared.get(item),
            "own": own.get(item),
            "effective": own.get(item, shared.get(item)),
        }
        for item, label in StuckThreshold.Item.choices
    ]


def _settings(
    request: AuthedRequest,
    *,
    point: ErrorPoint | None = None,
    point_form: ErrorPointForm | None = None,
    rule: ReviewPolicy | None = None,
    rule_form: ReviewPolicyForm | None = None,
    threshold_form: ThresholdForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    project = request.kefu_project
    scopes = _scopes(user, project)
    first_scope = scopes[0][0] if scopes else "project"
    for form in (point_form, rule_form):
        if form is not None:
            form.fields["scope"].choices = scopes  # type: ignore[attr-defined]
    if point_form is None:
        initial: dict[str, Any] = {"scope": first_scope}
        if point is not None:
            initial.update({k: getattr(point, k) for k in ("code", "name", "stage", "fatal", "is_active", "sort")})
        point_form = ErrorPointForm(initial=initial, scopes=scopes)
    if rule_form is None:
        initial = {"scope": first_scope}
        if rule is not None:
            keys = ("target", "kind", "mode", "share_percent", "is_active")
            initial.update({k: getattr(rule, k) for k in keys}, category=rule.category_id)
        rule_form = ReviewPolicyForm(initial=initial, categories=_categories(project), scopes=scopes)
    rows = _threshold_rows(user, project)
    if threshold_form is None:
        threshold_form = ThresholdForm(initial={r["item"]: r["own"] if project else r["shared"] for r in rows})
    for r in rows:
        r["field"] = threshold_form[r["item"]]
    ctx = {
        "nav": "qc_settings",
        "points": [(p, _may_edit(user, p.project_id)) for p in _points(user, project)],
        "point": point,
        "point_form": point_form,
        "rules": [(r, _may_edit(user, r.project_id)) for r in _rules(user, project)],
        "rule": rule,
        "rule_form": rule_form,
        "thresholds": rows,
        "threshold_form": threshold_form,
        "may_thresholds": _may_edit(user, project.pk if project else None),
        "may_add": bool(scopes),
    }
    return render(request, "quality/settings.html", ctx, status=status)


def settings_page(request: AuthedRequest) -> HttpResponse:
    """质控设置: error points, review rules, stuck thresholds (QC managers)."""
    user = _require_manager(request)
    project = request.kefu_project
    point = _editable(user, _points(user, project), request.GET.get("point"))
    rule = _editable(user, _rules(user, project), request.GET.get("rule"))
    return _settings(request, point=point, rule=rule)


@require_POST
def point_save(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _require_manager(request)
    point = _visible(_points(user, request.kefu_project), pk)
    form = ErrorPointForm(request.POST)

    def save(d: dict[str, Any], target: Project | None) -> Any:
        return services.error_point_save(
            actor=user,
            point=point,
            project=target,
            code=d["code"],
            name=d["name"],
            stage=d["stage"],
            fatal=d["fatal"],
            is_active=d["is_active"],
            sort=d["sort"] or 0,
        )

    if scoped.save_form(request, form, point, save, success=_("差错点已保存")):
        return redirect(reverse("quality:settings") + "#points")
    return _settings(request, point=point, point_form=form)


@require_POST
def rule_save(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _require_manager(request)
    project = request.kefu_project
    rule = _visible(_rules(user, project), pk)
    form = ReviewPolicyForm(request.POST, categories=_categories(rule.project if rule else project))

    def save(d: dict[str, Any], target: Project | None) -> Any:
        share = d["share_percent"]
        return services.review_policy_save(
            actor=user,
            policy=rule,
            project=target,
            target=d["target"],
            kind=d["kind"],
            category=d["category"],
            mode=d["mode"],
            share_percent=100 if share is None else share,
            is_active=d["is_active"],
        )

    if scoped.save_form(request, form, rule, save, success=_("复核规则已保存")):
        return redirect(reverse("quality:settings") + "#rules")
    return _settings(request, rule=rule, rule_form=form)


@require_POST
def threshold_save(request: AuthedRequest) -> HttpResponse:
    """The stuck thresholds of the current project (with no project chosen: the shared ones), all or none."""
    user = _require_manager(request)
    project = request.kefu_project
    form = ThresholdForm(request.POST)
    if form.is_valid():
        current = {r["item"]: r["own"] if project else r["shared"] for r in _threshold_rows(user, project)}
        changed = {k: v for k, v in form.cleaned_data.items() if v is not None and v != current.get(k)}
        # In a project, emptying a field that held the project's own value goes back to the shared one.
        reset = [k for k, v in form.cleaned_data.items() if project and v is None and current.get(k) is not None]
        try:
            with transaction.atomic():
                if project is not None:
                    for item in reset:
                        services.threshold_reset(actor=user, project=project, item=item)
                for item, hours in changed.items():
                    try:
                        services.threshold_save(actor=user, project=project, item=item, hours=hours)
                    except ApplicationError as exc:
                        form.add_error(item if "hours" in exc.fields else None, exc.message)
                        raise
        except ApplicationError:
            pass
        else:
            messages.success(request, _("滞留阈值已保存") if changed or reset else _("滞留阈值没有变化"))
            return redirect(reverse("quality:settings") + "#thresholds")
    return _settings(request, threshold_form=form)
