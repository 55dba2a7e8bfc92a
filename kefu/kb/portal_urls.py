"""Customer pages of kb in the portal (/m/...)."""

from django.urls import path  # noqa: F401

app_name = "portal_kb"
urlpatterns: list = []
