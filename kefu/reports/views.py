"""The report centre (报表中心). Filled in by issue 6."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from kefu.core.types import AuthedRequest


def index(request: AuthedRequest) -> HttpResponse:
    raise Http404


def report(request: AuthedRequest, key: str) -> HttpResponse:
    raise Http404
