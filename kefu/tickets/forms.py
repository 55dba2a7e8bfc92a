"""Forms of the agent workspace: intake, the list filters and the small forms of the case actions.

Forms only parse and check the shape of the input; the services decide what is allowed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.customers.forms import DateInput
from kefu.org.models import Department, User

from .models import Category
from .selectors import NO_DEPARTMENT, SlaOutcome
from .states import Channel, Kind, Priority, Status, WaitReason

REQUIRED = _("请填写此项")


class DateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local"> in ISO form whatever the UI language."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
    widget = DateTimeInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or files; their type and size are checked by the service."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _required(field: forms.Field) -> forms.Field:
    field.error_messages["required"] = REQUIRED
    return field


def category_label(c: Category) -> str:
    return f"{c.parent.name} / {c.name}" if c.parent_id and c.parent else c.name


class CategoryChoiceField(forms.ModelChoiceField[Category]):
    def label_from_instance(self, obj: Category) -> str:
        return category_label(obj)


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        dept = getattr(obj, "dept_name", "")
        return f"{obj.display_name}（{dept}）" if dept else obj.display_name


# Workspace ------------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    """The filter bar above the case list (GET). Every field is optional."""

    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部")), *Kind.choices], required=False)
    category = forms.IntegerField(label=_("分类"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *Status.choices], required=False)
    zone = forms.IntegerField(label=_("区域"), required=False)
    department = forms.IntegerField(label=_("处理部门"), required=False)
    channel = forms.ChoiceField(label=_("来源渠道"), choices=[("", _("全部")), *Channel.choices], required=False)
    priority = forms.ChoiceField(label=_("优先级"), choices=[("", _("全部")), *Priority.choices], required=False)
    created_from = forms.DateField(label=_("受理日期从"), required=False, widget=DateInput)
    created_to = forms.DateField(label=_("至"), required=False, widget=DateInput)
    resolved_from = forms.DateField(label=_("办结日期从"), required=False, widget=DateInput)
    resolved_to = forms.DateField(label=_("至"), required=False, widget=DateInput)
    sla = forms.ChoiceField(
        label=_("办结时效"),
        choices=[("", _("全部")), (SlaOutcome.MET, _("按时办结")), (SlaOutcome.MISSED, _("超时办结"))],
        required=False,
    )
    top_level = forms.BooleanField(label=_("仅主工单"), required=False)
    project = forms.IntegerField(label=_("项目"), required=False)
    assignee = forms.IntegerField(label=_("处理人"), required=False)
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)

    TEXT_FIELDS = ("kind", "status", "channel", "priority", "sla", "q")

    def filters(self) -> dict[str, Any]:
        """The valid filters as keyword arguments of selectors.case_list (invalid ones are dropped)."""
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        out = {k: d.get(k) or ("" if k in self.TEXT_FIELDS else None) for k in self.fields}
        out["project_id"] = out.pop("project")  # case_list's `project` is the console's current project
        if d.get("department") == NO_DEPARTMENT:
            out["department"] = NO_DEPARTMENT
        return out


class BulkDispatchForm(forms.Form):
    numbers = forms.CharField(required=False)
    mode = forms.ChoiceField(
        label=_("派单方式"),
        choices=[("person", _("指定处理人")), ("department", _("派到部门（轮派）")), ("pool", _("放入抢单池"))],
        initial="person",
    )
    department = forms.ModelChoiceField(label=_("处理部门"), queryset=Department.objects.none(), required=False)
    assignee = StaffChoiceField(label=_("处理人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, departments: Any = None, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        if staff is not None:
            self.fields["assignee"].queryset = staff  # type: ignore[attr-defined]


# Intake ---------------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """受理登记: built for a phone call. customer/unit are ids picked from the lookup."""

    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    kind = _required(forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.REPAIR))
    category = CategoryChoiceField(
        label=_("分类"), queryset=Category.objects.none(), required=False, empty_label=_("— 请选择 —")
    )
    channel = _required(forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices, initial=Channel.PHONE))
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)
    is_major = forms.BooleanField(label=_("重大投诉（立即上报经理）"), required=False)
    location = forms.CharField(
        label=_("公共区域位置"), max_length=200, required=False, help_text=_("公共区域报事填写，如 3号楼大堂电梯")
    )
    title = forms.CharField(label=_("摘要"), max_length=200, required=False, help_text=_("不填则取描述第一行"))
    description = _required(
        forms.CharField(label=_("详细描述"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    )
    preferred_time = forms.CharField(label=_("预约时间"), max_length=100, required=False)
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("照片/附件"), widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx"})
    )
    answer = forms.CharField(
        label=_("当场答复内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("当场解决时填写：向客户答复了什么"),
    )

    def __init__(self, *args: Any, categories: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].queryset = categories  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        category = d.get("category")
        if category is not None and d.get("kind") and category.kind != d["kind"]:
            self.add_error("category", _("分类与工单类型不符"))
        if not d.get("unit") and not d.get("customer") and not (d.get("location") or "").strip():
            self.add_error("location", _("请选择客户/房屋，或填写公共区域位置"))
        return d


# Case actions --------------------------------------------------------------------------------------

MODE_CHOICES = [("person", _("指定处理人")), ("department", _("派到部门（轮派）")), ("pool", _("放入抢单池"))]


class DispatchForm(forms.Form):
    mode = forms.ChoiceField(label=_("派单方式"), choices=MODE_CHOICES, initial="person", widget=forms.RadioSelect)
    department = forms.ModelChoiceField(
        label=_("处理部门"), queryset=Department.objects.none(), required=False, empty_label=_("— 请选择 —")
    )
    assignee = StaffChoiceField(
        label=_("处理人"), queryset=User.objects.none(), required=False, empty_label=_("— 请选择 —")
    )
    required_by = LocalDateTimeField(label=_("要求完成时间"), required=False, help_text=_("不填则按服务时限"))
    note = forms.CharField(label=_("派单说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, departments: Any = None, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        if staff is not None:
            self.fields["assignee"].queryset = staff  # type: ignore[attr-defined]

    def clean_required_by(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("required_by")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class TransferForm(DispatchForm):
    reason = _required(forms.CharField(label=_("转单原因"), widget=forms.Textarea(attrs={"rows": 2})))
    field_order = ["reason", "mode", "department", "assignee", "required_by"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class ReasonForm(forms.Form):
    reason = _required(forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ResolveForm(forms.Form):
    note = _required(forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000))
    files = MultipleFileField(label=_("完工照片"), widget=MultipleFileInput(attrs={"accept": "image/*"}))  # type: ignore[assignment]


class HoldForm(forms.Form):
    reason = forms.ChoiceField(label=_("挂起原因"), choices=WaitReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class SolveForm(forms.Form):
    answer = _required(forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000))


class CommentForm(forms.Form):
    body = _required(forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000))
    is_public = forms.BooleanField(label=_("客户可见"), required=False)


class ReplyForm(forms.Form):
    body = _required(
        forms.CharField(label=_("答复客户内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    )


class CaseNumberForm(forms.Form):
    number = _required(forms.CharField(label=_("工单号"), max_length=30))
    reason = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    files = MultipleFileField(label=_("照片/附件"))  # type: ignore[assignment]
    is_public = forms.BooleanField(label=_("客户可见"), required=False, initial=True)


SPLIT_ROWS = 3


class SplitForm(forms.Form):
    """Up to three child work orders, one per department."""

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = departments if departments is not None else Department.objects.none()
        for i in range(1, SPLIT_ROWS + 1):
            self.fields[f"department_{i}"] = forms.ModelChoiceField(
                label=_("部门 %(n)s") % {"n": i}, queryset=qs, required=False, empty_label=_("— 不拆分 —")
            )
            self.fields[f"title_{i}"] = forms.CharField(label=_("工作内容 %(n)s") % {"n": i}, required=False)
            self.fields[f"required_by_{i}"] = LocalDateTimeField(label=_("要求完成 %(n)s") % {"n": i}, required=False)

    @staticmethod
    def parts_from(d: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for i in range(1, SPLIT_ROWS + 1):
            if d.get(f"department_{i}") is not None:
                rb = d.get(f"required_by_{i}")
                if rb is not None and timezone.is_naive(rb):
                    rb = timezone.make_aware(rb)
                out.append({"department": d[f"department_{i}"], "title": d.get(f"title_{i}") or "", "required_by": rb})
        return out

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if not any(d.get(f"department_{i}") for i in range(1, SPLIT_ROWS + 1)):
            raise forms.ValidationError(_("请至少选择一个部门"))
        return d
