from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import login_guard
from .models import LoginFailure
from .shortcuts import client_ip


class LoginForm(AuthenticationForm):
    """The staff login form, guarded by kefu.core.login_guard: a locked username or client address is refused
    before the password is checked, and every wrong username or password is recorded."""

    error_messages = {
        "invalid_login": _("用户名或密码错误"),
        "inactive": _("该账号已停用"),
    }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget = forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
        self.locked = False

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        if username and self.cleaned_data.get("password"):
            at = login_guard.now()
            until = login_guard.locked_until(username, ip, at=at)
            if until is not None:
                self.locked = True
                login_guard.record(username, ip, LoginFailure.Outcome.LOCKED, at=at)
                raise ValidationError(login_guard.locked_message(until, at=at), code="locked")
            try:
                return super().clean()
            except ValidationError as exc:
                if exc.code in ("invalid_login", "inactive"):
                    login_guard.record(username, ip, LoginFailure.Outcome.FAILED, at=at)
                raise
        return super().clean()
