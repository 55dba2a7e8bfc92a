from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("projects/", views.project_list_view, name="projects"),
    path("projects/new/", views.project_create_view, name="project_create"),
    path("projects/<int:pk>/edit/", views.project_edit_view, name="project_edit"),
    path("projects/<int:pk>/zones/new/", views.zone_create_view, name="zone_create"),
    path("zones/<int:pk>/", views.zone_detail_view, name="zone"),
    path("zones/<int:pk>/edit/", views.zone_edit_view, name="zone_edit"),
    path("zones/<int:pk>/assign/", views.zone_assign_view, name="zone_assign"),
    path("departments/", views.department_list_view, name="departments"),
    path("departments/new/", views.department_create_view, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit_view, name="department_edit"),
    path("staff/", views.staff_list_view, name="staff"),
    path("staff/new/", views.staff_create_view, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail_view, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit_view, name="staff_edit"),
    path("staff/<int:pk>/roles/", views.role_add_view, name="role_add"),
    path("roles/<int:pk>/edit/", views.role_edit_view, name="role_edit"),
    path("roles/<int:pk>/end/", views.role_end_view, name="role_end"),
]
