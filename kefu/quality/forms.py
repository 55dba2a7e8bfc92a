"""Forms of the QC pages: the sheet's filters, the review form with its error rows, the operator's
correction, sampling plans and draws, and the QC settings.

Forms only parse and check the shape of the input; kefu.quality.services decides what is allowed (a review
by the operator, a return without errors, a shared error point edited by a project) and its errors are put
on the form by kefu.core.shortcuts.attempt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.scoped import SCOPES
from kefu.customers.forms import DateInput
from kefu.org.models import User
from kefu.tickets.forms import category_label
from kefu.tickets.models import Category
from kefu.tickets.states import Kind

from .models import Check, ErrorPoint, ReviewPolicy, SamplingPlan, Stage, StuckThreshold

ALL = ("", _("全部"))
REQUIRED = _("请填写此项")


def _required(field: forms.Field) -> forms.Field:
    field.error_messages["required"] = REQUIRED
    return field


class StaffField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class StaffMultipleField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


# The sheet ---------------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    """The filter bar above the QC sheet (GET). Every field is optional; an invalid one is dropped."""

    source = forms.ChoiceField(label=_("来源"), choices=[ALL, *Check.Source.choices], required=False)
    subject = forms.ChoiceField(label=_("检查对象"), choices=[ALL, *Check.Subject.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[ALL, *Check.Status.choices], required=False)
    stage = forms.ChoiceField(label=_("环节"), choices=[ALL, *Stage.choices], required=False)
    operator = forms.IntegerField(label=_("经办人"), required=False)
    reviewer = forms.IntegerField(label=_("检查人"), required=False)
    date_from = forms.DateField(label=_("日期从"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("至"), required=False, widget=DateInput)
    q = forms.CharField(label=_("工单号"), required=False, max_length=50)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in (None, "")}


# The item under review --------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """The reviewer's verdict: what was checked and how many, a note, and 通过 or 退回 (the button pressed)."""

    content_checked = forms.CharField(label=_("检查内容"), max_length=200, required=False)
    quantity_checked = _required(
        forms.IntegerField(
            label=_("检查数量"),
            min_value=1,
            max_value=10000,
            error_messages={
                "min_value": _("检查数量须在 1-10000 之间"),
                "max_value": _("检查数量须在 1-10000 之间"),
                "invalid": _("请输入整数"),
            },
        )
    )
    note = forms.CharField(
        label=_("检查意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("选填，如：答复及时、用语规范")}),
    )
    decision = forms.ChoiceField(
        choices=[("pass", _("通过")), ("return", _("退回"))],
        error_messages={"required": _("请选择通过或退回"), "invalid_choice": _("请选择通过或退回")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PointField(forms.ModelChoiceField[ErrorPoint]):
    def label_from_instance(self, obj: ErrorPoint) -> str:
        return f"{obj.code} {obj.name}"


class FindingForm(forms.Form):
    """One error row of a return: the point (its fatal default is set by the page's script), the cause,
    and whose error it was (default: the check's operator). A row left empty is ignored."""

    point = PointField(
        label=_("差错点"), queryset=ErrorPoint.objects.none(), required=False, empty_label=_("— 请选择 —")
    )
    fatal = forms.BooleanField(label=_("致命"), required=False)
    cause = forms.CharField(
        label=_("差错原因"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：答复未说明维修时间")}),
    )
    operator = StaffField(label=_("责任人"), queryset=User.objects.none(), required=False, empty_label=_("— 经办人 —"))

    def __init__(self, *args: Any, points: Any = None, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if points is not None:
            self.fields["point"].queryset = points  # type: ignore[attr-defined]
        if staff is not None:
            self.fields["operator"].queryset = staff  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return not d.get("point") and not (d.get("cause") or "").strip()

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if not d.get("point") and (d.get("cause") or "").strip():
            self.add_error("point", _("请选择差错点"))
        return d


FindingFormSet = forms.formset_factory(FindingForm, extra=0, min_num=1, max_num=20, validate_max=True)


class CorrectForm(forms.Form):
    note = _required(
        forms.CharField(
            label=_("修改说明"),
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：已重新致电业主说明维修时间并补录记录")}),
        )
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# Sampling ---------------------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    prefix = "plan"
    name = _required(forms.CharField(label=_("方案名称"), max_length=100))
    target = forms.ChoiceField(label=_("抽检对象"), choices=SamplingPlan.Target.choices)
    mode = forms.ChoiceField(label=_("抽检方式"), choices=SamplingPlan.Mode.choices)
    share_percent = _required(forms.IntegerField(label=_("抽检比例(%)"), initial=10, help_text=_("按比例抽检时使用")))
    per_operator = _required(forms.IntegerField(label=_("每人每周件数"), initial=3, help_text=_("按人抽检时使用")))
    kind = forms.ChoiceField(label=_("工单类型"), choices=[("", _("全部类型")), *Kind.choices], required=False)
    reviewers = StaffMultipleField(
        label=_("质检员"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则由项目的质检员轮流检查"),
        error_messages={
            "invalid_choice": _("质检员须为该项目有质检权限的员工"),
            "invalid_pk_value": _("质检员须为该项目有质检权限的员工"),
        },
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["reviewers"].queryset = staff  # type: ignore[attr-defined]


class PlanChoiceField(forms.ModelChoiceField[SamplingPlan]):
    def label_from_instance(self, obj: SamplingPlan) -> str:
        return obj.name


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week before the one `today` is in."""
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


class DrawForm(forms.Form):
    prefix = "draw"
    plan = _required(
        PlanChoiceField(label=_("抽检方案"), queryset=SamplingPlan.objects.none(), empty_label=_("— 请选择 —"))
    )
    period_start = _required(forms.DateField(label=_("开始日期"), widget=DateInput))
    period_end = _required(forms.DateField(label=_("结束日期"), widget=DateInput))

    def __init__(self, *args: Any, plans: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if plans is not None:
            self.fields["plan"].queryset = plans  # type: ignore[attr-defined]


# Settings ----------------------------------------------------------------------------------------------------


class ErrorPointForm(forms.Form):
    prefix = "point"
    scope = forms.ChoiceField(label=_("适用范围"), choices=SCOPES, initial="project", required=False)
    code = _required(forms.CharField(label=_("编码"), max_length=20))
    name = _required(forms.CharField(label=_("差错点"), max_length=100))
    stage = forms.ChoiceField(label=_("环节"), choices=[("", _("不限")), *Stage.choices], required=False)
    fatal = forms.BooleanField(label=_("默认为致命差错"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    sort = forms.IntegerField(
        label=_("排序"),
        initial=0,
        min_value=0,
        max_value=32767,
        required=False,
        error_messages={"min_value": _("排序须为 0-32767"), "max_value": _("排序须为 0-32767")},
    )

    def __init__(self, *args: Any, scopes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scopes is not None:
            self.fields["scope"].choices = scopes  # type: ignore[attr-defined]


class CategoryField(forms.ModelChoiceField[Category]):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.get_kind_display()} · {category_label(obj)}"


class ReviewPolicyForm(forms.Form):
    prefix = "rule"
    scope = forms.ChoiceField(label=_("适用范围"), choices=SCOPES, initial="project", required=False)
    target = forms.ChoiceField(label=_("复核对象"), choices=ReviewPolicy.Target.choices)
    kind = forms.ChoiceField(label=_("工单类型"), choices=Kind.choices)
    category = CategoryField(
        label=_("分类"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— 该类型全部分类 —"),
        help_text=_("选填：只对某一分类生效，比类型规则优先"),
    )
    mode = forms.ChoiceField(label=_("复核方式"), choices=ReviewPolicy.Mode.choices)
    share_percent = forms.IntegerField(
        label=_("复核比例(%)"), initial=100, required=False, help_text=_("按比例复核时使用")
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, categories: Any = None, scopes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        if scopes is not None:
            self.fields["scope"].choices = scopes  # type: ignore[attr-defined]


class ThresholdForm(forms.Form):
    """One hours field per stuck item. Shared thresholds: an empty field leaves the item as it is; a project's
    own: an empty field removes it, so the shared threshold applies again."""

    prefix = "stuck"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item, label in StuckThreshold.Item.choices:
            self.fields[item] = forms.IntegerField(
                label=label, required=False, error_messages={"invalid": _("请输入整数（小时）")}
            )
