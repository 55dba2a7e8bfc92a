"""Notices (一对多信息发布): one message from the service centre to many customers of a project.

A notice is written as a draft, published at once or scheduled for a time (the scheduler publishes it when
due), and can be withdrawn. Publishing fixes its audience: one NoticeReceipt per portal account reached (the
accounts of customers living in the chosen units, or carrying the chosen tags), which records when that
customer first opened it. Read rates are computed from the receipts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Building, Customer, Tag, Unit
from kefu.org.models import Project


class Notice(models.Model):
    class Category(models.TextChoices):
        OUTAGE = "outage", _("停水停电")
        ACTIVITY = "activity", _("社区活动")
        TIP = "tip", _("温馨提示")
        BILLING = "billing", _("缴费通知")
        OTHER = "other", _("其他")

    class Audience(models.TextChoices):
        PROJECT = "project", _("全体住户")
        BUILDINGS = "buildings", _("指定楼栋")
        TAGS = "tags", _("客户分组")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SCHEDULED = "scheduled", _("定时发布")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="notices", verbose_name=_("项目"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.TIP)
    audience = models.CharField(_("发布范围"), max_length=20, choices=Audience.choices, default=Audience.PROJECT)
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("楼栋"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("客户标签"))
    push = models.BooleanField(
        _("同时推送"), default=True, help_text=_("按客户选择的渠道（邮件、短信、微信）推送；站内消息总会发送")
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(_("定时发布时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    audience_size = models.PositiveIntegerField(_("送达人数"), default=0)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "status", "created_at"]),
            models.Index(fields=["status", "publish_at"]),
        ]
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")

    def __str__(self) -> str:
        return self.title

    @property
    def url(self) -> str:
        """The customer's page of this notice (the link in notifications)."""
        return f"/m/notices/{self.pk}/"

    @property
    def dedupe_key(self) -> str:
        """The notification key: one in-app notification per notice and recipient, however often publishing runs."""
        return f"notice-{self.pk}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class NoticeReceipt(models.Model):
    """One portal account reached by a published notice, and when it first read it. The customer archive,
    unit and building are the ones through which the account was reached (for the per-building read rate)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("通知"))
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_receipts", verbose_name=_("账号")
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("客户")
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("房屋")
    )
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("楼栋")
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("送达时间"))

    class Meta:
        ordering = ["notice", "pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "account"], name="notice_receipt_once")]
        indexes = [
            models.Index(fields=["account", "notice"]),
            models.Index(fields=["notice", "building", "read_at"]),
        ]
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.account_id}"
