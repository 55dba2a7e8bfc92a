"""Shared tables of the plumbing: the record of refused logins (kefu/core/login_guard.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One refused login on the staff login form: a wrong username or password, or a try while locked.
    Append-only; the login guard counts the recent `failed` rows, auditors read them all."""

    class Outcome(models.TextChoices):
        FAILED = "failed", _("用户名或密码错误")
        LOCKED = "locked", _("锁定期间被拒绝")

    at = models.DateTimeField(_("时间"), db_index=True)
    username = models.CharField(_("用户名"), max_length=150)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["username", "at"], name="core_loginfail_user_at"),
            models.Index(fields=["ip", "at"], name="core_loginfail_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M:%S} {self.outcome}"
