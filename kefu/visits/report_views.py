"""Return-visit and satisfaction reports (placeholder route until the pages land)."""

from __future__ import annotations

from django.http import HttpResponse

from kefu.core.types import AuthedRequest


def index(request: AuthedRequest) -> HttpResponse:
    return HttpResponse("回访报表建设中")
