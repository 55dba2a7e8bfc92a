"""The portal's own table: a new account's request to be linked to the unit it lives in (入住核实)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Building, Customer, Occupancy, Unit
from kefu.org.models import Project


class VerificationRequest(models.Model):
    """A portal account says "I live in this unit, as its owner/tenant, under this name". Staff of the
    project (or the zone's steward) compare it with the archive and approve (the account is linked to the
    customer archive, Customer.account) or reject it with a reason. Changed only by portal.services."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="verification_requests",
        verbose_name=_("微物业账号"),
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="verification_requests", verbose_name=_("房屋")
    )
    relation = models.CharField(_("与房屋关系"), max_length=20, choices=Occupancy.Relation.choices)
    name = models.CharField(_("档案登记姓名"), max_length=100)
    remark = models.CharField(_("补充说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联客户档案"),
    )
    reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "unit"], condition=Q(status="pending"), name="verification_one_pending_per_unit"
            )
        ]
        indexes = [models.Index(fields=["project", "status", "created_at"])]
        verbose_name = _("入住核实申请")
        verbose_name_plural = _("入住核实申请")

    def __str__(self) -> str:
        return f"{self.name} @ {self.unit_id} ({self.status})"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}
