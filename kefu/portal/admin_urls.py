"""Staff pages of the portal, under the console: /portal-admin/ (namespace "portal_admin")."""

from django.urls import path

from . import admin_views

app_name = "portal_admin"
urlpatterns = [
    path("verifications/", admin_views.verification_list, name="verifications"),
    path("verifications/<int:pk>/", admin_views.verification_detail, name="verification"),
    path("verifications/<int:pk>/approve/", admin_views.verification_approve, name="approve"),
    path("verifications/<int:pk>/reject/", admin_views.verification_reject, name="reject"),
]
