"""Kefu's URLs plus /bench/noop/: a plain Django view, the floor of every request through the middleware."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from kefu.urls import urlpatterns as kefu_urlpatterns


@login_not_required
def noop(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/noop/", noop, name="bench-noop"), *kefu_urlpatterns]
