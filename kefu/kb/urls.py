"""Staff pages of kb."""

from django.urls import path  # noqa: F401

app_name = "kb"
urlpatterns: list = []
