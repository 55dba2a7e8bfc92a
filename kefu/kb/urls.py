"""Staff pages of kb (/kb/...)."""

from django.urls import path

from . import views

app_name = "kb"
urlpatterns = [
    path("", views.home, name="home"),
    path("faq/", views.faq_list, name="faq"),
    path("faq/new/", views.faq_edit, name="faq_new"),
    path("faq/<int:pk>/", views.faq_detail, name="faq_detail"),
    path("faq/<int:pk>/edit/", views.faq_edit, name="faq_edit"),
    path("faq/<int:pk>/delete/", views.faq_delete, name="faq_delete"),
    path("phrases/", views.phrase_list, name="phrases"),
    path("phrases/new/", views.phrase_edit, name="phrase_new"),
    path("phrases/<int:pk>/edit/", views.phrase_edit, name="phrase_edit"),
    path("phrases/<int:pk>/delete/", views.phrase_delete, name="phrase_delete"),
    path("canned/", views.canned_list, name="canned"),
    path("canned/new/", views.canned_edit, name="canned_new"),
    path("canned/<int:pk>/edit/", views.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", views.canned_delete, name="canned_delete"),
    path("canned/<int:pk>/render/", views.canned_render, name="canned_render"),
]
