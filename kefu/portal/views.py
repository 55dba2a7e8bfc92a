"""The portal's pages (微物业, /m/): thin views over portal.selectors and the services. Every page is
exempt from the console's LoginRequiredMiddleware and does its own check (access.customer_required):
anonymous visitors go to /m/login/, staff to the console. A case that is not the customer's is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt, client_ip
from kefu.core.types import AuthedRequest
from kefu.notify import selectors as notify_selectors
from kefu.notify.forms import CustomerPreferenceForm
from kefu.notify.models import ChannelPreference
from kefu.surveys import services as survey_services
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Case
from kefu.tickets.states import OPEN_STATUSES, Kind, Status
from kefu.visits import services as visit_services

from . import selectors, services, throttle
from .access import customer_required, is_customer, my_projects, my_units
from .forms import (
    CancelForm,
    CommentForm,
    PortalLoginForm,
    RateForm,
    ReportForm,
    SignupForm,
    SurveyForm,
    TrackForm,
    VerificationForm,
    category_label,
)

MSG_TRACK_NOT_FOUND = gettext_lazy("工单号或手机号后四位不正确")
MSG_TRACK_LIMITED = gettext_lazy("查询次数过多，请 10 分钟后再试")
MSG_LOGIN_LIMITED = gettext_lazy("登录尝试次数过多，请 10 分钟后再试")
LOGIN_TRIES = 20  # per IP per 10 minutes

QUICK_ENTRIES = [
    ("repair", "报修", "/m/report/?kind=repair"),
    ("complaint", "投诉", "/m/report/?kind=complaint"),
    ("suggestion", "建议", "/m/report/?kind=suggestion"),
    ("cases", "我的报事", "/m/me/"),
    ("notices", "通知公告", "/m/notices/"),
    ("faq", "常见问题", "/m/faq/"),
    ("services", "特约服务", "/m/services/"),
    ("track", "进度查询", "/m/track/"),
]


def portal_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page for logged-in customers only (see access.customer_required)."""
    return login_not_required(customer_required(view))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/m/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _case(request: AuthedRequest, number: str) -> Case:
    try:
        return selectors.my_case_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc


# Accounts -----------------------------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if is_customer(request.user):
        return redirect(_safe_next(request, "/m/"))
    form = PortalLoginForm(request, data=request.POST or None)
    ctx = {"form": form, "next": _safe_next(request, "")}
    if request.method == "POST":
        if not throttle.allow("portal-login", client_ip(request) or "-", tries=LOGIN_TRIES):
            ctx["error"] = MSG_LOGIN_LIMITED
            return render(request, "portal/login.html", ctx, status=429)
        if form.is_valid():
            auth_login(request, form.get_user())
            return HttpResponseRedirect(_safe_next(request, "/m/"))
    return render(request, "portal/login.html", ctx)


@login_not_required
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        auth_logout(request)
        return redirect("portal:login")
    return redirect("portal:me")


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if is_customer(request.user):
        return redirect("portal:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, user = attempt(
            request,
            lambda: services.account_signup(mobile=d["mobile"], name=d["name"], password=d["password"]),
            form=form,
        )
        if ok and user is not None:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功。请完成入住核实，关联您的房屋后即可在线报事"))
            return redirect("portal:verify")
    return render(request, "portal/signup.html", {"form": form})


@portal_page
@require_http_methods(["GET", "POST"])
def verify(request: AuthedRequest) -> HttpResponse:
    """入住核实: choose project, building and unit (htmx narrows the lists), relation and archive name."""
    user = request.user
    if request.method == "POST":
        form = VerificationForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            ok, _r = attempt(
                request,
                lambda: services.verification_request(
                    actor=user,
                    project=d["project"],
                    building=d["building"],
                    unit=d["unit"],
                    relation=d["relation"],
                    name=d["name"],
                    remark=d["remark"],
                ),
                form=form,
            )
            if ok:
                messages.success(request, _("已提交入住核实申请，物业核实后会通知您"))
                return redirect("portal:verify")
    else:
        choice = {k: request.GET.get(k) for k in ("project", "building", "unit", "relation", "name", "remark")}
        choice = {k: v for k, v in choice.items() if v}
        if "name" not in choice and user.name:
            choice["name"] = user.name
        form = VerificationForm(choice=choice)
    ctx = {"form": form, "requests": selectors.my_verifications(user)[:10], "units": my_units(user), "tab": "me"}
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "portal/_verify_form.html", ctx)
    return render(request, "portal/verify.html", ctx)


# Home, reporting, my cases ----------------------------------------------------------------------------------


@portal_page
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    cases = selectors.my_cases(user)
    ctx = {
        "tab": "home",
        "entries": [(k, _(label), url) for k, label, url in QUICK_ENTRIES],
        "units": list(my_units(user)),
        "projects": list(my_projects(user)),
        "pending": selectors.my_verifications(user).filter(status="pending").first(),
        "recent": [_card(c) for c in cases[:3]],
        "open_count": cases.filter(status__in=sorted(OPEN_STATUSES)).count(),
        "to_rate": _to_rate(cases),
        "surveys": selectors.open_surveys(user)[:3],
    }
    return render(request, "portal/home.html", ctx)


def _to_rate(cases: Any) -> int:
    return sum(
        1
        for c in cases.filter(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=False)[:50]
        if selectors.latest_rating(c) is None
    )


def _card(case: Case) -> dict[str, Any]:
    rating = selectors.latest_rating(case) if case.resolved_at else None
    return {
        "case": case,
        "steps": selectors.progress(case, rating is not None),
        "to_rate": selectors.can_rate(case, rating),
    }


@portal_page
@require_http_methods(["GET", "POST"])
def report(request: AuthedRequest) -> HttpResponse:
    """报事: kind, place (my unit or a public area), category, photos, a preferred visit time."""
    user = request.user
    kind = request.GET.get("kind", "")
    initial = {
        "kind": kind if kind in {k.value for k in selectors.REPORT_KINDS} else Kind.REPAIR,
        "contact_phone": user.mobile,
    }
    form = ReportForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if not form.units and not form.projects:
        return render(request, "portal/report.html", {"tab": "report", "form": None})
    if form.units:
        form.initial["place"] = f"u{form.units[0].pk}"
    if request.method == "POST" and form.is_valid():
        ok, case = attempt(
            request, lambda: ticket_services.customer_case_create(actor=user, **form.service_kwargs()), form=form
        )
        if ok and case is not None:
            messages.success(request, _("已提交，工单号 %(n)s。我们会尽快处理") % {"n": case.number})
            return redirect("portal:case", case.number)
    chosen_place = str(form["place"].value() or "")
    chosen_category = str(form["category"].value() or "")
    places = [
        {"value": f"u{u.pk}", "project": u.project_id, "label": f"{u.project.name} {u.code}", "public": False}
        for u in form.units
    ] + [
        {"value": f"p{p.pk}", "project": p.pk, "label": _("%(p)s · 公共区域") % {"p": p.name}, "public": True}
        for p in form.projects
    ]
    for p in places:
        p["selected"] = p["value"] == chosen_place
    categories = [
        {
            "pk": c.pk,
            "kind": c.kind,
            "project": c.project_id or "",
            "label": category_label(c),
            "selected": str(c.pk) == chosen_category,
        }
        for c in form.categories
    ]
    ctx = {"tab": "report", "form": form, "places": places, "categories": categories}
    return render(request, "portal/report.html", ctx)


ME_FILTERS = [("all", "全部"), ("open", "处理中"), ("rate", "待评价"), ("done", "已完成")]


@portal_page
def me(request: AuthedRequest) -> HttpResponse:
    """我的: my cases (filtered), my units and verification, surveys to answer."""
    user = request.user
    show = request.GET.get("show", "all")
    cases = selectors.my_cases(user)
    if show == "open":
        cases = cases.filter(status__in=sorted(OPEN_STATUSES))
    elif show == "done":
        cases = cases.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    elif show == "rate":
        cases = cases.filter(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=False)
    cards = [_card(c) for c in cases[:50]]
    if show == "rate":
        cards = [c for c in cards if c["to_rate"]]
    ctx = {
        "tab": "me",
        "show": show if show in dict(ME_FILTERS) else "all",
        "filters": [(k, _(label)) for k, label in ME_FILTERS],
        "cards": cards,
        "units": my_units(user),
        "verifications": selectors.my_verifications(user)[:5],
        "surveys": selectors.open_surveys(user),
        "inbox": list(notify_selectors.inbox(user=user)[:5]),
    }
    return render(request, "portal/me.html", ctx)


@portal_page
def case_detail(request: AuthedRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    rating = selectors.latest_rating(case)
    ctx = {
        "tab": "me",
        "case": case,
        "steps": selectors.progress(case, rating is not None),
        "events": selectors.describe(selectors.public_timeline(case), case),
        "photos": [a for a in selectors.public_attachments(case) if a.is_image],
        "rating": rating,
        "may_rate": selectors.can_rate(case, rating),
        "may_cancel": selectors.can_cancel(case),
        "may_add": selectors.can_add_information(case),
        "comment_form": CommentForm(),
        "cancel_form": CancelForm(),
    }
    return render(request, "portal/case.html", ctx)


@portal_page
@require_POST
def case_comment(request: AuthedRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        ok, _c = attempt(
            request,
            lambda: ticket_services.customer_case_comment(
                actor=request.user, case=case, body=form.cleaned_data["body"], uploads=form.cleaned_data["photos"]
            ),
        )
        if ok:
            messages.success(request, _("补充说明已提交"))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return redirect("portal:case", case.number)


@portal_page
@require_POST
def case_cancel(request: AuthedRequest, number: str) -> HttpResponse:
    case = _case(request, number)
    form = CancelForm(request.POST)
    if form.is_valid():
        ok, _c = attempt(
            request,
            lambda: ticket_services.customer_case_cancel(actor=request.user, case=case, reason=form.reason_text()),
        )
        if ok:
            messages.success(request, _("报事已取消"))
    else:
        messages.error(request, _("请选择取消原因"))
    return redirect("portal:case", case.number)


@portal_page
@require_http_methods(["GET", "POST"])
def case_rate(request: AuthedRequest, number: str) -> HttpResponse:
    """评价: stars, quick tags, solved or not, free text (kefu.visits.services.rating_submit)."""
    case = _case(request, number)
    rating = selectors.latest_rating(case)
    if not selectors.can_rate(case, rating):
        if request.method == "POST":
            messages.error(request, _("该报事现在不能评价"))
        return redirect("portal:case", case.number)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _r = attempt(
            request,
            lambda: visit_services.rating_submit(
                actor=request.user, case=case, score=d["score"], comment=form.comment_text(), solved=d["solved"]
            ),
            form=form,
        )
        if ok:
            messages.success(request, _("感谢您的评价"))
            return redirect("portal:case", case.number)
    return render(request, "portal/rate.html", {"tab": "me", "case": case, "form": form})


@portal_page
def case_file(request: AuthedRequest, number: str, pk: int) -> FileResponse:
    case = _case(request, number)
    try:
        att = selectors.public_attachment_get(case=case, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=not att.is_image, filename=att.name
    )


# Surveys ------------------------------------------------------------------------------------------------------


@portal_page
@require_http_methods(["GET", "POST"])
def survey(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        response = selectors.open_survey_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    questions = list(response.survey.questions.all())
    form = SurveyForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        ok, _r = attempt(
            request,
            lambda: survey_services.response_submit(actor=request.user, response=response, answers=form.answers()),
            form=form,
        )
        if ok:
            messages.success(request, _("问卷已提交，感谢您的参与"))
            return redirect("portal:me")
    items = [{"q": q, "field": form[f"q{q.pk}"]} for q in questions]
    return render(request, "portal/survey.html", {"tab": "me", "r": response, "items": items, "form": form})


# Tracking without logging in -------------------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Follow a case by its number and the last 4 digits of the phone: status and what happened, no
    personal data beyond a masked name. 10 tries per IP per 10 minutes; one error for any mismatch."""
    form = TrackForm(request.POST or None)
    ctx: dict[str, Any] = {"form": form, "tab": "", "anonymous": not is_customer(request.user)}
    if request.method == "POST":
        if not throttle.allow("track", client_ip(request) or "-"):
            form.is_valid()
            ctx["error"] = MSG_TRACK_LIMITED
            return render(request, "portal/track.html", ctx, status=429)
        case = None
        if form.is_valid():
            case = selectors.track_case(number=form.cleaned_data["number"], last4=form.cleaned_data["last4"])
        if case is None:
            ctx["error"] = MSG_TRACK_NOT_FOUND
        else:
            rating = selectors.latest_rating(case)
            ctx.update(
                case=case,
                masked_name=selectors.mask_name(case.contact_name or (case.customer.name if case.customer else "")),
                steps=selectors.progress(case, rating is not None),
                events=selectors.describe(selectors.public_timeline(case), case, with_bodies=False),
            )
    return render(request, "portal/track.html", ctx)


@portal_page
def notify_settings(request: AuthedRequest) -> HttpResponse:
    """消息通知设置: which of e-mail, SMS and WeChat the customer wants notices and case news on."""
    pref = ChannelPreference.objects.filter(user=request.user).first() or ChannelPreference(user=request.user)
    form = CustomerPreferenceForm(request.POST or None, instance=pref, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("通知设置已保存"))
            return redirect("portal:notify_settings")
        messages.error(request, _("请修正下面的错误"))
    return render(request, "portal/notify_settings.html", {"tab": "me", "form": form})
