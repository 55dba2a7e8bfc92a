"""The portal's own pages: home, sign-up, reporting and following cases, ratings, surveys, tracking."""

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("verify/", views.verify, name="verify"),
    path("report/", views.report, name="report"),
    path("me/", views.me, name="me"),
    path("me/notify/", views.notify_settings, name="notify_settings"),
    path("track/", views.track, name="track"),
    path("surveys/<int:pk>/", views.survey, name="survey"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/comment/", views.case_comment, name="comment"),
    path("cases/<str:number>/cancel/", views.case_cancel, name="cancel"),
    path("cases/<str:number>/rate/", views.case_rate, name="rate"),
    path("cases/<str:number>/files/<int:pk>/", views.case_file, name="file"),
]
