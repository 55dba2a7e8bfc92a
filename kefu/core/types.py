"""Request types for views behind login (LoginRequiredMiddleware guarantees an authenticated user)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    from rest_framework.request import Request

    from kefu.org.models import Project, User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    kefu_project: Project | None


def api_user(request: Request) -> User:
    """The authenticated user of an API request (IsAuthenticated is the default permission)."""
    return cast("User", request.user)
