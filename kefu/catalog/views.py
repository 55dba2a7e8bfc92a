"""Staff pages of the special-services catalogue (/catalog/): the list, adding and editing an item, taking
it on or off the shelf. Who: Perm.MANAGE_DESK (a project's items; shared items: head office)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core import scoped
from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt
from kefu.core.types import AuthedRequest
from kefu.org.models import Project
from kefu.org.roles import Perm

from . import selectors, services
from .forms import ItemForm
from .models import ServiceItem


def _item_or_404(request: AuthedRequest, pk: int) -> ServiceItem:
    try:
        return selectors.item_get(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


def item_list(request: AuthedRequest) -> HttpResponse:
    user = scoped.require_any(request, Perm.MANAGE_DESK)
    project = request.kefu_project
    items = list(selectors.items_for(user, project).order_by("project", "sort", "name", "pk"))
    rows = [{"item": i, "editable": scoped.may_edit(user, Perm.MANAGE_DESK, i.project_id)} for i in items]
    recent = list(selectors.orders_for(user, project)[:10])
    return render(
        request,
        "catalog/list.html",
        {
            "nav": "catalog",
            "rows": rows,
            "recent": recent,
            "can_add": bool(scoped.scope_choices(user, Perm.MANAGE_DESK, project)),
        },
    )


def _save(request: AuthedRequest, form: ItemForm, item: ServiceItem | None) -> bool:
    def save(d: dict[str, Any], target: Project | None) -> ServiceItem:
        fields = {k: d[k] for k in ("name", "price", "unit", "category", "sort", "is_active", "description")}
        if item is None:
            return services.item_create(actor=request.user, project=target, **fields)
        return services.item_update(actor=request.user, item=item, **fields)

    if item is None:
        return scoped.save_form(request, form, None, save, success=_("服务已添加"))
    if not form.is_valid():
        return False
    ok, _saved = attempt(request, lambda: save(form.cleaned_data, item.project), form=form, success=_("服务已保存"))
    return ok


def item_create(request: AuthedRequest) -> HttpResponse:
    user = scoped.require_any(request, Perm.MANAGE_DESK)
    project = request.kefu_project
    scopes = scoped.scope_choices(user, Perm.MANAGE_DESK, project)
    if not scopes:
        raise Http404
    form = ItemForm(request.POST or None, project_id=project.pk if project else None, scopes=scopes)
    if request.method == "POST" and _save(request, form, None):
        return redirect("catalog:list")
    return render(request, "catalog/edit.html", {"nav": "catalog", "form": form, "project": project})


def item_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    if not scoped.may_edit(request.user, Perm.MANAGE_DESK, item.project_id):
        raise Http404
    if request.method == "POST":
        form = ItemForm(request.POST, project_id=item.project_id)
        if _save(request, form, item):
            return redirect("catalog:list")
    else:
        form = ItemForm(initial=ItemForm.initial_for(item), project_id=item.project_id)
    return render(request, "catalog/edit.html", {"nav": "catalog", "form": form, "item": item, "project": item.project})


@require_POST
def item_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    active = request.POST.get("active") == "1"
    attempt(
        request,
        lambda: services.item_set_active(actor=request.user, item=item, active=active),
        success=_("已上架") if active else _("已下架"),
    )
    return redirect("catalog:list")
