from django.urls import path

from . import report_views

app_name = "visit_reports"
urlpatterns = [
    path("", report_views.index, name="index"),
]
