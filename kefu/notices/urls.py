"""Staff pages of notices (/notices/)."""

from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_create, name="create"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/publish/", views.notice_publish, name="publish"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("<int:pk>/receipts.xlsx", views.notice_export, name="export"),
]
