"""Scheduled reports (定时报表): a subscription to a named report, and the log of what was sent.

The rules are in kefu.reports.subscriptions (services and selectors) and docs/report-subscriptions.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import Period


def shown_period(p: Period) -> Period:
    """The period as a reader would name it: a custom range of one day is that day, of a Monday-to-Sunday week
    that week (daily and weekly subscriptions of a report without days or weeks are built as custom ranges)."""
    if p.kind == "custom" and p.start == p.end:
        return Period("day", p.start, p.end)
    if p.kind == "custom" and p.start.weekday() == 0 and p.days == 7:
        return Period("week", p.start, p.end)
    return p


class Frequency(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class ReportSubscription(models.Model):
    """A manager's standing order: "send me report X for scope Y every period, at this hour"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
        verbose_name=_("订阅人"),
    )
    report_key = models.CharField(_("报表"), max_length=60)
    project = models.ForeignKey(
        "org.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目")
    )
    zone = models.ForeignKey(
        "org.Zone", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("处理部门")
    )
    frequency = models.CharField(_("发送频率"), max_length=10, choices=Frequency.choices)
    hour = models.PositiveSmallIntegerField(_("发送时间（时）"), default=8)
    weekday = models.PositiveSmallIntegerField(_("星期"), null=True, blank=True, help_text=_("1 = 周一 … 7 = 周日"))
    day_of_month = models.PositiveSmallIntegerField(
        _("日期"), null=True, blank=True, help_text=_("超过当月天数时在当月最后一天发送")
    )
    extra_recipients = models.JSONField(_("其他收件人"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    next_run_at = models.DateTimeField(_("下次发送"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["user", "pk"]
        verbose_name = _("报表订阅")
        verbose_name_plural = _("报表订阅")
        indexes = [
            # The scheduler's question every minute: which active subscriptions are due?
            models.Index(fields=["next_run_at"], condition=Q(is_active=True), name="report_sub_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hour__lte=23), name="report_sub_hour_valid"),
            models.CheckConstraint(
                condition=~Q(frequency="weekly") | Q(weekday__gte=1, weekday__lte=7), name="report_sub_weekday_valid"
            ),
            models.CheckConstraint(
                condition=~Q(frequency__in=["monthly", "quarterly"]) | Q(day_of_month__gte=1, day_of_month__lte=31),
                name="report_sub_day_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.report_key} · {self.get_frequency_display()}"


class ReportDelivery(models.Model):
    """One e-mail of one subscription for one period: written when it falls due (or when the subscriber asks
    for it at once), then only its status moves: pending → sending → sent, or → failed (retried later)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("订阅")
    )
    period_start = models.DateField(_("统计开始"))
    period_end = models.DateField(_("统计结束"))
    period_kind = models.CharField(_("周期类型"), max_length=10, default="custom")  # as in reports.base.Period
    manual = models.BooleanField(_("手动发送"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("失败原因"), blank=True)
    retry_at = models.DateTimeField(_("下次重试"), null=True, blank=True)
    recipients = models.JSONField(_("收件人"), default=list, blank=True)
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("报表发送记录")
        verbose_name_plural = _("报表发送记录")
        constraints = [
            # A scheduled period is written once, however many schedulers run or restart.
            models.UniqueConstraint(
                fields=["subscription", "period_start"], condition=Q(manual=False), name="report_delivery_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "retry_at"], name="report_delivery_retry_idx"),
            models.Index(fields=["subscription", "-created_at"], name="report_delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.period_start}–{self.period_end} {self.status}"

    @property
    def period(self) -> Period:
        return Period(self.period_kind, self.period_start, self.period_end)

    @property
    def label(self) -> str:
        return shown_period(self.period).label
