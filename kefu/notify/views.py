"""我的消息: the in-app inbox (the notification rows themselves), with unread count and mark-read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.shortcuts import paginate
from kefu.core.types import AuthedRequest

from . import selectors, services


def inbox(request: AuthedRequest) -> HttpResponse:
    """One's own notifications only: the recipient is the scope."""
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.inbox(user=request.user, unread_only=unread_only)
    return render(
        request,
        "notify/inbox.html",
        {"nav": "inbox", "page": paginate(request, qs, 30), "unread_only": unread_only},
    )


@require_POST
def mark_read(request: AuthedRequest) -> HttpResponse:
    """Mark the ticked notifications (or, with all=1, every unread one) as read."""
    if request.POST.get("all") == "1":
        n = services.mark_read(user=request.user)
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
        n = services.mark_read(user=request.user, ids=ids) if ids else 0
    messages.success(request, _("已将 %(n)s 条消息标为已读") % {"n": n})
    return redirect("notify:inbox")


@require_POST
def open_notification(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one as read and go to what it is about."""
    n = selectors.inbox(user=request.user).filter(pk=pk).first()
    if n is None:
        return redirect("notify:inbox")
    services.mark_read(user=request.user, ids=[n.pk])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(n.url)
    return redirect("notify:inbox")
