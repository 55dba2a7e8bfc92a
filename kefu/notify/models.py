"""The notification outbox. A row is written in the same transaction as the change that causes it.

The in-app inbox is the Notification row itself. For each outside channel the recipient has chosen
(e-mail, SMS, WeChat: ChannelPreference) a Delivery row is written in the same transaction; the worker sends
it later with retries and back-off (kefu/notify/outbox.py), and a delivery that cannot be sent ends as a dead
letter that administrators see and can send again.
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
        NOTICE = "notice", _("通知公告")

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


class ChannelPreference(models.Model):
    """Which outside channels a user (staff or customer) wants their notifications on. The in-app inbox is
    always on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference", verbose_name=_("用户")
    )
    email = models.BooleanField(_("邮件"), default=False)
    sms = models.BooleanField(_("短信"), default=False)
    wechat = models.BooleanField(_("微信"), default=False)
    wechat_openid = models.CharField(_("微信 OpenID"), max_length=64, blank=True)
    kinds = models.JSONField(
        _("通知类型"), default=list, blank=True, help_text=_("只有这些类型发到邮件/短信/微信；为空表示全部")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知渠道设置")
        verbose_name_plural = _("通知渠道设置")

    def __str__(self) -> str:
        return f"{self.user_id}"


class Delivery(models.Model):
    """One notification sent on one outside channel. Written with the notification; sent by the worker."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        WECHAT = "wechat", _("微信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        DEAD = "dead", _("发送失败")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254, help_text=_("邮箱、手机号或微信 OpenID"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_ref = models.CharField(_("回执编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}"

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of this delivery: gateways drop a repeat, so a retry never sends twice."""
        return f"kefu-delivery-{self.pk}"
