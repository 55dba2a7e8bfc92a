"""The portal's reads. A customer reaches only the cases of the archives linked to their account
(kefu.portal.access); anything else is NotFound. They see the public timeline only (CaseEvent.is_public)
and public attachments. Staff read verification requests within their archive scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import NotFound
from kefu.customers.models import Building, Contact, Unit
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access
from kefu.surveys import services as survey_services
from kefu.surveys.models import Response as Questionnaire
from kefu.tickets import selectors as ticket_selectors
from kefu.tickets.models import Attachment, Case, CaseEvent, Category
from kefu.tickets.states import Action, Kind, Status
from kefu.visits.models import CustomerRating

from .access import my_projects
from .models import VerificationRequest

MSG_NOT_FOUND = "未找到该工单"

# What a customer may report from the portal (特约服务 is ordered from the catalogue, kefu.catalog).
REPORT_KINDS = [Kind.REPAIR, Kind.COMPLAINT, Kind.SUGGESTION, Kind.CONSULTATION, Kind.HELP, Kind.PRAISE]


# My cases -----------------------------------------------------------------------------------------------


def my_cases(user: User) -> QuerySet[Case]:
    """Every top-level case of the account's archives, whoever took it in (portal, phone, walk-in)."""
    return (
        Case.objects.filter(customer__account=user, customer__is_active=True, parent__isnull=True)
        .select_related("project", "category", "unit")
        .order_by("-created_at", "-pk")
    )


def my_case_get(*, user: User, number: str) -> Case:
    case = my_cases(user).filter(number=(number or "").strip().upper()).first()
    if case is None:
        raise NotFound(MSG_NOT_FOUND)
    return case


def public_timeline(case: Case) -> QuerySet[CaseEvent]:
    return ticket_selectors.timeline(case, public_only=True)


def public_attachments(case: Case) -> QuerySet[Attachment]:
    return case.attachments.filter(is_public=True).order_by("uploaded_at", "pk")


def public_attachment_get(*, case: Case, pk: int) -> Attachment:
    att = public_attachments(case).filter(pk=pk).first()
    if att is None:
        raise NotFound("未找到该文件")
    return att


def latest_rating(case: Case) -> CustomerRating | None:
    """The rating of the case's latest resolution (a reworked case may be rated again)."""
    if case.resolved_at is None:
        return None
    return CustomerRating.objects.filter(case=case, at__gte=case.resolved_at).order_by("-at").first()


def can_rate(case: Case, rating: CustomerRating | None) -> bool:
    return case.status in (Status.RESOLVED, Status.CLOSED) and case.resolved_at is not None and rating is None


def can_cancel(case: Case) -> bool:
    return case.status == Status.NEW


def can_add_information(case: Case) -> bool:
    return case.status not in (Status.CLOSED, Status.CANCELLED)


# Progress shown as steps: 已受理 → 已派单 → 处理中 → 已完成 → 待评价/已评价 ---------------------------------------


@dataclass(frozen=True)
class Step:
    label: Any
    state: str  # done | current | todo


_STAGE = {
    Status.NEW: 0,
    Status.DISPATCHED: 1,
    Status.ACCEPTED: 2,
    Status.IN_PROGRESS: 2,
    Status.WAITING: 2,
    Status.RESOLVED: 3,
    Status.CLOSED: 3,
}


def progress(case: Case, rated: bool) -> list[Step]:
    """Five steps; empty for a cancelled case (the page says 已取消 instead)."""
    if case.status == Status.CANCELLED:
        return []
    labels = [_("已受理"), _("已派单"), _("处理中"), _("已完成"), _("已评价") if rated else _("待评价")]
    stage = _STAGE.get(Status(case.status), 0)
    if stage == 3:
        stage = 5 if rated else 4  # 已完成 is done; the customer's rating is next (or done too)
    steps = []
    for i, label in enumerate(labels):
        state = "done" if i < stage else ("current" if i == stage else "todo")
        steps.append(Step(label, state))
    return steps


_STATUS_WORDS = [_("已受理"), _("已派单"), _("处理中"), _("已完成")]


def customer_status(case: Case) -> Any:
    """The status in the customer's words: 已受理 / 已派单 / 处理中 / 已完成 / 已取消."""
    if case.status == Status.CANCELLED:
        return _("已取消")
    return _STATUS_WORDS[_STAGE.get(Status(case.status), 0)]


# The public timeline in the customer's words --------------------------------------------------------------

EVENT_LABELS: dict[str, Any] = {
    Action.CREATE: _("已受理"),
    Action.SOLVE_AT_ONCE: _("已答复"),
    Action.DISPATCH: _("已派单"),
    Action.GRAB: _("已接单"),
    Action.ACCEPT: _("已接单"),
    Action.START: _("开始处理"),
    Action.RESOLVE: _("已完成"),
    Action.CLOSE: _("已关闭"),
    Action.REOPEN: _("重新处理"),
    Action.CANCEL: _("已取消"),
    "comment": _("客服回复"),
    "customer_comment": _("补充说明"),
    "attachment": _("上传照片"),
    "rating": _("评价"),
    "visit": _("回访"),
}


@dataclass(frozen=True)
class PublicEvent:
    at: Any
    kind: str
    label: Any
    body: str
    detail: str
    attachment: Attachment | None


def describe(
    events: QuerySet[CaseEvent] | list[CaseEvent], case: Case, *, with_bodies: bool = True
) -> list[PublicEvent]:
    """Public events as the customer reads them. Without bodies (tracking without logging in), only
    what happened and when."""
    atts = {a.pk: a for a in public_attachments(case)} if with_bodies else {}
    out = []
    for e in events:
        if not e.is_public:
            continue
        d = e.data or {}
        att = atts.get(d.get("attachment", 0)) if e.kind == "attachment" else None
        if e.kind == "attachment" and (e.at == case.created_at or (with_bodies and att is None)):
            continue  # the report's own photos are shown with it; a file since hidden is not shown
        detail = ""
        if with_bodies and e.kind in (Action.DISPATCH, Action.GRAB, Action.ACCEPT):
            detail = " · ".join(x for x in (d.get("department"), d.get("assignee")) if x)
        body = e.body if with_bodies and e.kind != "attachment" else ""
        out.append(PublicEvent(e.at, e.kind, EVENT_LABELS.get(e.kind, _("进度更新")), body, detail, att))
    return out


# Tracking without logging in --------------------------------------------------------------------------------


def _last4(value: str) -> str:
    digits = "".join(c for c in (value or "") if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def track_case(*, number: str, last4: str) -> Case | None:
    """The case whose contact phone, or its customer's mobile (archive or portal account), ends in
    `last4`. None for a wrong number and for wrong digits alike."""
    last4 = (last4 or "").strip()
    if len(last4) != 4 or not last4.isdigit():
        return None
    case = (
        Case.objects.filter(number=(number or "").strip().upper(), parent__isnull=True)
        .select_related("category", "customer", "customer__account")
        .first()
    )
    if case is None:
        return None
    phones = [case.contact_phone]
    if case.customer is not None:
        phones += list(
            Contact.objects.filter(customer=case.customer, kind=Contact.Kind.MOBILE).values_list("value", flat=True)
        )
        if case.customer.account is not None:
            phones.append(case.customer.account.mobile)
    return case if any(_last4(p) == last4 for p in phones) else None


def mask_name(name: str) -> str:
    """张** / 欧阳** : the first character (two for common double surnames), the rest starred."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if len(name) >= 3 and name[:2] in DOUBLE_SURNAMES else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)


DOUBLE_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"}


# Reporting ------------------------------------------------------------------------------------------------


def report_categories(user: User) -> QuerySet[Category]:
    """The active categories of the account's projects (shared ones included), leaves only: the form
    filters them by the chosen kind and place."""
    projects = list(my_projects(user))
    qs = ticket_selectors.category_list(project=None).filter(
        Q(project__isnull=True) | Q(project__in=projects), kind__in=REPORT_KINDS
    )
    with_children = Category.objects.filter(is_active=True, parent__isnull=False).values("parent_id")
    return qs.exclude(pk__in=with_children).order_by("kind", "parent__sort", "sort", "code")


def category_for(user: User, pk: Any) -> Category | None:
    if not pk:
        return None
    return report_categories(user).filter(pk=pk).first()


# Surveys to answer ----------------------------------------------------------------------------------------


def open_surveys(user: User) -> QuerySet[Questionnaire]:
    return survey_services.open_for_customer(user).select_related("survey", "unit").order_by("survey__period_end", "pk")


def open_survey_get(*, user: User, pk: int) -> Questionnaire:
    r = open_surveys(user).filter(pk=pk).first()
    if r is None:
        raise NotFound("未找到该问卷")
    return r


# Verification ---------------------------------------------------------------------------------------------


def my_verifications(user: User) -> QuerySet[VerificationRequest]:
    return VerificationRequest.objects.filter(account=user).select_related("project", "unit").order_by("-created_at")


def verification_projects() -> QuerySet[Project]:
    """Projects a new account may say it lives in: active ones with buildings."""
    return Project.objects.filter(is_active=True, buildings__isnull=False).distinct().order_by("code")


def verification_buildings(project: Project | None) -> QuerySet[Building]:
    if project is None:
        return Building.objects.none()
    return Building.objects.filter(project=project).order_by("code")


def verification_units(building: Building | None) -> QuerySet[Unit]:
    if building is None:
        return Unit.objects.none()
    return Unit.objects.filter(building=building).select_related("entrance").order_by("floor", "code")


def verification_list(*, user: User, status: str = "") -> QuerySet[VerificationRequest]:
    """Staff: the requests for units in their archive scope (project; stewards their zones)."""
    a = access(user, Perm.EDIT_ARCHIVES)
    qs = VerificationRequest.objects.filter(a.q("project", "unit__zone"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("project", "building", "unit", "account", "customer", "reviewed_by").order_by(
        "-created_at", "-pk"
    )


def verification_get(*, user: User, pk: int) -> VerificationRequest:
    r = verification_list(user=user).filter(pk=pk).first()
    if r is None:
        raise NotFound("未找到该申请")
    return r
