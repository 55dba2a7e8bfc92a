"""Customer pages of kb in the portal (/m/faq/...)."""

from django.urls import path

from . import portal_views

app_name = "portal_kb"
urlpatterns = [
    path("", portal_views.faq_list, name="faq"),
    path("<int:pk>/", portal_views.faq_detail, name="faq_detail"),
]
