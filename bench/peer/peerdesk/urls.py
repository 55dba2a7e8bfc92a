"""helpdesk at the root (as Kefu is), the admin, and /bench/noop/: the floor of a request through the middleware."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def noop(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/noop/", noop, name="bench-noop"),
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
