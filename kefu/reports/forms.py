"""The subscription form (定时报表): parses the input; the rules (scope, frequency the report offers,
recipients) are checked by kefu.reports.subscriptions.subscription_save, whose errors land on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import ValidationFailed
from kefu.org.models import Department, User, Zone

from . import registry
from .base import ALL, ZoneField, report_projects
from .models import Frequency, ReportSubscription
from .subscriptions import WEEKDAYS, SubscriptionInput, clean_addresses

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class SubscriptionForm(forms.Form):
    report_key = forms.ChoiceField(
        label=gettext_lazy("报表"), error_messages={"required": gettext_lazy("请选择要订阅的报表")}
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("发送频率"),
        choices=Frequency.choices,
        initial=Frequency.MONTHLY,
        help_text=gettext_lazy("每次发送上一个完整周期：前一日、上周（周一至周日）、上月或上季度"),
        error_messages={"required": gettext_lazy("请选择发送频率"), "invalid_choice": gettext_lazy("请选择发送频率")},
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("每周发送日"),
        choices=list(WEEKDAYS.items()),
        coerce=int,
        required=False,
        empty_value=None,
        initial=1,
        error_messages={"invalid_choice": gettext_lazy("每周发送请选择星期几")},
    )
    day_of_month = forms.TypedChoiceField(
        label=gettext_lazy("发送日期"),
        choices=[(d, str(d)) for d in range(1, 32)],
        coerce=int,
        required=False,
        empty_value=None,
        initial=1,
        help_text=gettext_lazy("每月（或每季度首月）的几号；超过当月天数时在月末发送"),
        error_messages={"invalid_choice": gettext_lazy("请选择在几号发送（1-31）")},
    )
    hour = forms.TypedChoiceField(
        label=gettext_lazy("发送时间"),
        choices=HOURS,
        coerce=int,
        initial=8,
        error_messages={
            "required": gettext_lazy("请选择发送时间"),
            "invalid_choice": gettext_lazy("发送时间应在 0 至 23 点之间"),
        },
    )
    project = forms.ChoiceField(label=gettext_lazy("项目"), required=False)
    zone = ZoneField(
        label=gettext_lazy("区域"),
        queryset=Zone.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        error_messages={"invalid_choice": gettext_lazy("所选区域不存在或不在您的报表范围内")},
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("处理部门"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        error_messages={"invalid_choice": gettext_lazy("所选部门不存在或不在您的报表范围内")},
    )
    extra_recipients = forms.CharField(
        label=gettext_lazy("其他收件人"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "wang@example.com, li@example.com"}),
        help_text=gettext_lazy("报表总会发到您自己的邮箱；如需抄送他人，填写邮箱地址，用逗号或换行分隔，最多 10 个"),
    )
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, instance: ReportSubscription | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "report_key": instance.report_key,
                "frequency": instance.frequency,
                "weekday": instance.weekday or 1,
                "day_of_month": instance.day_of_month or 1,
                "hour": instance.hour,
                "project": str(instance.project_id) if instance.project_id else ALL,
                "zone": instance.zone_id,
                "department": instance.department_id,
                "extra_recipients": "\n".join(instance.extra_recipients),
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)
        self.user = user
        day_field: Any = self.fields["day_of_month"]
        day_field.choices = [(d, _("%(d)s 日") % {"d": d}) for d in range(1, 32)]
        groups: dict[str, list[tuple[str, str]]] = {}
        for report in registry.all_reports().values():
            groups.setdefault(str(report.group), []).append((report.key, str(report.title)))
        report_field: Any = self.fields["report_key"]
        report_field.choices = [("", _("请选择报表")), *groups.items()]
        report_field.error_messages["invalid_choice"] = _("请选择要订阅的报表")
        self.projects = list(report_projects(user))
        ids = [p.pk for p in self.projects]
        project_field: Any = self.fields["project"]
        project_field.choices = [(ALL, _("全部项目")), *((str(p.pk), p.name) for p in self.projects)]
        project_field.error_messages["invalid_choice"] = _("所选项目不在您的报表范围内")
        zone_field: Any = self.fields["zone"]
        zone_field.queryset = (
            Zone.objects.filter(project__in=ids).select_related("project").order_by("project__code", "code")
        )
        dept_field: Any = self.fields["department"]
        dept_field.queryset = Department.objects.filter(Q(project__in=ids) | Q(project__isnull=True)).order_by(
            "project__code", "sort", "code"
        )
        if self.fields["extra_recipients"].help_text and not (user.email or "").strip():
            self.fields["extra_recipients"].help_text = _(
                "您的账号没有登记电子邮箱，请至少填写一个收件人；多个地址用逗号或换行分隔，最多 10 个"
            )

    def clean_project(self) -> Any:
        value = self.cleaned_data.get("project") or ALL
        if value == ALL:
            return None
        return next(p for p in self.projects if str(p.pk) == value)

    def clean_extra_recipients(self) -> list[str]:
        try:
            return clean_addresses(self.cleaned_data.get("extra_recipients") or "")
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc

    def data_for_service(self) -> SubscriptionInput:
        d = self.cleaned_data
        return SubscriptionInput(
            report_key=d["report_key"],
            frequency=d["frequency"],
            hour=d["hour"],
            weekday=d.get("weekday"),
            day_of_month=d.get("day_of_month"),
            project=d.get("project"),
            zone=d.get("zone"),
            department=d.get("department"),
            extra_recipients=tuple(d.get("extra_recipients") or ()),
            is_active=bool(d.get("is_active")),
        )
