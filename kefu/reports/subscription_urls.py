from django.urls import path

from . import subscription_views as views

urlpatterns = [
    path("", views.subscriptions, name="subscriptions"),
    path("new/", views.create, name="subscription_new"),
    path("<int:pk>/edit/", views.edit, name="subscription_edit"),
    path("<int:pk>/toggle/", views.toggle, name="subscription_toggle"),
    path("<int:pk>/delete/", views.delete, name="subscription_delete"),
    path("<int:pk>/send/", views.send_now, name="subscription_send"),
]
