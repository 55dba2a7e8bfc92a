"""Survey pages (placeholder route until the pages land)."""

from __future__ import annotations

from django.http import HttpResponse

from kefu.core.types import AuthedRequest


def survey_list(request: AuthedRequest) -> HttpResponse:
    return HttpResponse("满意度调查建设中")
