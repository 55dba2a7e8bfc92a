"""Forms of the catalogue pages (staff) and the order page (portal). They parse the input's shape;
catalog.services decides what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.scoped import SCOPES
from kefu.customers.models import Unit
from kefu.org.models import Project, User
from kefu.portal.access import my_units
from kefu.tickets.models import Category
from kefu.tickets.states import Kind

from .models import PriceUnit, ServiceItem

REQUIRED = _("请填写此项")


class ItemForm(forms.Form):
    scope = forms.ChoiceField(label=_("适用范围"), choices=SCOPES, initial="project", required=False)
    name = forms.CharField(label=_("服务名称"), max_length=50, error_messages={"required": REQUIRED})
    price = forms.DecimalField(
        label=_("单价(元)"),
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        error_messages={"required": REQUIRED, "invalid": _("请输入金额"), "min_value": _("单价不能小于 0")},
    )
    unit = forms.ChoiceField(label=_("计价单位"), choices=PriceUnit.choices, initial=PriceUnit.TIME)
    category = forms.ModelChoiceField(
        label=_("工单分类"), queryset=Category.objects.none(), required=False, empty_label=_("（不指定）")
    )
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0, required=False)
    is_active = forms.BooleanField(label=_("上架"), required=False, initial=True)
    description = forms.CharField(
        label=_("服务说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("服务内容、收费说明、材料费另计等"),
    )

    def __init__(
        self, *args: Any, project_id: int | None, scopes: list[tuple[str, Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        q = Q(project__isnull=True) | Q(project_id=project_id) if project_id else Q(project__isnull=True)
        category: Any = self.fields["category"]
        category.queryset = Category.objects.filter(q, kind=Kind.SPECIAL_SERVICE, is_active=True).order_by(
            "sort", "code"
        )
        scope: Any = self.fields["scope"]
        if scopes is not None:
            scope.choices = scopes
        else:
            del self.fields["scope"]

    @staticmethod
    def initial_for(item: ServiceItem) -> dict[str, Any]:
        return {
            "name": item.name,
            "price": item.price,
            "unit": item.unit,
            "category": item.category,
            "sort": item.sort,
            "is_active": item.is_active,
            "description": item.description,
        }


class UnitChoiceField(forms.ModelChoiceField[Unit]):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.project.name} {obj.code}"


class OrderForm(forms.Form):
    unit = UnitChoiceField(
        label=_("服务地址"), queryset=Unit.objects.none(), empty_label=None, error_messages={"required": REQUIRED}
    )
    quantity = forms.DecimalField(
        label=_("数量"),
        min_value=Decimal("0.1"),
        max_value=Decimal(999),
        decimal_places=1,
        initial=1,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "min": "0.1"}),
        error_messages={
            "required": REQUIRED,
            "invalid": _("请输入数量"),
            "min_value": _("数量须大于 0"),
            "max_value": _("数量不能超过 999"),
            "max_decimal_places": _("数量最多保留一位小数"),
        },
    )
    preferred_time = forms.CharField(
        label=_("期望上门时间"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：周六上午 9-12 点")}),
    )
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    note = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：两台挂机空调，一台柜机")}),
    )

    def __init__(self, *args: Any, user: User, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = my_units(user)
        if project is not None:
            units = units.filter(project=project)
        unit: Any = self.fields["unit"]
        unit.queryset = units
