from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    """Case endpoints (being built)."""
