"""The project chosen at the top of the console, remembered in the session."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kefu.org.scope import visible_projects

SESSION_KEY = "kefu_project"


class CurrentProjectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.kefu_project = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            chosen = request.session.get(SESSION_KEY)
            projects = visible_projects(user)
            if chosen and chosen != "all":
                request.kefu_project = projects.filter(pk=chosen).first()  # type: ignore[attr-defined]
            if request.kefu_project is None and chosen != "all":  # type: ignore[attr-defined]
                request.kefu_project = projects.first()  # type: ignore[attr-defined]
        return self.get_response(request)
