from django.urls import path

from . import importing_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("new/", views.customer_create_view, name="create"),
    path("<int:pk>/", views.customer_detail_view, name="detail"),
    path("<int:pk>/edit/", views.customer_edit_view, name="edit"),
    path("<int:pk>/contacts/", views.contact_add_view, name="contact_add"),
    path("contacts/<int:pk>/remove/", views.contact_remove_view, name="contact_remove"),
    path("contacts/<int:pk>/reveal/", views.contact_reveal_view, name="contact_reveal"),
    path("<int:pk>/reveal-id/", views.id_reveal_view, name="id_reveal"),
    path("<int:pk>/notes/", views.note_add_view, name="note_add"),
    path("<int:pk>/grade/", views.grade_set_view, name="grade_set"),
    path("<int:pk>/key/", views.key_set_view, name="key_set"),
    path("<int:pk>/key/remove/", views.key_remove_view, name="key_remove"),
    path("<int:pk>/move-in/", views.customer_move_in_view, name="move_in"),
    path("occupancies/<int:pk>/move-out/", views.move_out_view, name="move_out"),
    path("key/", views.key_list_view, name="key_list"),
    path("tags/", views.tag_list_view, name="tags"),
    path("units/", views.unit_list_view, name="units"),
    path("units/<int:pk>/", views.unit_detail_view, name="unit_detail"),
    path("assets/", views.asset_list_view, name="assets"),
    path("assets/new/", views.asset_create_view, name="asset_create"),
    path("assets/<int:pk>/", views.asset_detail_view, name="asset_detail"),
    path("assets/<int:pk>/records/", views.asset_record_add_view, name="asset_record_add"),
    path("import/", importing_views.import_view, name="import"),
    path("import/template/<str:kind>/", importing_views.template_view, name="import_template"),
]
