"""Special services (特约服务): a priced catalogue of paid services a customer can order from the portal
(appliance cleaning, drain clearing, locksmith, house cleaning...). An item belongs to one project or is
shared by all (project=None). An order becomes a case of kind special_service; the ServiceOrder row keeps the
price as it was when ordered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Customer, Unit
from kefu.org.models import Project


class PriceUnit(models.TextChoices):
    TIME = "次", _("次")
    HOUR = "小时", _("小时")
    SQM = "平方米", _("平方米")
    SET = "台", _("台")
    PIECE = "个", _("个")
    SUITE = "套", _("套")
    METRE = "米", _("米")


class ServiceItem(models.Model):
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_items",
        verbose_name=_("项目"),
        help_text=_("为空表示全部项目共用"),
    )
    category = models.ForeignKey(
        "tickets.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "special_service"},
        verbose_name=_("工单分类"),
    )
    name = models.CharField(_("服务名称"), max_length=50)
    description = models.TextField(_("服务说明"), blank=True)
    price = models.DecimalField(_("单价(元)"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("计价单位"), max_length=10, choices=PriceUnit.choices, default=PriceUnit.TIME)
    is_active = models.BooleanField(_("上架"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["sort", "name", "pk"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="service_item_price_not_negative")]
        indexes = [models.Index(fields=["project", "is_active", "sort"])]
        verbose_name = _("特约服务项目")
        verbose_name_plural = _("特约服务项目")

    def __str__(self) -> str:
        return self.name

    @property
    def price_label(self) -> str:
        return f"¥{self.price:,.2f}/{self.unit}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class ServiceOrder(models.Model):
    """One order of a catalogue item: the case it became and the price, quantity and total at that time."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="orders", verbose_name=_("服务项目"))
    case = models.OneToOneField(
        "tickets.Case", on_delete=models.PROTECT, related_name="service_order", verbose_name=_("工单")
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_orders", verbose_name=_("下单账号")
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("客户"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("服务地址"))
    name = models.CharField(_("服务名称"), max_length=50)
    unit_price = models.DecimalField(_("单价(元)"), max_digits=10, decimal_places=2)
    price_unit = models.CharField(_("计价单位"), max_length=10)
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=1)
    total = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("下单时间"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("特约服务订单")
        verbose_name_plural = _("特约服务订单")

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @staticmethod
    def total_of(price: Decimal, quantity: Decimal) -> Decimal:
        return (price * quantity).quantize(Decimal("0.01"))
