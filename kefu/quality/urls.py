from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("checks/", views.check_list, name="checks"),
    path("checks/<int:pk>/", views.check_detail, name="check"),
    path("checks/<int:pk>/review/", views.check_review, name="check_review"),
    path("checks/<int:pk>/correct/", views.check_correct, name="check_correct"),
    path("sampling/", views.sampling, name="sampling"),
    path("sampling/plans/", views.plan_save, name="plan_new"),
    path("sampling/plans/<int:pk>/", views.plan_save, name="plan_edit"),
    path("sampling/draws/", views.draw_new, name="draw_new"),
    path("sampling/draws/<int:pk>/", views.draw_detail, name="draw"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/points/", views.point_save, name="point_new"),
    path("settings/points/<int:pk>/", views.point_save, name="point_edit"),
    path("settings/rules/", views.rule_save, name="rule_new"),
    path("settings/rules/<int:pk>/", views.rule_save, name="rule_edit"),
    path("settings/thresholds/", views.threshold_save, name="thresholds"),
]
