"""Forms of the survey pages: the campaign with its questionnaire, the list filters and the answer sheet.

Forms only parse the shape of the input; surveys.services decides what is allowed and what is valid
(exactly one overall question, a dimension on every rating question, scores in range, ...).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.customers.forms import DateInput

from .models import Question, Response, Survey
from .services import QuestionSpec

REQUIRED = _("请填写此项")


class SurveyForm(forms.Form):
    name = forms.CharField(label=_("调查名称"), max_length=100, error_messages={"required": REQUIRED})
    intro = forms.CharField(
        label=_("开场白"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("访问开始时读给住户听，如：您好，我是阳光花园客服中心……耽误您两分钟做个满意度调查"),
    )
    period_start = forms.DateField(label=_("开始日期"), widget=DateInput, error_messages={"required": REQUIRED})
    period_end = forms.DateField(label=_("结束日期"), widget=DateInput, error_messages={"required": REQUIRED})
    sample = forms.ChoiceField(
        label=_("调查对象"), choices=Survey.Sample.choices, initial=Survey.Sample.ALL, widget=forms.RadioSelect
    )
    share_percent = forms.IntegerField(
        label=_("抽样比例(%)"),
        required=False,
        min_value=1,
        max_value=100,
        initial=100,
        help_text=_("按楼栋分层随机抽取入住户，如 25 表示抽取四分之一"),
        error_messages={
            "min_value": _("抽样比例须在 1-100 之间"),
            "max_value": _("抽样比例须在 1-100 之间"),
            "invalid": _("请输入整数"),
        },
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sample") == Survey.Sample.SHARE and not data.get("share_percent"):
            self.add_error("share_percent", _("按比例抽样请填写抽样比例"))
        return data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=Question.Kind.choices, initial=Question.Kind.RATING)
    dimension = forms.CharField(
        label=_("维度"), max_length=30, required=False, widget=forms.TextInput(attrs={"placeholder": _("如 工程维修")})
    )
    text = forms.CharField(label=_("题目"), max_length=200, error_messages={"required": _("请填写题目")})
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)


def question_specs(formset: forms.BaseFormSet[QuestionForm]) -> list[QuestionSpec]:
    """The questions in the order chosen (deleted rows left out); call after formset.is_valid()."""
    return [
        QuestionSpec(
            kind=f.cleaned_data["kind"],
            text=f.cleaned_data["text"],
            dimension=f.cleaned_data.get("dimension") or "",
            required=bool(f.cleaned_data.get("required")),
        )
        for f in formset.ordered_forms
    ]


QuestionFormSet = forms.formset_factory(QuestionForm, extra=0, can_order=True, can_delete=True, max_num=40)


def question_initial(questions: Any) -> list[dict[str, Any]]:
    """Formset rows from QuestionSpecs (the defaults) or Question rows (a draft being edited)."""
    return [
        {"kind": q.kind, "dimension": q.dimension, "text": q.text, "required": q.required, "ORDER": i}
        for i, q in enumerate(questions, start=1)
    ]


class ResponseFilterForm(forms.Form):
    """The answering list: zone, building, status and a search on the room."""

    STATUS_ALL = "all"

    zone = forms.IntegerField(required=False)
    building = forms.IntegerField(required=False)
    status = forms.ChoiceField(
        required=False, choices=[(STATUS_ALL, _("全部")), *Response.Status.choices], initial=Response.Status.PENDING
    )
    q = forms.CharField(required=False, max_length=40)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"status": Response.Status.PENDING}
        d = self.cleaned_data
        status = d.get("status") or Response.Status.PENDING
        return {
            "zone": d.get("zone"),
            "building": d.get("building"),
            "status": None if status == self.STATUS_ALL else status,
            "q": (d.get("q") or "").strip(),
        }


class AnswerForm(forms.Form):
    """One field per question (q<pk>), passed raw to services.response_submit, which checks required
    answers and score ranges and reports errors under the same names."""

    channel = forms.ChoiceField(
        label=_("访问方式"),
        choices=[(Response.Channel.PHONE, _("电话访问")), (Response.Channel.VISIT, _("上门访问"))],
        initial=Response.Channel.PHONE,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择访问方式"), "invalid_choice": _("无效的访问方式")},
    )

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            if q.kind == Question.Kind.TEXT:
                self.fields[f"q{q.pk}"] = forms.CharField(
                    label=q.text, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
                )
            else:
                self.fields[f"q{q.pk}"] = forms.CharField(label=q.text, required=False)

    def answers(self) -> dict[int, Any]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}", "") for q in self.questions}
