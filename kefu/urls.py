from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kefu.core.login_views import PasswordChangeView, StaffLoginView

# Swagger UI's page carries one inline <style> block of its own; its script comes as a file (the split view).
_swagger_csp: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}

urlpatterns = [
    path("login/", StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
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
    path(
        "api/docs/",
        csp_override(_swagger_csp)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/v1/", include("kefu.api_urls")),
]

# An /api/ address that matches no route answers in the API's JSON error shape (pages keep Django's 404).
handler404 = "kefu.core.api.not_found"
