from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("today/", views.today, name="today"),
    path("sign-off/", views.sign_off, name="sign_off"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/findings/", views.finding_add, name="finding_add"),
    path("<int:pk>/findings/<int:finding>/to-case/", views.finding_case, name="finding_case"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/policies/", views.policy_save, name="policy_new"),
    path("settings/policies/<int:pk>/", views.policy_save, name="policy_edit"),
    path("settings/scripts/", views.script_save, name="script_new"),
    path("settings/scripts/<int:pk>/", views.script_save, name="script_edit"),
]
