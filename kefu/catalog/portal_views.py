"""Customer pages of the special services in the portal: the catalogue (/m/services/) and ordering one
(/m/services/<pk>/order/), which becomes a case the customer follows like any other report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt
from kefu.core.types import AuthedRequest
from kefu.portal.access import customer_required, my_units

from . import selectors, services
from .forms import OrderForm


def case_url(number: str) -> str:
    """The customer's page of a case (kefu.portal)."""
    return reverse("portal:case", args=[number])


@login_not_required
@customer_required
def item_list(request: AuthedRequest) -> HttpResponse:
    orders = [(o, case_url(o.case.number)) for o in selectors.my_orders(request.user)[:5]]
    return render(
        request,
        "catalog/portal/list.html",
        {"items": selectors.my_items(request.user), "orders": orders, "tab": "home"},
    )


@login_not_required
@customer_required
def order(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        item = selectors.my_item_get(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    has_units = my_units(request.user).exists()
    form = OrderForm(request.POST or None, user=request.user, project=item.project)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, placed = attempt(
            request,
            lambda: services.order_create(
                actor=request.user,
                item=item,
                unit=d["unit"],
                quantity=d["quantity"],
                preferred_time=d["preferred_time"],
                contact_phone=d["contact_phone"],
                note=d["note"],
            ),
            form=form,
        )
        if ok and placed is not None:
            messages.success(
                request, _("已下单，工单号 %(number)s，我们会尽快与您联系确认上门时间") % {"number": placed.case.number}
            )
            return redirect(case_url(placed.case.number))
    return render(
        request,
        "catalog/portal/order.html",
        {"item": item, "form": form, "has_units": has_units, "tab": "home"},
    )
