"""Forms of the return-visit pages: the list filters, the record form (one tap per outcome), findings,
plans, policies and scripts.

Forms only parse and check the shape of the input; kefu.visits.services decides what is allowed (a
reached call without a score, a call-back in the past, an unknown placeholder) and its errors are put
on the form by kefu.core.shortcuts.attempt.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.scoped import SCOPES
from kefu.customers.forms import DateInput
from kefu.org.models import User, Zone
from kefu.tickets.forms import LocalDateTimeField, category_label
from kefu.tickets.models import Category
from kefu.tickets.states import Kind

from .models import DissatisfactionReason, FindingCategory, ReturnVisit, Score, VisitAttempt, VisitPolicy, VisitScript

ALL = ("", _("全部"))
REQUIRED = _("请填写此项")


def _required(field: forms.Field) -> forms.Field:
    field.error_messages["required"] = REQUIRED
    return field


class StaffField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


# The list ---------------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    """The filter bar above the visit list (GET). Every field is optional; an invalid one is dropped."""

    source = forms.ChoiceField(label=_("来源"), choices=[ALL, *ReturnVisit.Source.choices], required=False)
    zone = forms.IntegerField(label=_("区域"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[ALL, *ReturnVisit.Status.choices], required=False)
    assignee = forms.IntegerField(label=_("回访人"), required=False)
    due_from = forms.DateField(label=_("回访期限从"), required=False, widget=DateInput)
    due_to = forms.DateField(label=_("至"), required=False, widget=DateInput)
    completed_from = forms.DateField(label=_("完成日期从"), required=False, widget=DateInput)
    completed_to = forms.DateField(label=_("至"), required=False, widget=DateInput)
    satisfied = forms.BooleanField(label=_("仅满意（4-5分）"), required=False)
    project = forms.IntegerField(label=_("项目"), required=False)
    q = forms.CharField(label=_("工单号/房号/客户"), required=False, max_length=50)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in (None, "")}


# Recording a call ------------------------------------------------------------------------------------


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class RecordForm(forms.Form):
    """One call: the outcome (big buttons), and when reached the score, solved and the customer's words."""

    outcome = forms.ChoiceField(
        label=_("回访结果"),
        choices=VisitAttempt.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择回访结果"), "invalid_choice": _("无效的回访结果")},
    )
    score = forms.TypedChoiceField(
        label=_("满意度"), choices=Score.choices, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )
    solved = forms.TypedChoiceField(
        label=_("问题已解决"),
        choices=[("yes", _("是")), ("no", _("否"))],
        coerce=_yes_no,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("不满意原因"), choices=[("", _("— 请选择 —")), *DissatisfactionReason.choices], required=False
    )
    customer_words = forms.CharField(
        label=_("客户意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("客户的原话，如：师傅很专业，已经不漏了")}),
    )
    callback_at = LocalDateTimeField(label=_("约定回电时间"), required=False)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": _("选填")})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FindingForm(forms.Form):
    category = _required(
        forms.ChoiceField(label=_("问题分类"), choices=[("", _("— 请选择 —")), *FindingCategory.choices])
    )
    description = _required(
        forms.CharField(
            label=_("问题描述"),
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：厨房下水慢，楼道灯不亮")}),
        )
    )
    to_case = forms.BooleanField(label=_("转为工单"), required=False)


class ReassignForm(forms.Form):
    assignee = _required(StaffField(label=_("改派给"), queryset=User.objects.none(), empty_label=_("— 请选择 —")))

    def __init__(self, *args: Any, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["assignee"].queryset = staff  # type: ignore[attr-defined]


# Plans ----------------------------------------------------------------------------------------------------


class ZoneField(forms.ModelChoiceField[Zone]):
    def label_from_instance(self, obj: Zone) -> str:
        return obj.name


class PlanForm(forms.Form):
    zone = _required(ZoneField(label=_("责任区域"), queryset=Zone.objects.none(), empty_label=_("— 请选择 —")))
    period_start = _required(forms.DateField(label=_("开始日期"), widget=DateInput))
    period_end = _required(forms.DateField(label=_("结束日期"), widget=DateInput))
    share_percent = _required(
        forms.IntegerField(label=_("走访比例(%)"), initial=25, help_text=_("按区域入住户数的比例抽取"))
    )
    exclude_periods = _required(
        forms.IntegerField(label=_("排除前几期已走访"), initial=3, help_text=_("前几期计划走访过的住户本期不再抽取"))
    )
    steward = StaffField(
        label=_("管家"), queryset=User.objects.none(), required=False, empty_label=_("— 区域管家（默认）—")
    )
    name = forms.CharField(label=_("计划名称"), max_length=100, required=False, help_text=_("不填则自动生成"))

    def __init__(self, *args: Any, zones: Any = None, stewards: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if zones is not None:
            self.fields["zone"].queryset = zones  # type: ignore[attr-defined]
        if stewards is not None:
            self.fields["steward"].queryset = stewards  # type: ignore[attr-defined]


# Settings --------------------------------------------------------------------------------------------------


class CategoryField(forms.ModelChoiceField[Category]):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.get_kind_display()} · {category_label(obj)}"


class PolicyForm(forms.Form):
    prefix = "policy"  # the policy and script forms share one page
    scope = forms.ChoiceField(label=_("适用范围"), choices=SCOPES, initial="project", required=False)
    kind = _required(forms.ChoiceField(label=_("工单类型"), choices=Kind.choices))
    category = CategoryField(
        label=_("分类"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— 该类型全部分类 —"),
        help_text=_("选填：只对某一分类生效，比类型规则优先"),
    )
    rule = forms.ChoiceField(label=_("回访规则"), choices=VisitPolicy.Rule.choices, initial=VisitPolicy.Rule.ALWAYS)
    assign_to = forms.ChoiceField(label=_("回访人"), choices=VisitPolicy.AssignTo.choices)
    due_hours = _required(forms.IntegerField(label=_("回访时限(小时)"), initial=48))
    max_attempts = _required(forms.IntegerField(label=_("未接通最多拨打次数"), initial=3))
    retry_hours = _required(forms.IntegerField(label=_("重拨间隔(小时)"), initial=4))
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, categories: Any = None, scopes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        if scopes is not None:
            self.fields["scope"].choices = scopes  # type: ignore[attr-defined]


class ScriptForm(forms.Form):
    prefix = "script"
    scope = forms.ChoiceField(label=_("适用范围"), choices=SCOPES, initial="project", required=False)
    purpose = forms.ChoiceField(label=_("用途"), choices=VisitScript.Purpose.choices)
    kind = forms.ChoiceField(label=_("工单类型"), choices=[("", _("全部类型")), *Kind.choices], required=False)
    name = _required(forms.CharField(label=_("名称"), max_length=50))
    body = _required(
        forms.CharField(
            label=_("话术"),
            widget=forms.Textarea(attrs={"rows": 8}),
            help_text=_("用花括号插入占位符，如 {客户称呼}；可用的占位符见右侧"),
        )
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, scopes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scopes is not None:
            self.fields["scope"].choices = scopes  # type: ignore[attr-defined]
