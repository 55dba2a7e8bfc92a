from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/open/", views.survey_open, name="open"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/responses/", views.responses, name="responses"),
    path("responses/<int:pk>/", views.answer, name="answer"),
    path("responses/<int:pk>/decline/", views.decline, name="decline"),
]
