"""Customer pages of notices in the portal: the list (unread marked) and a notice (opening it marks it read).
Only notices addressed to the customer's own account exist here; any other number is "not found"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from kefu.core.errors import NotFound
from kefu.core.shortcuts import paginate
from kefu.core.types import AuthedRequest
from kefu.portal.access import customer_required

from . import selectors, services

PER_PAGE = 20


@login_not_required
@customer_required
def notice_list(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.my_notices(request.user), PER_PAGE)
    return render(
        request,
        "notices/portal/list.html",
        {"page": page, "unread": selectors.my_unread_count(request.user), "tab": "home"},
    )


@login_not_required
@customer_required
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        notice = selectors.my_notice_get(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    if notice.status == notice.Status.PUBLISHED:
        services.notice_read(actor=request.user, notice=notice)
    return render(request, "notices/portal/detail.html", {"notice": notice, "tab": "home"})
