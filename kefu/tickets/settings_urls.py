from django.urls import path

from . import settings_views

app_name = "desk_settings"
urlpatterns = [
    path("", settings_views.index, name="index"),
]
