"""Return-visit pages (placeholder routes until the pages land)."""

from __future__ import annotations

from django.http import HttpResponse

from kefu.core.types import AuthedRequest


def _todo(request: AuthedRequest) -> HttpResponse:
    return HttpResponse("回访功能建设中")


visit_list = today = plan_list = settings_page = _todo
