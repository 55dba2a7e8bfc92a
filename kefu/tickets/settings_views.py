"""Desk settings pages: categories, SLA policies, the working-day calendar (being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_role.html", {"nav": "desk_settings"})
