"""The portal's own pages: home, sign-up, reporting and following cases, ratings, surveys, tracking."""

from django.urls import path  # noqa: F401

app_name = "portal"
urlpatterns: list = []
