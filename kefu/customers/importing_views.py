from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def import_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_role.html")


def template_view(request: HttpRequest, kind: str) -> HttpResponse:
    return render(request, "core/no_role.html")
