"""Customer pages of notices in the portal (/m/...)."""

from django.urls import path  # noqa: F401

app_name = "portal_notices"
urlpatterns: list = []
