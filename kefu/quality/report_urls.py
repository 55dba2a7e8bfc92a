from django.urls import path

from . import report_views

app_name = "qc_reports"
urlpatterns = [
    path("errors/", report_views.errors, name="errors"),
    path("cycle/", report_views.cycle, name="cycle"),
    path("stuck/", report_views.stuck, name="stuck"),
    path("reconciliation/", report_views.reconciliation, name="reconciliation"),
    path("scorecard/", report_views.scorecard, name="scorecard"),
]
