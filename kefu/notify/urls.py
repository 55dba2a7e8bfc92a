from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("preferences/", views.preferences, name="preferences"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("outbox/<int:pk>/resend/", views.outbox_resend, name="outbox_resend"),
]
