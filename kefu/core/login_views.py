"""The staff login page (Django's LoginView with the guarded LoginForm; a locked login answers 429) and the
password change page."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .forms import LoginForm


class StaffLoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "locked", False):
            response.status_code = 429
        return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """修改密码: one's own password, with the old one; AUTH_PASSWORD_VALIDATORS apply (Chinese messages)."""

    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:home")
    success_message = _("密码已修改")
