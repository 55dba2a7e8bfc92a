from django.urls import path

from . import settings_views

app_name = "desk_settings"
urlpatterns = [
    path("", settings_views.index, name="index"),
    path("categories/", settings_views.category_list, name="categories"),
    path("categories/new/", settings_views.category_create, name="category_create"),
    path("categories/<int:pk>/edit/", settings_views.category_edit, name="category_edit"),
    path("categories/<int:pk>/toggle/", settings_views.category_toggle, name="category_toggle"),
    path("policies/", settings_views.policy_list, name="policies"),
    path("policies/new/", settings_views.policy_create, name="policy_create"),
    path("policies/<int:pk>/edit/", settings_views.policy_edit, name="policy_edit"),
    path("calendar/", settings_views.calendar_view, name="calendar"),
    path("calendar/days/", settings_views.calendar_day_save, name="day_save"),
    path("calendar/days/<int:pk>/edit/", settings_views.calendar_day_edit, name="day_edit"),
    path("calendar/days/<int:pk>/delete/", settings_views.calendar_day_delete, name="day_delete"),
    path("calendar/years/", settings_views.calendar_year, name="year_mark"),
]
