from django.urls import path

from . import subscription_views

urlpatterns = [
    path("", subscription_views.subscriptions, name="subscriptions"),
]
