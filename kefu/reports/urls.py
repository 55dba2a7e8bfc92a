from django.urls import include, path

from . import views

app_name = "reports"
urlpatterns = [
    path("subscriptions/", include("kefu.reports.subscription_urls")),
    path("", views.index, name="index"),
    path("<slug:key>/", views.report, name="report"),
]
