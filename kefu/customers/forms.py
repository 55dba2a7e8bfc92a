from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.org.models import User

from .models import Asset, AssetRecord, Contact, CreditGrade, Customer, Occupancy, Tag


class DateInput(forms.DateInput):
    """<input type="date"> needs ISO dates whatever the UI language (a localised 1992年10月12日 would
    show as empty and be saved back as no date)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("客户名称"), max_length=100)
    kind = forms.ChoiceField(label=_("客户性质"), choices=Customer.Kind.choices)
    category = forms.ChoiceField(label=_("客户类型"), choices=Customer.Category.choices)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—"), ("M", _("男")), ("F", _("女"))], required=False)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=[("", "—"), *Customer.IdType.choices], required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    birthday = forms.DateField(label=_("生日"), required=False, widget=DateInput)
    tags = forms.ModelMultipleChoiceField(
        label=_("标签"), queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    remark = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, tags: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tags is not None:
            self.fields["tags"].queryset = tags  # type: ignore[attr-defined]


class NewCustomerForm(CustomerForm):
    mobile = forms.CharField(label=_("手机"), max_length=20, required=False)
    landline = forms.CharField(label=_("固话"), max_length=30, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=100, required=False)
    wechat = forms.CharField(label=_("微信号"), max_length=100, required=False)
    credit_grade = forms.ChoiceField(label=_("信用等级"), choices=CreditGrade.choices, initial=CreditGrade.B)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=Contact.Kind.choices)
    value = forms.CharField(label=_("号码/账号"), max_length=100)
    label = forms.CharField(label=_("联系人/备注"), max_length=50, required=False)
    is_primary = forms.BooleanField(label=_("首选"), required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("备注内容"), widget=forms.Textarea(attrs={"rows": 2}))


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("信用等级"), choices=CreditGrade.choices)
    reason = forms.CharField(label=_("评级原因"), max_length=200)
    effective_on = forms.DateField(label=_("生效日期"), widget=DateInput, initial=timezone.localdate)


class KeyCustomerForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=User.objects.none())
    reason = forms.CharField(label=_("关注原因"), max_length=200)
    review_on = forms.DateField(label=_("复核日期"), widget=DateInput)

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class MoveInForm(forms.Form):
    unit_code = forms.CharField(label=_("房屋编码"), max_length=50, help_text=_("如 3-2-1201"))
    relation = forms.ChoiceField(label=_("关系"), choices=Occupancy.Relation.choices)
    move_in = forms.DateField(label=_("入住日期"), widget=DateInput, initial=timezone.localdate)


class MoveOutForm(forms.Form):
    move_out = forms.DateField(label=_("迁出日期"), widget=DateInput, initial=timezone.localdate)


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["name", "model", "serial_no", "installed_on", "warranty_until", "remark"]
        widgets = {"installed_on": DateInput, "warranty_until": DateInput, "remark": forms.Textarea(attrs={"rows": 2})}

    customer_code = forms.CharField(label=_("客户编号"), max_length=30, required=False)
    unit_code = forms.CharField(label=_("安装位置(房屋编码)"), max_length=50, required=False)


class AssetRecordForm(forms.ModelForm):
    class Meta:
        model = AssetRecord
        fields = ["kind", "happened_on", "description"]
        widgets = {"happened_on": DateInput, "description": forms.Textarea(attrs={"rows": 2})}


class TagForm(forms.Form):
    name = forms.CharField(label=_("标签名称"), max_length=30)
    color = forms.ChoiceField(
        label=_("颜色"),
        choices=[("blue", _("蓝")), ("green", _("绿")), ("orange", _("橙")), ("red", _("红")), ("gray", _("灰"))],
    )
    scope = forms.ChoiceField(label=_("适用范围"), choices=[("project", _("当前项目")), ("all", _("全部项目（总部）"))])
