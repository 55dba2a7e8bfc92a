from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import channels
from .models import ChannelPreference, Notification


class PreferenceForm(forms.ModelForm[ChannelPreference]):
    kinds = forms.MultipleChoiceField(
        label=_("只发送这些类型"),
        choices=Notification.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部类型；站内消息总是全部接收"),
    )

    class Meta:
        model = ChannelPreference
        fields = ["email", "sms", "wechat", "wechat_openid", "kinds"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.configured = {name: channels.get(name).configured() for name in ("email", "sms", "wechat")}

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("email") and not self.user.email:
            self.add_error("email", _("您的账号没有邮箱，请先在个人资料中填写邮箱"))
        if d.get("sms") and not self.user.mobile:
            self.add_error("sms", _("您的账号没有手机号，请先在个人资料中填写手机号"))
        if d.get("wechat") and not (d.get("wechat_openid") or "").strip():
            self.add_error("wechat_openid", _("选择微信通知时请填写微信 OpenID（关注公众号后获得）"))
        for name, ok in self.configured.items():
            if d.get(name) and not ok:
                self.add_error(name, _("该渠道尚未配置，暂不能选择"))
        return d


class CustomerPreferenceForm(PreferenceForm):
    """The portal's 消息通知设置: the same choices, and the customer keeps their own e-mail address here."""

    email_address = forms.EmailField(
        label=_("邮箱"),
        required=False,
        error_messages={"invalid": _("请输入有效的邮箱地址")},
        help_text=_("选择邮件通知时填写"),
    )

    field_order = ["email_address", "email", "sms", "wechat", "wechat_openid", "kinds"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["email_address"].initial = user.email

    def clean(self) -> dict[str, Any]:
        address = (self.cleaned_data.get("email_address") or "").strip()
        saved = self.user.email
        self.user.email = address  # the checks below look at the address being saved
        try:
            return super().clean()
        finally:
            self.user.email = saved

    def save(self, commit: bool = True) -> ChannelPreference:
        self.user.email = (self.cleaned_data.get("email_address") or "").strip()
        self.user.save(update_fields=["email"])
        return super().save(commit=commit)
