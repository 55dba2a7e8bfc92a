"""Portal forms: phone-sized fields; the services do the business checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import filetype
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Occupancy
from kefu.org.models import User
from kefu.tickets.services import Upload

from . import selectors
from .access import my_projects, my_units
from .services import normalise_mobile

MAX_PHOTOS = 9


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos under one name (camera and album inputs may both send "photos")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files if f]


def photo_uploads(files: list[UploadedFile]) -> list[Upload]:
    """Photos only, checked by their real content (not the name or the browser's type) and size."""
    if len(files) > MAX_PHOTOS:
        raise forms.ValidationError(_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS})
    max_bytes = getattr(settings, "KEFU_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    uploads = []
    for f in files:
        if (f.size or 0) > max_bytes:
            raise forms.ValidationError(_("照片过大（每张最大 %(mb)s MB）") % {"mb": max_bytes // (1024 * 1024)})
        content = f.read()
        kind = filetype.guess(content)
        if kind is None or not kind.mime.startswith("image/"):
            raise forms.ValidationError(_("只能上传图片：%(name)s") % {"name": f.name})
        uploads.append(Upload(name=f.name or "photo", content=content))
    return uploads


# Accounts ---------------------------------------------------------------------------------------------


class SignupForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": "1xxxxxxxxxx"}),
    )
    password = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，不能与手机号相近"),
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class PortalLoginForm(AuthenticationForm):
    """Customers log in with their mobile number (or the username they were given) and password."""

    error_messages = {
        "invalid_login": _("手机号或密码错误"),
        "inactive": _("该账号已停用"),
        "staff": _("员工账号请从管理后台登录"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("手机号")
        self.fields["username"].widget = forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "tel"}
        )
        self.fields["password"].label = _("密码")

    def clean(self) -> dict[str, Any]:
        login = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if login and password:
            mobile = normalise_mobile(login)
            by_mobile = User.objects.filter(kind=User.Kind.CUSTOMER, mobile=mobile).order_by("pk").first()
            username = by_mobile.username if by_mobile is not None else login
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if getattr(user, "kind", "") != User.Kind.CUSTOMER:
            raise forms.ValidationError(self.error_messages["staff"], code="staff")


# Verification of occupancy ------------------------------------------------------------------------------


class VerificationForm(forms.Form):
    """Project → building → unit: each choice narrows the next (the page reloads the lists with htmx)."""

    project = forms.ModelChoiceField(label=_("所在项目"), queryset=selectors.verification_projects())
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=selectors.verification_buildings(None))
    unit = forms.ModelChoiceField(label=_("房号"), queryset=selectors.verification_units(None))
    relation = forms.ChoiceField(label=_("与房屋的关系"), choices=Occupancy.Relation.choices)
    name = forms.CharField(label=_("在物业登记的姓名"), max_length=100)
    remark = forms.CharField(
        label=_("补充说明（选填）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：房产证姓名为配偶")}),
    )

    def __init__(self, *args: Any, choice: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].empty_label = _("请选择项目")  # type: ignore[attr-defined]
        self.fields["building"].empty_label = _("请选择楼栋")  # type: ignore[attr-defined]
        self.fields["unit"].empty_label = _("请选择房号")  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = lambda u: u.code  # type: ignore[attr-defined]
        source = self.data if self.is_bound else (choice or {})
        project = selectors.verification_projects().filter(pk=_int(source.get("project"))).first()
        building = selectors.verification_buildings(project).filter(pk=_int(source.get("building"))).first()
        self.fields["building"].queryset = selectors.verification_buildings(project)  # type: ignore[attr-defined]
        self.fields["unit"].queryset = selectors.verification_units(building)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.update({k: v for k, v in (choice or {}).items() if k in self.fields})


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# Reporting (报事) -------------------------------------------------------------------------------------------

VISIT_SLOTS = [
    ("", _("不需要上门 / 尽快处理")),
    ("morning", _("上午 9:00-12:00")),
    ("afternoon", _("下午 14:00-18:00")),
    ("evening", _("傍晚 18:00-20:00")),
    ("any", _("全天均可")),
]


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), choices=[(k.value, k.label) for k in selectors.REPORT_KINDS], widget=forms.RadioSelect
    )
    place = forms.ChoiceField(label=_("地点"))
    location = forms.CharField(
        label=_("具体位置"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：3号楼大堂电梯、地下车库B区")}),
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("请描述问题，如：卫生间天花板漏水，已经两天了")}),
    )
    photos = PhotosField(label=_("照片"))
    visit_date = forms.DateField(
        label=_("期望上门日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    visit_slot = forms.ChoiceField(label=_("期望上门时段"), choices=VISIT_SLOTS, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.units = list(my_units(user))
        self.projects = list(my_projects(user))
        places = [(f"u{u.pk}", f"{u.project.name} {u.code}") for u in self.units]
        places += [(f"p{p.pk}", _("%(p)s · 公共区域") % {"p": p.name}) for p in self.projects]
        self.fields["place"].choices = places  # type: ignore[attr-defined]
        self.categories = list(selectors.report_categories(user))
        self.fields["category"].choices = [("", _("请选择分类"))] + [  # type: ignore[attr-defined]
            (str(c.pk), category_label(c)) for c in self.categories
        ]
        self.fields["visit_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_photos(self) -> list[Upload]:
        return photo_uploads(self.cleaned_data.get("photos") or [])

    def clean_visit_date(self) -> dt.date | None:
        day = self.cleaned_data.get("visit_date")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("上门日期不能早于今天"))
        return day

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        place = d["place"]
        unit = next((u for u in self.units if f"u{u.pk}" == place), None)
        project = unit.project if unit else next((p for p in self.projects if f"p{p.pk}" == place), None)
        slot = dict(VISIT_SLOTS).get(d.get("visit_slot") or "", "") if d.get("visit_slot") else ""
        when = " ".join(x for x in (d["visit_date"].isoformat() if d.get("visit_date") else "", str(slot)) if x)
        return {
            "kind": d["kind"],
            "unit": unit,
            "project": project,
            "location": d.get("location", ""),
            "category": next((c for c in self.categories if str(c.pk) == d.get("category")), None),
            "description": d["description"],
            "preferred_time": when,
            "contact_phone": d.get("contact_phone", ""),
            "uploads": d.get("photos") or [],
        }


def category_label(c: Any) -> str:
    return f"{c.parent.name} · {c.name}" if c.parent_id else c.name


# On my case ------------------------------------------------------------------------------------------------


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("补充说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("补充情况或上传新的照片")}),
    )
    photos = PhotosField(label=_("照片"))

    def clean_photos(self) -> list[Upload]:
        return photo_uploads(self.cleaned_data.get("photos") or [])


CANCEL_REASONS = [
    ("solved", _("问题已自行解决")),
    ("duplicate", _("重复提交")),
    ("mistake", _("信息填写有误")),
    ("other", _("其他原因")),
]


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("取消原因"), choices=CANCEL_REASONS, widget=forms.RadioSelect)
    detail = forms.CharField(label=_("说明（选填）"), max_length=200, required=False)

    def reason_text(self) -> str:
        label = str(dict(CANCEL_REASONS)[self.cleaned_data["reason"]])
        detail = (self.cleaned_data.get("detail") or "").strip()
        return f"{label}：{detail}" if detail else label


RATING_TAGS = [
    _("响应及时"),
    _("态度好"),
    _("师傅专业"),
    _("干净整洁"),
    _("响应慢"),
    _("没修好"),
    _("收费不合理"),
    _("态度差"),
]


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[(1, _("非常不满意")), (2, _("不满意")), (3, _("一般")), (4, _("满意")), (5, _("非常满意"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择星级")},
    )
    tags = forms.MultipleChoiceField(
        label=_("印象"),
        choices=[(str(t), t) for t in RATING_TAGS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    solved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("已解决")), ("no", _("未解决"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    comment = forms.CharField(
        label=_("评价内容（选填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("说说您的感受，帮助我们改进")}),
    )

    def comment_text(self) -> str:
        return rating_comment(self.cleaned_data.get("tags") or [], self.cleaned_data.get("comment") or "")


def rating_comment(tags: list[str], text: str) -> str:
    """Quick tags and the free text in one comment: "响应及时、态度好；师傅很专业"."""
    allowed = {str(t) for t in RATING_TAGS}
    chosen = "、".join(t for t in tags if t in allowed)
    text = (text or "").strip()
    return "；".join(x for x in (chosen, text) if x)


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("工单号"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": _("如 BX20261120-0001"), "autocapitalize": "characters"}),
    )
    last4 = forms.CharField(
        label=_("联系电话后四位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}),
    )


class SurveyForm(forms.Form):
    """One field per question: q<id> (a score, or text)."""

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            if q.kind == "text":
                self.fields[f"q{q.pk}"] = forms.CharField(
                    label=q.text, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
                )
            else:
                scores = [(str(s), str(s)) for s in range(q.min_score, q.max_score + 1)]
                self.fields[f"q{q.pk}"] = forms.ChoiceField(
                    label=q.text, choices=scores, required=False, widget=forms.RadioSelect
                )

    def answers(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q{q.pk}")
            if value not in (None, ""):
                out[q.pk] = value if q.kind == "text" else int(value)
        return out


# Staff: reviewing a verification request ---------------------------------------------------------------------

NEW_ARCHIVE = "new"


class ApproveForm(forms.Form):
    customer = forms.ChoiceField(label=_("关联的客户档案"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, occupants: list[Any], suggested: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.occupants = occupants
        choices = [(str(c.pk), f"{c.name}（{c.code}）") for c in occupants]
        choices.append((NEW_ARCHIVE, str(_("新建客户档案并登记入住"))))
        self.fields["customer"].choices = choices  # type: ignore[attr-defined]
        self.fields["customer"].initial = str(suggested.pk) if suggested else (NEW_ARCHIVE if not occupants else "")

    def chosen(self) -> Any:
        value = self.cleaned_data["customer"]
        return next((c for c in self.occupants if str(c.pk) == value), None)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("未通过原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：姓名与档案不符，请携带房产证到服务中心办理")}),
    )
