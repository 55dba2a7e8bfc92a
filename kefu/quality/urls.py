from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("checks/", views.check_list, name="checks"),
    path("sampling/", views.sampling, name="sampling"),
    path("settings/", views.settings_page, name="settings"),
]
