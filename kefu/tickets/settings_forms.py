"""Forms of the desk settings pages. They parse input; settings_services decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.org.models import Department

from . import sla
from .models import Category, SlaPolicy
from .states import Kind, Priority


class CategoryForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("上级分类"), queryset=Category.objects.none(), required=False)
    code = forms.CharField(label=_("编码"), max_length=30)
    name = forms.CharField(label=_("名称"), max_length=50)
    trade = forms.CharField(label=_("专业"), max_length=30, required=False, help_text=_("如 水电、土建；不填则同上级"))
    default_department = forms.ModelChoiceField(
        label=_("默认派单部门"), queryset=Department.objects.none(), required=False
    )
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=32000, initial=0, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        parents: QuerySet[Category] | None = None,
        departments: QuerySet[Department],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_department"].queryset = departments  # type: ignore[attr-defined]
        if editing:
            del self.fields["parent"], self.fields["code"]
        else:
            self.fields["parent"].queryset = parents if parents is not None else Category.objects.none()  # type: ignore[attr-defined]
            del self.fields["is_active"]

    def clean_sort(self) -> int:
        return self.cleaned_data.get("sort") or 0


class SlaPolicyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    category = forms.ModelChoiceField(
        label=_("分类"), queryset=Category.objects.none(), required=False, help_text=_("不选则适用于该类型的全部分类")
    )
    priority = forms.ChoiceField(label=_("优先级"), choices=[("", _("任意")), *Priority.choices], required=False)
    first_reply_hours = forms.IntegerField(
        label=_("首次答复时限(小时)"), min_value=1, required=False, help_text=_("自然小时；不填则不考核首次答复")
    )
    resolution_value = forms.IntegerField(label=_("办结时限"), min_value=1)
    resolution_unit = forms.ChoiceField(label=_("时限单位"), choices=SlaPolicy.Unit.choices)
    warn_percent = forms.IntegerField(
        label=_("预警(已用时限%)"), min_value=1, max_value=99, initial=80, help_text=_("用去这部分时限时提醒处理人")
    )
    escalate_multiples = forms.CharField(
        label=_("升级倍数"),
        max_length=50,
        initial="1,1.5,2",
        help_text=_("超过时限的倍数依次升级到 主管、经理、总部，逐级递增，如 1,1.5,2"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, categories: QuerySet[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["category"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.get_kind_display()} · {c.parent.name + ' › ' if c.parent_id else ''}{c.name}"
        )

    def clean_escalate_multiples(self) -> str:
        try:
            values = sla.parse_multiples(self.cleaned_data["escalate_multiples"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return ",".join(f"{v:g}" for v in values)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        cat = d.get("category")
        if cat is not None and d.get("kind") and cat.kind != d["kind"]:
            self.add_error("category", _("分类与工单类型不符"))
        return d


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("安排"),
        choices=[("0", _("放假休息")), ("1", _("调休上班"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("说明"), max_length=50, required=False, help_text=_("如 国庆节、国庆节调休上班"))


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    entered = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
