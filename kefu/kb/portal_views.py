"""The FAQ (答客问) in the customer portal, /m/faq/: search and read the published articles shared by all
projects and those of the customer's own projects. Phone first; extends portal/base.html."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.core.errors import NotFound
from kefu.core.shortcuts import paginate
from kefu.core.types import AuthedRequest
from kefu.portal.access import customer_required

from . import selectors, services

PER_PAGE = 20


@login_not_required
@customer_required
@require_GET
def faq_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:20]
    mine = selectors.faq_for(user)
    qs = selectors.faq_list(user=user, q=q, category=category)
    page = paginate(request, qs, PER_PAGE)
    ctx = {
        "tab": "home",
        "page": page,
        "q": q,
        "category": category,
        "categories": selectors.faq_categories(mine),
    }
    return render(request, "kb/portal/faq_list.html", ctx)


@login_not_required
@customer_required
@require_GET
def faq_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        article = selectors.faq_get(user=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    services.faq_viewed(actor=user, article=article)
    ctx = {"tab": "home", "article": article, "related": selectors.faq_related(article, selectors.faq_for(user))}
    return render(request, "kb/portal/faq_detail.html", ctx)
