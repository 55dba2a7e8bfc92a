"""Agent workspace pages (being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def workspace(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_role.html", {"nav": "cases"})
