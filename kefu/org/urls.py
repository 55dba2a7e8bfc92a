from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("departments/", views.department_list, name="departments"),
    path("staff/", views.staff_list, name="staff"),
]
