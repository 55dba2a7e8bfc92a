"""Small helpers for thin views: run a service and turn its errors into form errors or messages."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from .errors import ApplicationError


def attempt[T](
    request: HttpRequest, action: Callable[[], T], *, form: forms.BaseForm | None = None, success: str = ""
) -> tuple[bool, T | None]:
    """Call a service. On an ApplicationError, put its message on the form (or as a message)."""
    try:
        result = action()
    except ApplicationError as exc:
        if form is not None:
            placed = False
            for field, errs in exc.fields.items():
                if field in form.fields:
                    for e in errs:
                        form.add_error(field, e)
                    placed = True
            if not placed:
                form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)
        return False, None
    if success:
        messages.success(request, success)
    return True, result


def paginate(request: HttpRequest, qs: Any, per_page: int = 20) -> Page[Any]:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind the reverse proxy (deploy/nginx: every request comes from 127.0.0.1) it is
    the X-Real-IP / last X-Forwarded-For entry the proxy set, trusted only from KEFU_FORWARDED_ALLOW_IPS; from
    anyone else those headers are ignored (a client cannot choose its own address for the login lock)."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = getattr(settings, "KEFU_TRUSTED_PROXIES", [])
    if remote and ("*" in trusted or remote in trusted):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1]
        for header in (request.META.get("HTTP_X_REAL_IP", ""), forwarded):
            if header.strip() and (ip := _ip(header)):
                return ip
    return remote
