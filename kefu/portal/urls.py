"""The customer portal (微物业), phone first, under /m/. Each app adds its customer pages through its own
portal_urls module."""

from django.urls import include, path

urlpatterns = [
    path("notices/", include("kefu.notices.portal_urls")),
    path("faq/", include("kefu.kb.portal_urls")),
    path("services/", include("kefu.catalog.portal_urls")),
    path("", include("kefu.portal.page_urls")),
]
