"""Knowledge-base forms: parse input only; the services check it again and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.scoped import SCOPES

from .models import Phrase

PERSONAL = ("personal", _("仅自己使用"))


class _ScopedForm(forms.Form):
    """`scope` says where a new row goes (project / shared / personal); an existing row keeps its own."""

    scope = forms.ChoiceField(label=_("适用范围"), choices=[*SCOPES, PERSONAL])
    sort = forms.IntegerField(
        label=_("排序"),
        initial=0,
        required=False,
        min_value=-9999,
        max_value=9999,
        help_text=_("数字小的排在前面"),
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scopes is not None:
            self.fields["scope"].choices = scopes  # type: ignore[attr-defined]


class FaqForm(_ScopedForm):
    category = forms.CharField(
        label=_("分类"),
        max_length=20,
        widget=forms.TextInput(attrs={"list": "faq-categories", "autocomplete": "off"}),
        help_text=_("如 物业费、报修、装修、停车、门禁"),
    )
    question = forms.CharField(label=_("问题"), max_length=200)
    answer = forms.CharField(
        label=_("解答"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}), help_text=_("纯文本，可分行")
    )
    keywords = forms.CharField(
        label=_("关键词"),
        max_length=200,
        required=False,
        help_text=_("客户可能用的其他说法，用空格分隔，如：交费 缴费 月卡"),
    )
    is_published = forms.BooleanField(label=_("发布（客户可见）"), required=False, initial=True)

    field_order = ["scope", "category", "question", "answer", "keywords", "sort", "is_published"]


class PhraseForm(_ScopedForm):
    scene = forms.ChoiceField(label=_("场景"), choices=Phrase.Scene.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))

    field_order = ["scope", "scene", "title", "body", "sort"]


class CannedForm(_ScopedForm):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(
        label=_("回复内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("可用占位符，插入时按工单自动替换"),
    )

    field_order = ["scope", "title", "body", "sort"]
