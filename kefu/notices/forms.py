"""Forms of the notice pages. They parse the input's shape; notices.services decides what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Building, Tag
from kefu.org.models import Project
from kefu.tickets.forms import LocalDateTimeField

from .models import Notice
from .services import DRAFT, NOW, SCHEDULE

REQUIRED = _("请填写此项")
MODE_CHOICES = [(NOW, _("立即发布")), (SCHEDULE, _("定时发布")), (DRAFT, _("存为草稿"))]


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100, error_messages={"required": REQUIRED})
    category = forms.ChoiceField(label=_("类别"), choices=Notice.Category.choices, initial=Notice.Category.TIP)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}), error_messages={"required": REQUIRED}
    )
    audience = forms.ChoiceField(
        label=_("发布范围"),
        choices=Notice.Audience.choices,
        initial=Notice.Audience.PROJECT,
        widget=forms.RadioSelect,
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("客户分组"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("带有任一所选标签的客户"),
    )
    push = forms.BooleanField(label=_("同时推送到客户选择的渠道（邮件、短信、微信）"), required=False, initial=True)
    mode = forms.ChoiceField(label=_("发布方式"), choices=MODE_CHOICES, initial=NOW, widget=forms.RadioSelect)
    publish_at = LocalDateTimeField(
        label=_("定时发布时间"), required=False, error_messages={"invalid": _("请输入正确的时间")}
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buildings: Any = self.fields["buildings"]
        buildings.queryset = Building.objects.filter(project=project).order_by("code")
        tags: Any = self.fields["tags"]
        tags.queryset = Tag.objects.filter(Q(project=project) | Q(project__isnull=True)).order_by("name")

    @staticmethod
    def initial_for(notice: Notice) -> dict[str, Any]:
        return {
            "title": notice.title,
            "category": notice.category,
            "body": notice.body,
            "audience": notice.audience,
            "buildings": list(notice.buildings.all()),
            "tags": list(notice.tags.all()),
            "push": notice.push,
            "mode": SCHEDULE if notice.status == Notice.Status.SCHEDULED else DRAFT,
            "publish_at": notice.publish_at,
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200, required=False)


class ReceiptFilterForm(forms.Form):
    read = forms.ChoiceField(
        label=_("阅读情况"),
        required=False,
        choices=[("", _("全部")), ("yes", _("已读")), ("no", _("未读"))],
    )
    building = forms.IntegerField(required=False, widget=forms.HiddenInput)
