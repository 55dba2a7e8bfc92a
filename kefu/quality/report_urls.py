from django.urls import path

from . import report_views

app_name = "qc_reports"
urlpatterns = [
    path("errors/", report_views.errors, name="errors"),
    path("cycle/", report_views.cycle, name="cycle"),
    path("stuck/", report_views.stuck, name="stuck"),
    path("reconciliation/", report_views.reconciliation, name="reconciliation"),
    path("reconciliation/recompute/", report_views.reconciliation_recompute, name="reconciliation_recompute"),
    path("reconciliation/sign-off/", report_views.reconciliation_sign_off, name="reconciliation_sign_off"),
    path("scorecard/", report_views.scorecard_page, name="scorecard"),
    path("scorecard/weights/", report_views.scorecard_weights, name="scorecard_weights"),
]
