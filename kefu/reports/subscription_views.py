"""定时报表 (/reports/subscriptions/): a report reader's own subscriptions, with their next send and last
deliveries; create, edit, pause or resume, delete, and "send once now". Thin: the rules are in
kefu.reports.subscriptions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import ApplicationError, NotFound
from kefu.core.shortcuts import attempt
from kefu.core.types import AuthedRequest
from kefu.org.models import User

from . import registry
from .base import ALL, may_view_reports, report_projects
from .forms import SubscriptionForm
from .models import ReportSubscription
from .subscriptions import (
    recipients,
    schedule_text,
    subscription_delete,
    subscription_get,
    subscription_list,
    subscription_save,
    subscription_send_now,
    subscription_set_active,
)


def _reader(request: AuthedRequest) -> User:
    if not may_view_reports(request.user):
        raise Http404
    return request.user


def _own(user: User, pk: Any) -> ReportSubscription:
    try:
        return subscription_get(user, pk)
    except NotFound as exc:
        raise Http404 from exc


def _title(key: str) -> str:
    report = registry.get(key)
    return str(report.title) if report else key


def _page(
    request: AuthedRequest, *, form: SubscriptionForm | None = None, editing: ReportSubscription | None = None
) -> HttpResponse:
    user = request.user
    reports = registry.all_reports()
    rows = [
        {
            "sub": s,
            "title": str(reports[s.report_key].title) if s.report_key in reports else s.report_key,
            "group": str(reports[s.report_key].group) if s.report_key in reports else "",
            "url": reports[s.report_key].url if s.report_key in reports else "",
            "schedule": schedule_text(s),
            "recipients": recipients(s),
            "recent": getattr(s, "recent", []),
        }
        for s in subscription_list(user)
    ]
    if form is None:
        if editing is not None:
            form = SubscriptionForm(user=user, instance=editing)
        else:
            current = request.kefu_project
            mine = current is not None and report_projects(user).filter(pk=current.pk).exists()
            project = str(current.pk) if mine and current is not None else ALL
            form = SubscriptionForm(user=user, initial={"project": project})
    ctx = {
        "nav": "report_subscriptions",
        "rows": rows,
        "form": form,
        "editing": editing,
        "own_email": (user.email or "").strip(),
        "now": timezone.now(),
    }
    return render(request, "reports/subscriptions.html", ctx)


@require_GET
def subscriptions(request: AuthedRequest) -> HttpResponse:
    user = _reader(request)
    editing = _own(user, request.GET["edit"]) if request.GET.get("edit") else None
    return _page(request, editing=editing)


def _save(request: AuthedRequest, subscription: ReportSubscription | None) -> HttpResponse:
    user = request.user
    form = SubscriptionForm(request.POST, user=user)
    if form.is_valid():
        data = form.data_for_service()
        ok, sub = attempt(
            request, lambda: subscription_save(actor=user, data=data, subscription=subscription), form=form
        )
        if ok and sub is not None:
            if subscription is None:
                text = _("已订阅“%(r)s”，下次发送：%(t)s")
            else:
                text = _("订阅“%(r)s”已保存，下次发送：%(t)s")
            when = f"{timezone.localtime(sub.next_run_at):%Y-%m-%d %H:%M}"
            messages.success(request, text % {"r": _title(sub.report_key), "t": when})
            return redirect("reports:subscriptions")
    return _page(request, form=form, editing=subscription)


@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    return _save(request, None)


@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    return _save(request, _own(user, pk))


@require_POST
def toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    sub = _own(user, pk)
    ok, changed = attempt(
        request, lambda: subscription_set_active(actor=user, subscription=sub, active=not sub.is_active)
    )
    if ok and changed is not None:
        if changed.is_active:
            when = f"{timezone.localtime(changed.next_run_at):%Y-%m-%d %H:%M}"
            messages.success(request, _("已恢复“%(r)s”，下次发送：%(t)s") % {"r": _title(sub.report_key), "t": when})
        else:
            messages.success(request, _("已暂停“%(r)s”") % {"r": _title(sub.report_key)})
    return redirect("reports:subscriptions")


@require_POST
def delete(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    sub = _own(user, pk)
    title = _title(sub.report_key)
    ok, _result = attempt(request, lambda: subscription_delete(actor=user, subscription=sub))
    if ok:
        messages.success(request, _("已删除订阅“%(r)s”") % {"r": title})
    return redirect("reports:subscriptions")


@require_POST
def send_now(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    sub = _own(user, pk)
    try:
        delivery = subscription_send_now(actor=user, subscription=sub)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已加入发送队列：“%(r)s”（%(p)s），稍后发送到 %(to)s")
            % {"r": _title(sub.report_key), "p": delivery.label, "to": "、".join(recipients(sub))},
        )
    return redirect("reports:subscriptions")
