"""Staff pages of the special-services catalogue (/catalog/)."""

from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("new/", views.item_create, name="create"),
    path("<int:pk>/edit/", views.item_edit, name="edit"),
    path("<int:pk>/toggle/", views.item_toggle, name="toggle"),
]
