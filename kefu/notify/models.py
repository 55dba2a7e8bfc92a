"""The notification outbox. A row is written in the same transaction as the change that causes it.

For now the only channel is the in-app inbox, where the row itself is the message; later channels
(email, SMS, WeChat) add deliveries that the worker sends with retries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("派单")
        POOL = "pool", _("抢单池")
        REJECTED = "rejected", _("退单")
        WARNING = "warning", _("即将超时")
        ESCALATION = "escalation", _("超时升级")
        MAJOR = "major", _("重大投诉")
        REOPENED = "reopened", _("重新打开")
        COMMENT = "comment", _("新留言")
        RESOLVED = "resolved", _("已办结")
        VISIT = "visit", _("回访")
        QC = "qc", _("质检")
        STUCK = "stuck", _("滞留提醒")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    case = models.ForeignKey(
        "tickets.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("工单")
    )
    dedupe_key = models.CharField(max_length=120, blank=True, help_text="same key, same recipient: written once")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_dedupe"
            )
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title
