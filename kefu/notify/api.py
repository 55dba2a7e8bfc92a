from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """Notification endpoints (being built)."""
