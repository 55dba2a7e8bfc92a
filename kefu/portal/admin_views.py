"""Staff pages for the portal (under the console, /portal-admin/): reviewing occupancy verification
requests. Who may review: staff holding Perm.EDIT_ARCHIVES on the unit (agents, supervisors, archivists,
managers of the project; stewards for their zones). Out of scope is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt, paginate
from kefu.core.types import AuthedRequest
from kefu.org.roles import Perm
from kefu.org.scope import access

from . import selectors, services
from .forms import ApproveForm, RejectForm
from .models import VerificationRequest


def _require_reviewer(request: AuthedRequest) -> None:
    if access(request.user, Perm.EDIT_ARCHIVES).is_empty:
        raise Http404


def _request_or_404(request: AuthedRequest, pk: int) -> VerificationRequest:
    _require_reviewer(request)
    try:
        return selectors.verification_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


def verification_list(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    status = request.GET.get("status", VerificationRequest.Status.PENDING)
    if status not in VerificationRequest.Status.values and status != "all":
        status = VerificationRequest.Status.PENDING
    qs = selectors.verification_list(user=request.user, status="" if status == "all" else status)
    project = request.kefu_project
    if project is not None:
        qs = qs.filter(project=project)
    ctx = {
        "nav": "verifications",
        "page": paginate(request, qs),
        "status": status,
        "statuses": [*VerificationRequest.Status.choices, ("all", _("全部"))],
    }
    return render(request, "portal/admin/verification_list.html", ctx)


def _detail(request: AuthedRequest, r: VerificationRequest, **forms: object) -> HttpResponse:
    occupants = services.current_occupants(r.unit)
    ctx = {
        "nav": "verifications",
        "r": r,
        "occupants": occupants,
        "suggested": services.suggested_customer(r) if r.status == VerificationRequest.Status.PENDING else None,
        "approve_form": forms.get("approve_form")
        or ApproveForm(occupants=occupants, suggested=services.suggested_customer(r)),
        "reject_form": forms.get("reject_form") or RejectForm(),
    }
    return render(request, "portal/admin/verification_detail.html", ctx)


def verification_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, _request_or_404(request, pk))


@require_POST
def verification_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    r = _request_or_404(request, pk)
    form = ApproveForm(request.POST, occupants=services.current_occupants(r.unit))
    if form.is_valid():
        ok, _done = attempt(
            request,
            lambda: services.verification_approve(actor=request.user, request=r, customer=form.chosen()),
            form=form,
        )
        if ok:
            messages.success(
                request, _("已通过，%(name)s 的账号已关联 %(unit)s") % {"name": r.name, "unit": r.unit.code}
            )
            return redirect("portal_admin:verifications")
    return _detail(request, r, approve_form=form)


@require_POST
def verification_reject(request: AuthedRequest, pk: int) -> HttpResponse:
    r = _request_or_404(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        ok, _done = attempt(
            request,
            lambda: services.verification_reject(actor=request.user, request=r, reason=form.cleaned_data["reason"]),
            form=form,
        )
        if ok:
            messages.success(request, _("已退回 %(name)s 的申请") % {"name": r.name})
            return redirect("portal_admin:verifications")
    return _detail(request, r, reject_form=form)
