from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("today/", views.today, name="today"),
    path("plans/", views.plan_list, name="plans"),
    path("settings/", views.settings_page, name="settings"),
]
