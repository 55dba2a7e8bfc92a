"""Customer pages of the special services in the portal (/m/services/)."""

from django.urls import path

from . import portal_views

app_name = "portal_catalog"
urlpatterns = [
    path("", portal_views.item_list, name="list"),
    path("<int:pk>/order/", portal_views.order, name="order"),
]
