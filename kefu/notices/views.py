"""Staff pages of notices: the list, writing and editing, publishing and withdrawing, and the read receipts
(audience, read count, read rate, per building, who has and has not read; xlsx export).

Thin: writes through notices.services, reads through notices.selectors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt, paginate
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import xlsx_sheets_response
from kefu.org.roles import Perm
from kefu.org.scope import can

from . import selectors, services
from .forms import NoticeForm, ReceiptFilterForm, WithdrawForm
from .models import Notice, NoticeReceipt
from .selectors import ReadFigures

PER_PAGE = 20
RECEIPTS_PER_PAGE = 50


def pct(f: ReadFigures) -> str:
    return "—" if f.rate is None else f"{f.rate * 100:.1f}%"


def _reader(request: AuthedRequest) -> None:
    if not (can(request.user, Perm.PUBLISH_NOTICES) or can(request.user, Perm.VIEW_CASES)):
        raise Http404


def _notice_or_404(request: AuthedRequest, pk: int) -> Notice:
    try:
        return selectors.notice_get(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


def _publisher_or_404(request: AuthedRequest, pk: int) -> Notice:
    notice = _notice_or_404(request, pk)
    if not services.may_publish(request.user, notice.project_id):
        raise Http404
    return notice


def notice_list(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    qs = selectors.notices_for(request.user)
    project = request.kefu_project
    if project is not None:
        qs = qs.filter(project=project)
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    q = request.GET.get("q", "").strip()
    if status in Notice.Status.values:
        qs = qs.filter(status=status)
    if category in Notice.Category.values:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    page = paginate(request, qs, PER_PAGE)
    counts = selectors.read_counts(n.pk for n in page)
    rows = [
        {
            "notice": n,
            "figures": counts.get(n.pk, ReadFigures(label="")),
            "rate": pct(counts.get(n.pk, ReadFigures(label=""))),
        }
        for n in page
    ]
    return render(
        request,
        "notices/list.html",
        {
            "nav": "notices",
            "page": page,
            "rows": rows,
            "status": status,
            "category": category,
            "q": q,
            "statuses": Notice.Status.choices,
            "categories": Notice.Category.choices,
            "can_create": project is not None and services.may_publish(request.user, project.pk),
        },
    )


def _save(request: AuthedRequest, form: NoticeForm, notice: Notice | None) -> Notice | None:
    if not form.is_valid():
        return None
    d = form.cleaned_data
    fields: dict[str, Any] = {
        "title": d["title"],
        "body": d["body"],
        "category": d["category"],
        "audience": d["audience"],
        "buildings": d["buildings"],
        "tags": d["tags"],
        "push": d["push"],
        "mode": d["mode"],
        "publish_at": d["publish_at"],
    }
    if notice is None:
        project = request.kefu_project
        assert project is not None
        ok, saved = attempt(
            request, lambda: services.notice_create(actor=request.user, project=project, **fields), form=form
        )
    else:
        ok, saved = attempt(
            request, lambda: services.notice_update(actor=request.user, notice=notice, **fields), form=form
        )
    if not ok or saved is None:
        return None
    if saved.status == Notice.Status.PUBLISHED:
        messages.success(request, _("通知已发布，送达 %(n)s 人") % {"n": saved.audience_size})
    elif saved.status == Notice.Status.SCHEDULED:
        when = timezone.localtime(saved.publish_at).strftime("%Y-%m-%d %H:%M") if saved.publish_at else ""
        messages.success(request, _("通知将于 %(t)s 发布") % {"t": when})
    else:
        messages.success(request, _("草稿已保存"))
    return saved


def notice_create(request: AuthedRequest) -> HttpResponse:
    _reader(request)
    project = request.kefu_project
    if project is None:
        messages.error(request, _("请先在顶部选择一个项目"))
        return redirect("notices:list")
    if not services.may_publish(request.user, project.pk):
        raise Http404
    form = NoticeForm(request.POST or None, project=project)
    if request.method == "POST":
        saved = _save(request, form, None)
        if saved is not None:
            return redirect("notices:detail", saved.pk)
    return render(request, "notices/edit.html", {"nav": "notices", "form": form, "project": project})


def notice_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _publisher_or_404(request, pk)
    if notice.status not in (Notice.Status.DRAFT, Notice.Status.SCHEDULED):
        messages.error(request, services.MSG_NOT_EDITABLE)
        return redirect("notices:detail", notice.pk)
    if request.method == "POST":
        form = NoticeForm(request.POST, project=notice.project)
        saved = _save(request, form, notice)
        if saved is not None:
            return redirect("notices:detail", saved.pk)
    else:
        form = NoticeForm(initial=NoticeForm.initial_for(notice), project=notice.project)
    return render(
        request, "notices/edit.html", {"nav": "notices", "form": form, "project": notice.project, "notice": notice}
    )


def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice_or_404(request, pk)
    publisher = services.may_publish(request.user, notice.project_id)
    ctx: dict[str, Any] = {
        "nav": "notices",
        "notice": notice,
        "publisher": publisher,
        "buildings": list(notice.buildings.order_by("code")),
        "tags": list(notice.tags.all()),
        "withdraw_form": WithdrawForm(),
    }
    if publisher and notice.status in (Notice.Status.PUBLISHED, Notice.Status.WITHDRAWN):
        filters = ReceiptFilterForm(request.GET or None)
        read, building = "", None
        if filters.is_valid():
            read, building = filters.cleaned_data["read"] or "", filters.cleaned_data["building"]
        total = selectors.read_figures(notice)
        ctx.update(
            receipts_shown=True,
            total=total,
            rate=pct(total),
            by_building=[(f, pct(f)) for f in selectors.read_by_building(notice)],
            filters=filters,
            read=read,
            page=paginate(request, selectors.receipts(notice, read=read, building=building), RECEIPTS_PER_PAGE),
        )
    return render(request, "notices/detail.html", ctx)


@require_POST
def notice_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _publisher_or_404(request, pk)
    ok, saved = attempt(request, lambda: services.notice_publish(actor=request.user, notice=notice))
    if ok and saved is not None:
        messages.success(request, _("通知已发布，送达 %(n)s 人") % {"n": saved.audience_size})
    return redirect("notices:detail", notice.pk)


@require_POST
def notice_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _publisher_or_404(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    attempt(
        request,
        lambda: services.notice_withdraw(actor=request.user, notice=notice, reason=reason),
        success=_("通知已撤回"),
    )
    return redirect("notices:detail", notice.pk)


def _receipt_row(r: NoticeReceipt) -> list[Any]:
    return [
        r.building.name if r.building else "",
        r.unit.code if r.unit else "",
        r.customer.name if r.customer else r.account.display_name,
        _("已读") if r.read_at else _("未读"),
        r.read_at,
    ]


def notice_export(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _publisher_or_404(request, pk)
    read = request.GET.get("read", "")
    total = selectors.read_figures(notice)
    figures = [*selectors.read_by_building(notice), total]
    summary = [
        [f.label, f.reached, f.read, f.unread, None if f.rate is None else round(f.rate * 100, 1)] for f in figures
    ]
    rows = [_receipt_row(r) for r in selectors.receipts(notice, read=read).iterator(chunk_size=2000)]
    return xlsx_sheets_response(
        f"阅读回执-{notice.pk}",
        [
            (_("按楼栋"), [_("楼栋"), _("送达人数"), _("已读"), _("未读"), _("阅读率(%)")], summary),
            (_("阅读明细"), [_("楼栋"), _("房屋"), _("客户"), _("阅读情况"), _("阅读时间")], rows),
        ],
    )
