from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kefu.core.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="core/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("kefu.core.urls")),
    path("org/", include("kefu.org.urls")),
    path("customers/", include("kefu.customers.urls")),
    path("cases/", include("kefu.tickets.urls")),
    path("desk/settings/", include("kefu.tickets.settings_urls")),
    path("notifications/", include("kefu.notify.urls")),
    path("visits/", include("kefu.visits.urls")),
    path("surveys/", include("kefu.surveys.urls")),
    path("reports/visits/", include("kefu.visits.report_urls")),
    path("reports/", include("kefu.reports.urls")),
    path("notices/", include("kefu.notices.urls")),
    path("kb/", include("kefu.kb.urls")),
    path("catalog/", include("kefu.catalog.urls")),
    path("m/", include("kefu.portal.urls")),
    path("portal-admin/", include("kefu.portal.admin_urls")),
    path("quality/", include("kefu.quality.urls")),
    path("quality/", include("kefu.quality.report_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("kefu.api_urls")),
]
