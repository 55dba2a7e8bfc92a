"""我的消息: the in-app inbox (the notification rows themselves), with unread count and mark-read; 通知设置
(one's outside channels); 外发消息 (the outbox and its dead letters, for administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.shortcuts import paginate
from kefu.core.types import AuthedRequest
from kefu.org.roles import Perm
from kefu.org.scope import access

from . import outbox, selectors, services
from .forms import PreferenceForm
from .models import ChannelPreference, Delivery


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


def preferences(request: AuthedRequest) -> HttpResponse:
    """通知设置: the outside channels one wants notifications on (one's own only)."""
    pref = ChannelPreference.objects.filter(user=request.user).first() or ChannelPreference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=pref, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("通知设置已保存"))
            return redirect("notify:preferences")
        messages.error(request, _("请修正下面的错误"))
    return render(request, "notify/preferences.html", {"nav": "inbox", "form": form})


def outbox_list(request: AuthedRequest) -> HttpResponse:
    """外发消息: deliveries by status (dead letters first), for administrators (MANAGE_ORG)."""
    if access(request.user, Perm.MANAGE_ORG).is_empty:
        raise Http404
    status = request.GET.get("status", Delivery.Status.DEAD)
    if status not in Delivery.Status.values and status != "all":
        status = Delivery.Status.DEAD
    channel = request.GET.get("channel", "")
    if channel not in Delivery.Channel.values:
        channel = ""
    qs = selectors.outbox(user=request.user, status="" if status == "all" else status, channel=channel)
    counts = selectors.outbox_counts(user=request.user)
    ctx = {
        "nav": "outbox",
        "page": paginate(request, qs, 50),
        "status": status,
        "channel": channel,
        "statuses": [(v, label, counts[v]) for v, label in Delivery.Status.choices],
        "channels": Delivery.Channel.choices,
    }
    return render(request, "notify/outbox.html", ctx)


@require_POST
def outbox_resend(request: AuthedRequest, pk: int) -> HttpResponse:
    """Send a dead letter again (a fresh round of attempts)."""
    delivery = selectors.outbox(user=request.user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    if delivery.status != Delivery.Status.DEAD:
        messages.error(request, _("只有发送失败的消息可以重发"))
    else:
        outbox.resend(delivery)
        messages.success(request, _("已重新加入发送队列"))
    return redirect(f"{reverse('notify:outbox')}?status=dead")
