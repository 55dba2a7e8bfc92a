"""Report subscriptions (定时报表). Filled in by issue 6."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from kefu.core.types import AuthedRequest


def subscriptions(request: AuthedRequest) -> HttpResponse:
    raise Http404
