"""QC analysis pages (placeholder routes until the pages land)."""

from __future__ import annotations

from django.http import HttpResponse

from kefu.core.types import AuthedRequest


def _todo(request: AuthedRequest) -> HttpResponse:
    return HttpResponse("质控报表建设中")


errors = cycle = stuck = reconciliation = scorecard = _todo
