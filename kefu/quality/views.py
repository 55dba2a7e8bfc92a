"""QC sheet, sampling and QC settings pages (placeholder routes until the pages land)."""

from __future__ import annotations

from django.http import HttpResponse

from kefu.core.types import AuthedRequest


def _todo(request: AuthedRequest) -> HttpResponse:
    return HttpResponse("质检功能建设中")


check_list = sampling = settings_page = _todo
