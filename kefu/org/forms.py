"""Forms of the organisation pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Building

from .models import Department, Project, Zone
from .roles import Role


class ProjectForm(forms.Form):
    code = forms.CharField(label=_("项目编码"), max_length=20)
    name = forms.CharField(label=_("项目名称"), max_length=100)
    kind = forms.ChoiceField(label=_("项目类型"), choices=Project.Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("服务电话"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, may_toggle: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]  # the code names the project in numbers and exports: never changes
        if not (editing and may_toggle):
            del self.fields["is_active"]


class ZoneForm(forms.Form):
    code = forms.CharField(label=_("区域编码"), max_length=20)
    name = forms.CharField(label=_("区域名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class ZoneAssignForm(forms.Form):
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), empty_label=None)
    only_unzoned = forms.BooleanField(label=_("仅未划分区域的房屋"), required=False, initial=True)

    def __init__(self, *args: Any, buildings: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]


class DepartmentForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("所属项目"), queryset=Project.objects.none(), required=False, empty_label=_("总部部门")
    )
    code = forms.CharField(label=_("部门编码"), max_length=30)
    name = forms.CharField(label=_("部门名称"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("上级部门"), queryset=Department.objects.none(), required=False, empty_label=_("（无，顶级部门）")
    )
    trade = forms.CharField(label=_("专业"), max_length=30, required=False, help_text=_("如 水电、土建、秩序、环境"))
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0, required=False)

    def __init__(
        self,
        *args: Any,
        projects: QuerySet[Project] | None = None,
        parents: QuerySet[Department],
        head_office: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if projects is None:  # editing: project and code stay
            del self.fields["project"]
            del self.fields["code"]
        else:
            field = self.fields["project"]
            field.queryset = projects  # type: ignore[attr-defined]
            field.required = not head_office  # only head office keeps head-office departments
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]

    def clean_sort(self) -> int:
        return self.cleaned_data.get("sort") or 0


def role_choices(*, head_office: bool) -> list[tuple[str, str]]:
    """The roles a user may hand out: only head office grants the head-office role."""
    return [(v, str(label)) for v, label in Role.choices if head_office or v != Role.HEAD_OFFICE]


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("岗位角色"), choices=[])
    project = forms.ModelChoiceField(
        label=_("项目"), queryset=Project.objects.none(), required=False, empty_label=_("（总部角色不选项目）")
    )
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    zones = forms.ModelMultipleChoiceField(
        label=_("负责区域"),
        queryset=Zone.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("管家须选择负责区域，且区域须属于所选项目"),
    )

    def __init__(
        self,
        *args: Any,
        projects: QuerySet[Project],
        departments: QuerySet[Department],
        zones: QuerySet[Zone],
        head_office: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(head_office=head_office)  # type: ignore[attr-defined]
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["zones"].queryset = zones  # type: ignore[attr-defined]


class MembershipEditForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    zones = forms.ModelMultipleChoiceField(
        label=_("负责区域"), queryset=Zone.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], zones: QuerySet[Zone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["zones"].queryset = zones  # type: ignore[attr-defined]


class StaffForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    employee_no = forms.CharField(label=_("工号"), max_length=30, required=False)
    mobile = forms.CharField(label=_("手机"), max_length=20, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    on_duty = forms.BooleanField(label=_("在岗"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("账号启用"), required=False, initial=True)


class NewStaffForm(MembershipForm):
    """A new person with a first role: a person without any role belongs to no project."""

    username = forms.CharField(label=_("登录名"), max_length=150)
    name = forms.CharField(label=_("姓名"), max_length=50)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False, max_length=128
    )
    employee_no = forms.CharField(label=_("工号"), max_length=30, required=False)
    mobile = forms.CharField(label=_("手机"), max_length=20, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)

    field_order = ["username", "name", "password", "employee_no", "mobile", "email", "role", "project", "department"]
