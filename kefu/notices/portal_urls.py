"""Customer pages of notices in the portal (/m/notices/)."""

from django.urls import path

from . import portal_views

app_name = "portal_notices"
urlpatterns = [
    path("", portal_views.notice_list, name="list"),
    path("<int:pk>/", portal_views.notice_detail, name="detail"),
]
