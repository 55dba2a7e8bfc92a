from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("new/", views.intake, name="new"),
    path("lookup/", views.lookup, name="lookup"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("jobs/", views.jobs, name="jobs"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/panel/<slug:action>/", views.case_panel, name="panel"),
    path("<str:number>/files/<int:pk>/", views.attachment_file, name="file"),
]
# Every action is a POST to its own URL, e.g. /cases/TS20261122-0001/dispatch/ (name "tickets:dispatch").
urlpatterns += [
    path(f"<str:number>/{action.replace('_', '-')}/", views.case_action, {"action": action}, name=action)
    for action in views.SPECS
]
