"""Customer pages of catalog in the portal (/m/...)."""

from django.urls import path  # noqa: F401

app_name = "portal_catalog"
urlpatterns: list = []
