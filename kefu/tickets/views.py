"""Agent workspace pages: the case lists, intake, the case page with its actions, the field staff's
phone view. Thin: every read through tickets.selectors, every change through tickets.services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import ApplicationError, NotFound
from kefu.core.formats import duration_zh
from kefu.core.masking import mask_phone
from kefu.core.shortcuts import attempt
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import xlsx_response
from kefu.customers import selectors as customer_selectors
from kefu.customers.models import Contact
from kefu.org import selectors as org_selectors
from kefu.org.models import Membership, Project, User, Zone
from kefu.org.roles import Perm
from kefu.org.scope import access, can, visible_projects

from . import selectors, services
from .forms import (
    AttachForm,
    BulkDispatchForm,
    CaseNumberForm,
    CommentForm,
    DispatchForm,
    FilterForm,
    HoldForm,
    IntakeForm,
    NoteForm,
    ReasonForm,
    ReplyForm,
    ResolveForm,
    SolveForm,
    SplitForm,
    TransferForm,
    category_label,
)
from .models import Attachment, Case, CaseEvent, CaseLink
from .selectors import DUE_SOON_HOURS, Queue
from .states import DONE_STATUSES, OPEN_STATUSES, Action, Kind, Status, WaitReason

QUEUE_LABELS = {
    Queue.MINE: gettext_lazy("我的工单"),
    Queue.DEPARTMENT: gettext_lazy("部门工单"),
    Queue.UNASSIGNED: gettext_lazy("待派单"),
    Queue.POOL: gettext_lazy("抢单池"),
    Queue.DUE_SOON: gettext_lazy("即将超时"),
    Queue.OVERDUE: gettext_lazy("已超时"),
    Queue.WAITING: gettext_lazy("挂起中"),
    Queue.OPEN: gettext_lazy("未完成"),
    Queue.ALL: gettext_lazy("全部工单"),
}
# Queues a field worker (who sees only what is dispatched to them) is offered; 全部 lists their own jobs done too.
HANDLER_QUEUES = [Queue.MINE, Queue.POOL, Queue.DUE_SOON, Queue.OVERDUE, Queue.WAITING, Queue.ALL]
PER_PAGE = 20
EXPORT_LIMIT = 50_000
# A list counts its cases up to LIST_COUNT_CAP (one more tells that there are more: "超过 10,000 条"), so a list
# of every case of a million costs what one of ten thousand does; the dashboard's lists are far smaller and
# keep their exact figure. Search results are counted up to SEARCH_COUNT_CAP (five pages): counting them is
# the costly part of a search (docs/search.md).
LIST_COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 100


# Shared helpers ---------------------------------------------------------------------------------------


def _desk_user(user: User) -> bool:
    return can(user, Perm.VIEW_CASES) or can(user, Perm.HANDLE_CASE)


def _require_desk(request: AuthedRequest) -> None:
    if not _desk_user(request.user):
        raise Http404


def _case_or_404(request: AuthedRequest, number: str) -> Case:
    try:
        return selectors.case_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _safe_next(request: AuthedRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


@dataclass
class Sla:
    text: str
    css: str  # ok | soon | overdue | paused | done


def sla_of(case: Case, now: dt.datetime, *, due: dt.datetime | None = None, label: str = "") -> Sla | None:
    """The countdown shown beside a case: 剩余 5小时 / 超时 2天3小时."""
    if case.status == Status.CANCELLED:
        return None
    if case.status in DONE_STATUSES:
        if case.resolution_due and case.resolved_at and case.resolved_at > case.resolution_due:
            return Sla(_("超时 %(d)s 办结") % {"d": duration_zh(case.resolved_at - case.resolution_due)}, "done")
        return None
    if case.status == Status.WAITING:
        return Sla(_("挂起 · 计时暂停"), "paused")
    if due is None:
        candidates = [case.resolution_due]
        if case.first_reply_due and case.first_replied_at is None:
            candidates.append(case.first_reply_due)
        dues = [d for d in candidates if d is not None]
        if not dues:
            return None
        due = min(dues)
    prefix = f"{label} " if label else ""
    if due <= now:
        return Sla(prefix + _("超时 %(d)s") % {"d": duration_zh(now - due)}, "overdue")
    css = "soon" if due - now <= dt.timedelta(hours=DUE_SOON_HOURS) else "ok"
    return Sla(prefix + _("剩余 %(d)s") % {"d": duration_zh(due - now)}, css)


def _with_sla(cases: list[Case]) -> list[Case]:
    now = timezone.now()
    for c in cases:
        c.sla = sla_of(c, now)  # type: ignore[attr-defined]
    return cases


def _staff(user: User, project: Project | None) -> QuerySet[User]:
    """Staff a case can be dispatched to: active members of the project (or of every visible one)."""
    projects = [project.pk] if project is not None else list(visible_projects(user).values_list("pk", flat=True))
    member = Membership.objects.filter(user=OuterRef("pk"), project_id__in=projects, is_active=True)
    dept = member.filter(department__isnull=False).values("department__name")[:1]
    return (
        User.objects.filter(Exists(member), is_active=True, kind=User.Kind.STAFF)
        .annotate(dept_name=Subquery(dept))
        .order_by(F("dept_name").asc(nulls_last=True), "name", "username")
    )


def _departments(user: User, project: Project | None) -> Any:
    return org_selectors.department_list(user=user, project=project)


def _address(case: Case) -> str:
    if case.unit_id and case.unit:
        return case.unit.code + (f" {case.location}" if case.location else "")
    return case.location


# Workspace ---------------------------------------------------------------------------------------------


class CappedPaginator(Paginator):
    """Counts at most `cap` items (reads cap + 1): `capped` then says there are more, and the pages end at the
    cap. With `rows`, a page is read ids first (no joins, so the sort can be done in an index alone, e.g. the
    open repairs of all projects), then its rows by id."""

    def __init__(
        self,
        object_list: QuerySet[Case],
        per_page: int,
        *,
        cap: int,
        rows: Callable[[list[int]], list[Case]] | None = None,
    ) -> None:
        super().__init__(object_list, per_page)
        self.cases = object_list
        self.cap = cap
        self.capped = False
        self.rows = rows

    @cached_property
    def count(self) -> int:
        n = self.cases.order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)

    def page_ids(self, bottom: int, top: int) -> list[int]:
        return list(self.cases.values_list("pk", flat=True)[bottom:top])

    def page(self, number: Any) -> Page[Any]:
        if self.rows is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return Page(self.rows(self.page_ids(bottom, top)), number, self)


class SearchPaginator(CappedPaginator):
    """Search results, ids first: one pass in list order finds up to cap + 1 matching ids, which give both the
    count and the page; the page's cases are then read by id. (The matching is the costly part: done once.)"""

    @cached_property
    def ids(self) -> list[int]:
        return list(self.cases.values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def count(self) -> int:
        self.capped = len(self.ids) > self.cap
        return min(len(self.ids), self.cap)

    def page_ids(self, bottom: int, top: int) -> list[int]:
        return self.ids[bottom:top]  # the extra id only tells that there are more


def _case_rows(ids: list[int]) -> list[Case]:
    """The cases of a page of ids, in that order, with what the list shows."""
    cases = Case.objects.select_related("category", "unit", "department", "assignee").prefetch_related("project")
    by_id = cases.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _list_page(request: AuthedRequest, qs: QuerySet[Case], filters: dict[str, Any]) -> Page[Any]:
    q = (filters.get("q") or "").strip()
    paginator: CappedPaginator
    if q and not selectors.looks_like_number(q):
        paginator = SearchPaginator(qs, PER_PAGE, cap=SEARCH_COUNT_CAP, rows=_case_rows)
    else:
        paginator = CappedPaginator(qs, PER_PAGE, cap=LIST_COUNT_CAP, rows=_case_rows)
    return paginator.get_page(request.GET.get("page"))


def _options(choices: Any, selected: str = "", kinds: Any = None) -> SafeString:
    """<option> elements, built here rather than in a template loop (a thousand of them for head office): escaped
    with html.escape, which costs a microsecond where format_html costs fifty. kinds: a data-kind per value."""
    out = []
    for value, label in choices:
        v = escape(str(value))
        kind = f' data-kind="{escape(str(kinds[value]))}"' if kinds is not None else ""
        chosen = " selected" if str(value) == selected else ""
        out.append(f'<option value="{v}"{kind}{chosen}>{escape(str(label))}</option>')
    return SafeString("".join(out))


def _filter_options(
    request: AuthedRequest, ff: FilterForm, project: Project | None, departments: list[tuple[int, str]]
) -> dict[str, SafeString]:
    """The filter bar's choices, as <option> elements with the current value selected."""
    user, f = request.user, request.GET
    categories = list(selectors.category_list(project=project).values_list("pk", "kind", "parent__name", "name"))
    zones = Zone.objects.filter(access(user, Perm.VIEW_ORG).q("project", "pk"))  # org.selectors.zone_list's scope
    if project is not None:
        zones = zones.filter(project=project)
    zone_rows = zones.order_by("project__code", "code").values_list("pk", "project__name", "name")
    return {
        "kind": _options(Kind.choices, f.get("kind", "")),
        "status": _options(Status.choices, f.get("status", "")),
        "channel": _options(ff.fields["channel"].choices, f.get("channel", "")),  # type: ignore[attr-defined]
        "priority": _options(ff.fields["priority"].choices, f.get("priority", "")),  # type: ignore[attr-defined]
        "sla": _options(ff.fields["sla"].choices, f.get("sla", "")),  # type: ignore[attr-defined]
        "category": _options(
            ((pk, f"{parent} / {name}" if parent else name) for pk, _kind, parent, name in categories),
            f.get("category", ""),
            kinds={pk: kind for pk, kind, _parent, _name in categories},
        ),
        "zone": _options(
            ((pk, name if project is not None else f"{project_name} {name}") for pk, project_name, name in zone_rows),
            f.get("zone", ""),
        ),
        "department": _options(departments, f.get("department", "")),
        "project": _options(visible_projects(user).order_by("name").values_list("pk", "name"), f.get("project", ""))
        if project is None
        else SafeString(""),
    }


def _staff_options(user: User, project: Project | None) -> SafeString:
    """The bulk dispatch form's handlers: _staff's people and order, from one read of the memberships."""
    projects = [project.pk] if project is not None else list(visible_projects(user).values_list("pk", flat=True))
    rows = (
        Membership.objects.filter(
            project_id__in=projects, is_active=True, user__is_active=True, user__kind=User.Kind.STAFF
        )
        .order_by("project__code", "role", "user_id")  # Membership's own order: _staff takes the first department
        .values_list("user_id", "user__name", "user__username", "department__name")
    )
    people: dict[int, list[Any]] = {}  # user id -> [name, username, first department]
    for pk, name, username, dept in rows:
        person = people.setdefault(pk, [name, username, None])
        if person[2] is None and dept is not None:
            person[2] = dept
    # _staff's order: department (none last), name, username
    ordered = sorted(people.items(), key=lambda p: (p[1][2] is None, p[1][2] or "", p[1][0], p[1][1]))
    return _options(
        (pk, f"{name or username}（{dept}）" if dept else name or username) for pk, (name, username, dept) in ordered
    )


def _queues_for(user: User) -> list[str]:
    if can(user, Perm.VIEW_CASES):
        return [q for q, _label in Queue.CHOICES]
    return HANDLER_QUEUES


def workspace(request: AuthedRequest) -> HttpResponse:
    """工单中心: the named queues with a filter bar, bulk dispatch and export."""
    user = request.user
    project = request.kefu_project
    _require_desk(request)
    queues = _queues_for(user)
    queue = request.GET.get("queue", "")
    if queue not in queues:
        queue = Queue.ALL if can(user, Perm.VIEW_CASES) else Queue.MINE
    htmx = bool(request.headers.get("HX-Request"))  # the table alone (paging, filtering)
    ff = FilterForm(request.GET or None)
    filters = ff.filters() if request.GET else {}
    qs = selectors.case_list(user=user, project=project, queue=queue, **filters)
    if request.GET.get("export") == "xlsx":
        return _export(qs, queue)
    page = _list_page(request, qs, filters)
    page.object_list = _with_sla(list(page.object_list))
    detail = reverse("tickets:detail", args=["NUMBER"])  # one reverse() for the page, not three per row
    for c in page.object_list:
        c.url = detail.replace("NUMBER", c.number)  # type: ignore[attr-defined]
    dispatcher = can(user, Perm.DISPATCH_CASE)
    departments = list(_departments(user, project).values_list("pk", "name")) if dispatcher or not htmx else []
    ctx = {
        "nav": f"cases_{queue}",
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "queues": [(q, QUEUE_LABELS[q]) for q in queues],
        "page": page,
        "f": request.GET,
        "ff": ff,
        "assignee_name": _assignee_name(filters.get("assignee")),
        "dispatcher": dispatcher,
        "can_create": can(user, Perm.CREATE_CASE),
        "bulk_form": BulkDispatchForm() if dispatcher else None,  # the mode's choices; the lists are below
        "bulk_departments": _options(departments) if dispatcher else "",
        "bulk_staff": _staff_options(user, project) if dispatcher else "",
    }
    if htmx:
        return render(request, "tickets/_case_table.html", ctx)
    ctx["opts"] = _filter_options(request, ff, project, departments)
    return render(request, "tickets/workspace.html", ctx)


def _assignee_name(pk: int | None) -> str:
    """The handler filter arrives from a link (dashboard, reports): name it beside the filters."""
    if not pk:
        return ""
    u = User.objects.filter(pk=pk).only("name", "username").first()
    return u.display_name if u else str(pk)


EXPORT_HEADERS = [
    "工单号", "项目", "类型", "分类", "状态", "优先级", "来源渠道", "房屋/位置", "联系人", "联系电话",
    "摘要", "处理部门", "处理人", "受理时间", "办结期限", "办结时间", "超时",
]  # fmt: skip


def _export(qs: QuerySet[Case], queue: str) -> HttpResponse:
    now = timezone.now()

    def rows() -> Any:
        for c in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            sla = sla_of(c, now)
            yield [
                c.number,
                c.project.name,
                c.get_kind_display(),
                category_label(c.category) if c.category else "",
                c.get_status_display(),
                c.get_priority_display(),
                c.get_channel_display(),
                _address(c),
                c.contact_name,
                mask_phone(c.contact_phone) if c.contact_phone else "",
                c.title,
                c.department.name if c.department else "",
                c.assignee.display_name if c.assignee else "",
                c.created_at,
                c.resolution_due,
                c.resolved_at,
                sla.text if sla and sla.css in ("overdue", "done") else "",
            ]

    return xlsx_response(f"工单-{QUEUE_LABELS[queue]}", str(QUEUE_LABELS[queue]), EXPORT_HEADERS, rows())


@require_POST
def bulk_dispatch(request: AuthedRequest) -> HttpResponse:
    """批量派单: each selected case through services.case_dispatch; report successes and errors."""
    user = request.user
    back = _safe_next(request, reverse("tickets:workspace") + "?queue=unassigned")
    numbers = [n for n in request.POST.getlist("cases") if n]
    form = BulkDispatchForm(request.POST, departments=_departments(user, None), staff=_staff(user, None))
    if not numbers:
        messages.error(request, _("请先勾选要派单的工单"))
        return HttpResponseRedirect(back)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return HttpResponseRedirect(back)
    d = form.cleaned_data
    done, errors = 0, []
    for number in numbers:
        try:
            case = selectors.case_get(user=user, number=number)
            services.case_dispatch(
                actor=user, case=case, mode=d["mode"], department=d["department"], assignee=d["assignee"]
            )
            done += 1
        except ApplicationError as exc:
            errors.append(f"{number}：{exc.message}")
    if done:
        messages.success(request, _("已派单 %(n)s 条") % {"n": done})
    if errors:
        messages.error(request, _("%(n)s 条派单失败：") % {"n": len(errors)} + "；".join(errors))
    return HttpResponseRedirect(back)


# Intake ------------------------------------------------------------------------------------------------


def _intake_project(request: AuthedRequest) -> Project | None:
    project = request.kefu_project
    if project is None or not (
        access(request.user, Perm.CREATE_CASE).covers_project(project.pk)
        or access(request.user, Perm.CREATE_CASE).zone_ids
    ):
        return None
    return project


def intake(request: AuthedRequest) -> HttpResponse:
    """受理登记: one form for the phone call; 保存 / 保存并派单 / 当场解决."""
    user = request.user
    project = _intake_project(request)
    if project is None:
        messages.error(request, _("请先在顶部选择一个您有受理权限的项目"))
        return redirect("tickets:workspace") if _desk_user(user) else redirect("core:home")
    categories = selectors.category_list(project=project)
    initial = {k: request.GET[k] for k in ("customer", "unit", "kind") if request.GET.get(k)}
    form = IntakeForm(request.POST or None, request.FILES or None, categories=categories, initial=initial)
    picked = _picked(request, form)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        submit = request.POST.get("submit", "save")
        if submit == "solve" and not (d.get("answer") or "").strip():
            form.add_error("answer", _("当场解决请填写答复内容"))
        customer = unit = None
        try:
            if d.get("customer"):
                customer = customer_selectors.customer_get(user=user, pk=d["customer"])
            if d.get("unit"):
                unit = customer_selectors.unit_get(user=user, pk=d["unit"])
        except NotFound:
            form.add_error(None, _("所选客户或房屋不存在或不在您的范围内"))
        if not form.errors:
            phone = d["contact_phone"] or _primary_phone(customer)
            uploads = services.uploads_from(request.FILES.getlist("files"))

            def create() -> Case:
                with transaction.atomic():
                    case = services.case_create(
                        actor=user,
                        project=project,
                        kind=d["kind"],
                        channel=d["channel"],
                        title=d["title"],
                        description=d["description"],
                        category=d["category"],
                        priority=d["priority"],
                        is_major=d["is_major"],
                        customer=customer,
                        unit=unit,
                        location=d["location"],
                        contact_name=d["contact_name"],
                        contact_phone=phone,
                        preferred_time=d["preferred_time"],
                        uploads=uploads,
                    )
                    if submit == "solve":
                        case = services.case_solve_at_once(actor=user, case=case, answer=d["answer"])
                return case

            ok, case = attempt(request, create, form=form)
            if ok and case is not None:
                if submit == "solve":
                    messages.success(request, _("工单 %(n)s 已当场解决并关闭") % {"n": case.number})
                    return redirect("tickets:detail", case.number)
                messages.success(request, _("工单 %(n)s 已受理") % {"n": case.number})
                url = reverse("tickets:detail", args=[case.number])
                if submit == "dispatch":
                    url += "?panel=dispatch#panel"
                return HttpResponseRedirect(url)
    ctx = {
        "nav": "cases_new",
        "form": form,
        "project": project,
        "categories": [(c.pk, c.kind, category_label(c)) for c in categories],
        "picked": picked,
        "duplicates": _duplicates(request, form.data.get("unit") or initial.get("unit"), form.data.get("category")),
    }
    return render(request, "tickets/intake.html", ctx)


def _primary_phone(customer: Any) -> str:
    if customer is None:
        return ""
    contact = (
        Contact.objects.filter(customer=customer, kind__in=["mobile", "landline"])
        .order_by("-is_primary", "kind", "pk")
        .first()
    )
    return contact.value if contact else ""


def _picked(request: AuthedRequest, form: forms.Form) -> dict[str, Any] | None:
    """The customer/unit already chosen (after a failed POST or from ?customer=): shown in the card."""
    data = form.data if form.is_bound else form.initial
    out: dict[str, Any] = {}
    try:
        if data.get("customer"):
            out["customer"] = customer_selectors.customer_get(user=request.user, pk=int(data["customer"]))
        if data.get("unit"):
            out["unit"] = customer_selectors.unit_get(user=request.user, pk=int(data["unit"]))
    except (NotFound, ValueError):
        return None
    return out or None


@require_GET
def lookup(request: AuthedRequest) -> HttpResponse:
    """htmx: customers and units matching the caller's number, name or room (3-2-1201)."""
    q = request.GET.get("q", "").strip()
    project = request.kefu_project
    customers: list[Any] = []
    units: list[Any] = []
    if len(q) >= 2:
        customers = list(customer_selectors.customer_list(user=request.user, project=project, q=q)[:8])
        if any(ch.isdigit() for ch in q):
            seen = {o.unit_id for c in customers for o in c.current_occupancies}
            units = [
                u for u in customer_selectors.unit_list(user=request.user, project=project, q=q)[:8] if u.pk not in seen
            ][:5]
    phone = q if q.isdigit() and len(q) >= 7 else ""
    return render(request, "tickets/_lookup.html", {"q": q, "customers": customers, "units": units, "phone": phone})


def _duplicates(request: AuthedRequest, unit: Any, category: Any) -> list[Case]:
    try:
        unit_id = int(unit) if unit else None
        category_id = int(category) if category else None
    except (TypeError, ValueError):
        return []
    if unit_id is None:
        return []
    return _with_sla(list(selectors.possible_duplicates(user=request.user, unit=unit_id, category=category_id or None)))


@require_GET
def duplicates(request: AuthedRequest) -> HttpResponse:
    """htmx: open cases on the same unit (and category) beside the intake form."""
    dups = _duplicates(request, request.GET.get("unit"), request.GET.get("category"))
    return render(request, "tickets/_duplicates.html", {"duplicates": dups, "unit": request.GET.get("unit")})


# The case page ----------------------------------------------------------------------------------------


@dataclass
class Spec:
    """One action on the case page: its label, its form and the service call."""

    label: Any
    form: Callable[[AuthedRequest, Case, Any], forms.Form | None]
    run: Callable[[AuthedRequest, Case, dict[str, Any]], Any]
    success: Any
    style: str = ""
    confirm: Any = ""


def _dispatch_form(request: AuthedRequest, case: Case, data: Any) -> forms.Form:
    return DispatchForm(
        data,
        departments=_departments(request.user, case.project),
        staff=_staff(request.user, case.project),
        initial={"department": case.category.default_department_id if case.category else None},
    )


def _transfer_form(request: AuthedRequest, case: Case, data: Any) -> forms.Form:
    return TransferForm(
        data,
        departments=_departments(request.user, case.project),
        staff=_staff(request.user, case.project),
        initial={"department": case.department_id},
    )


def _split_form(request: AuthedRequest, case: Case, data: Any) -> forms.Form:
    return SplitForm(data, departments=_departments(request.user, case.project))


def _simple(form_class: type[forms.Form]) -> Callable[[AuthedRequest, Case, Any], forms.Form]:
    def make(request: AuthedRequest, case: Case, data: Any) -> forms.Form:
        return form_class(data, request.FILES or None) if data is not None else form_class()

    return make


def _no_form(request: AuthedRequest, case: Case, data: Any) -> None:
    return None


def _other_case(request: AuthedRequest, number: str) -> Case:
    return selectors.case_get(user=request.user, number=number.strip().upper())


def _resolve(request: AuthedRequest, case: Case, d: dict[str, Any]) -> Case:
    uploads = services.uploads_from(d.get("files") or [])
    services.check_uploads(uploads)  # all or none: no file of a refused batch is stored
    with transaction.atomic():
        for upload in uploads:
            services.attachment_add(actor=request.user, case=case, upload=upload)
        return services.case_resolve(actor=request.user, case=case, note=d["note"])


def _attach(request: AuthedRequest, case: Case, d: dict[str, Any]) -> None:
    files = d.get("files") or []
    if not files:
        from kefu.core.errors import ValidationFailed

        raise ValidationFailed(_("请选择要上传的文件"))
    uploads = services.uploads_from(files)
    services.check_uploads(uploads)  # all or none: no file of a refused batch is stored
    with transaction.atomic():
        for upload in uploads:
            services.attachment_add(actor=request.user, case=case, upload=upload, public=d["is_public"])


def _split(request: AuthedRequest, case: Case, d: dict[str, Any]) -> Any:
    parts = [
        services.Part(department=p["department"], title=p["title"], required_by=p["required_by"])
        for p in SplitForm.parts_from(d)
    ]
    return services.case_split(actor=request.user, case=case, parts=parts)


SPECS: dict[str, Spec] = {
    "solve_at_once": Spec(
        gettext_lazy("当场解决"),
        _simple(SolveForm),
        lambda r, c, d: services.case_solve_at_once(actor=r.user, case=c, answer=d["answer"]),
        gettext_lazy("已当场解决并关闭"),
    ),
    "dispatch": Spec(
        gettext_lazy("派单"),
        _dispatch_form,
        lambda r, c, d: services.case_dispatch(
            actor=r.user,
            case=c,
            mode=d["mode"],
            department=d["department"],
            assignee=d["assignee"],
            required_by=d["required_by"],
            note=d["note"],
        ),
        gettext_lazy("已派单"),
        style="primary",
    ),
    "grab": Spec(
        gettext_lazy("抢单"),
        _no_form,
        lambda r, c, d: services.case_grab(actor=r.user, case=c),
        gettext_lazy("抢单成功"),
        style="primary",
    ),
    "accept": Spec(
        gettext_lazy("接单"),
        _no_form,
        lambda r, c, d: services.case_accept(actor=r.user, case=c),
        gettext_lazy("已接单"),
        style="primary",
    ),
    "start": Spec(
        gettext_lazy("开始处理"),
        _simple(NoteForm),
        lambda r, c, d: services.case_start(actor=r.user, case=c, note=d["note"]),
        gettext_lazy("已开始处理"),
        style="primary",
    ),
    "reject": Spec(
        gettext_lazy("退单"),
        _simple(ReasonForm),
        lambda r, c, d: services.case_reject(actor=r.user, case=c, reason=d["reason"]),
        gettext_lazy("已退单，工单回到待派单"),
        style="danger",
    ),
    "transfer": Spec(
        gettext_lazy("转单"),
        _transfer_form,
        lambda r, c, d: services.case_transfer(
            actor=r.user,
            case=c,
            reason=d["reason"],
            mode=d["mode"],
            department=d["department"],
            assignee=d["assignee"],
            required_by=d["required_by"],
        ),
        gettext_lazy("已转单"),
    ),
    "hold": Spec(
        gettext_lazy("挂起"),
        _simple(HoldForm),
        lambda r, c, d: services.case_hold(actor=r.user, case=c, reason=d["reason"], note=d["note"]),
        gettext_lazy("已挂起，计时暂停"),
    ),
    "resume": Spec(
        gettext_lazy("恢复处理"),
        _simple(NoteForm),
        lambda r, c, d: services.case_resume(actor=r.user, case=c, note=d["note"]),
        gettext_lazy("已恢复处理"),
        style="primary",
    ),
    "resolve": Spec(gettext_lazy("办结"), _simple(ResolveForm), _resolve, gettext_lazy("已办结，等待回访"), "primary"),
    "close": Spec(
        gettext_lazy("关闭"),
        _simple(NoteForm),
        lambda r, c, d: services.case_close(actor=r.user, case=c, note=d["note"]),
        gettext_lazy("工单已关闭"),
        style="primary",
    ),
    "reopen": Spec(
        gettext_lazy("重新打开"),
        _simple(ReasonForm),
        lambda r, c, d: services.case_reopen(actor=r.user, case=c, reason=d["reason"]),
        gettext_lazy("工单已重新打开"),
    ),
    "cancel": Spec(
        gettext_lazy("取消工单"),
        _simple(ReasonForm),
        lambda r, c, d: services.case_cancel(actor=r.user, case=c, reason=d["reason"]),
        gettext_lazy("工单已取消"),
        style="danger",
    ),
    "split": Spec(gettext_lazy("拆分工作单"), _split_form, _split, gettext_lazy("已拆分工作单")),
    "comment": Spec(
        gettext_lazy("添加备注"),
        _simple(CommentForm),
        lambda r, c, d: services.case_comment(actor=r.user, case=c, body=d["body"], is_public=d["is_public"]),
        gettext_lazy("已添加"),
    ),
    "reply": Spec(
        gettext_lazy("答复客户"),
        _simple(ReplyForm),
        lambda r, c, d: services.case_reply(actor=r.user, case=c, body=d["body"]),
        gettext_lazy("答复已记录"),
    ),
    "attach": Spec(gettext_lazy("上传附件"), _simple(AttachForm), _attach, gettext_lazy("附件已上传")),
    "merge": Spec(
        gettext_lazy("合并到"),
        _simple(CaseNumberForm),
        lambda r, c, d: services.case_merge(actor=r.user, case=c, into=_other_case(r, d["number"]), reason=d["reason"]),
        gettext_lazy("已合并，本工单已取消"),
    ),
    "link": Spec(
        gettext_lazy("关联工单"),
        _simple(CaseNumberForm),
        lambda r, c, d: services.case_link(actor=r.user, case=c, other=_other_case(r, d["number"])),
        gettext_lazy("已关联"),
    ),
    "flag_major": Spec(
        gettext_lazy("标记重大投诉"),
        _no_form,
        lambda r, c, d: services.case_flag_major(actor=r.user, case=c),
        gettext_lazy("已标记为重大投诉并上报经理"),
        style="danger",
        confirm=gettext_lazy("标记为重大投诉后将立即通知客服经理，确定吗？"),
    ),
}
# The order of the buttons on the case page.
BUTTON_ORDER = [
    "solve_at_once", "dispatch", "grab", "accept", "start", "resume", "resolve", "close", "reply", "comment",
    "attach", "transfer", "reject", "hold", "split", "reopen", "link", "merge", "flag_major", "cancel",
]  # fmt: skip


def offered_actions(user: User, case: Case) -> list[str]:
    """The buttons for this user and case: services.allowed_actions plus the non-transition ones."""
    allowed = {str(a) for a in services.allowed_actions(user, case)}
    views_case = access(user, Perm.VIEW_CASES).covers(case.project_id, case.zone_id)
    dispatcher = access(user, Perm.DISPATCH_CASE).covers(case.project_id, case.zone_id)
    if "comment" in allowed:
        allowed.add("attach")
        if views_case and case.status in OPEN_STATUSES:
            allowed.add("reply")
    if views_case and case.status != Status.CANCELLED:
        allowed.add("link")
    if dispatcher and case.kind == Kind.COMPLAINT and not case.is_major and case.status in OPEN_STATUSES:
        allowed.add("flag_major")
    return [a for a in BUTTON_ORDER if a in allowed]


EVENT_LABELS: dict[str, Any] = {
    **{a.value: a.label for a in Action},
    "attachment": gettext_lazy("上传附件"),
    "merged": gettext_lazy("合并重复工单"),
    "link": gettext_lazy("关联工单"),
    "escalate": gettext_lazy("超时升级"),
    "warning": gettext_lazy("超时预警"),
    "visit": gettext_lazy("回访"),
    "visit_attempt": gettext_lazy("回访拨打"),
    "rating": gettext_lazy("客户评价"),
    "customer_comment": gettext_lazy("客户补充说明"),  # added by the customer on the portal (kefu.portal)
}


def describe_event(e: CaseEvent) -> CaseEvent:
    """Labels for one timeline line (set on the event for the template)."""
    if e.kind == "comment":
        label: Any = gettext_lazy("答复客户") if e.is_public else gettext_lazy("内部备注")
    else:
        label = EVENT_LABELS.get(e.kind, e.kind)
    d = e.data or {}
    parts = []
    if d.get("from"):
        parts.append(_("原处理人：%(n)s") % {"n": d["from"]})
    target = " · ".join(x for x in (d.get("department"), d.get("assignee")) if x)
    if d.get("mode") == "pool":
        target += " " + _("（抢单池）")
    if target.strip():
        parts.append(_("派至：%(t)s") % {"t": target.strip()})
    if d.get("reason") in WaitReason.values:
        parts.append(str(WaitReason(d["reason"]).label))
    if d.get("merged_into"):
        parts.append(_("合并到 %(n)s") % {"n": d["merged_into"]})
    if d.get("to") and isinstance(d["to"], list):
        parts.append(_("通知：%(n)s") % {"n": "、".join(d["to"])})
    e.label = label  # type: ignore[attr-defined]
    e.from_label = Status(e.from_status).label if e.from_status in Status.values else ""  # type: ignore[attr-defined]
    e.to_label = Status(e.to_status).label if e.to_status in Status.values else ""  # type: ignore[attr-defined]
    e.detail = "；".join(parts)  # type: ignore[attr-defined]
    return e


def case_detail(request: AuthedRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    user = request.user
    now = timezone.now()
    actions = offered_actions(user, case)
    newest_first = request.GET.get("order", "desc") != "asc"
    panel = request.GET.get("panel", "")
    panel_form = None
    if panel in actions:
        panel_form = SPECS[panel].form(request, case, None)
    related: list[Case] = []
    if case.customer_id or case.unit_id:
        who = Q()
        if case.customer_id:
            who |= Q(customer_id=case.customer_id)
        if case.unit_id:
            who |= Q(unit_id=case.unit_id)
        related_qs = selectors.case_list(user=user, project=None).filter(who).exclude(pk=case.pk)
        # number, status, title and deadlines only: no joined tables
        related = _with_sla(list(related_qs.select_related(None).prefetch_related(None)[:8]))
    links = CaseLink.objects.filter(Q(case=case) | Q(other=case)).select_related("case", "other")
    linked = [lk.other if lk.case_id == case.pk else lk.case for lk in links]
    from kefu.visits.models import ReturnVisit  # the 回访 panel: the visits this user may see
    from kefu.visits.selectors import visit_scope_q

    # visits_for()'s scope, with only the people the panel names (not its seven joined tables).
    return_visits = ReturnVisit.objects.filter(visit_scope_q(user), case=case).select_related(
        "assignee", "completed_by", "signed_off_by"
    )
    ctx = {
        "nav": "cases",
        "case": case,
        "address": _address(case),
        "sla_reply": sla_of(case, now, due=case.first_reply_due, label=_("首次答复"))
        if case.first_reply_due and case.first_replied_at is None and case.status in OPEN_STATUSES
        else None,
        "sla_resolve": sla_of(case, now, due=case.resolution_due, label=_("办结"))
        if case.resolution_due or case.status not in OPEN_STATUSES
        else None,
        "actions": [(a, SPECS[a]) for a in actions],
        "panel": panel if panel_form is not None or panel in ("grab", "accept", "flag_major") else "",
        "panel_spec": SPECS.get(panel),
        "panel_form": panel_form,
        "events": [describe_event(e) for e in selectors.timeline(case, newest_first=newest_first)],
        "newest_first": newest_first,
        "attachments": case.attachments.all(),
        # Unordered in SQL (so the parent_id index is used, not a scan in created_at order), sorted here: a
        # case has a handful of work orders.
        "children": _with_sla(
            sorted(
                case.children.select_related("department", "assignee").order_by(),
                key=lambda c: (c.created_at, c.pk),
                reverse=True,
            )
        ),
        "related_open": [c for c in related if c.status in OPEN_STATUSES],
        "related_past": [c for c in related if c.status not in OPEN_STATUSES],
        "linked": linked,
        "status_labels": dict(Status.choices),
        "can_view_archive": case.customer_id is not None
        and access(user, Perm.VIEW_ARCHIVES).covers(case.project_id, case.zone_id),
        "return_visits": list(return_visits.order_by("-created_at", "-pk")),
    }
    return render(request, "tickets/case_detail.html", ctx)


@require_GET
def case_panel(request: AuthedRequest, number: str, action: str) -> HttpResponse:
    """htmx: the small form of one action, shown in the side panel."""
    case = _case_or_404(request, number)
    if action not in offered_actions(request.user, case):
        raise Http404
    spec = SPECS[action]
    return render(
        request,
        "tickets/_panel.html",
        {"case": case, "panel": action, "panel_spec": spec, "panel_form": spec.form(request, case, None)},
    )


@require_POST
def case_action(request: AuthedRequest, number: str, action: str) -> HttpResponse:
    """Every action is a POST to its own URL: parse the small form, call the service, go back."""
    case = _case_or_404(request, number)
    spec = SPECS.get(action)
    if spec is None:
        raise Http404
    page = reverse("tickets:detail", args=[case.number])
    back = _safe_next(request, page)
    form = spec.form(request, case, request.POST)
    data: dict[str, Any] = {}
    if form is not None:
        if not form.is_valid():
            for field, errs in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for e in errs:
                    messages.error(request, f"{label}：{e}" if label else str(e))
            sep = "&" if "?" in back else "?"
            return HttpResponseRedirect(back if back != page else f"{page}{sep}panel={action}#panel")
        data = form.cleaned_data
    ok, _result = attempt(request, lambda: spec.run(request, case, data), success=str(spec.success))
    if not ok and back == page:
        return HttpResponseRedirect(f"{page}?panel={action}#panel")
    if back == page:
        try:
            selectors.case_get(user=request.user, number=case.number)
        except NotFound:
            # e.g. a field worker who gave the case back no longer sees it
            return redirect("tickets:jobs" if not can(request.user, Perm.VIEW_CASES) else "tickets:workspace")
    return HttpResponseRedirect(back)


def attachment_file(request: AuthedRequest, number: str, pk: int) -> FileResponse:
    case = _case_or_404(request, number)
    att = Attachment.objects.filter(case=case, pk=pk).first()
    if att is None:
        raise Http404
    return FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=not att.is_image, filename=att.name
    )


# Field staff: the phone view ------------------------------------------------------------------------------


def jobs(request: AuthedRequest) -> HttpResponse:
    """我的任务: phone-first list of my open jobs and my department's grab pool."""
    user = request.user
    _require_desk(request)
    tab = request.GET.get("tab", "mine")
    tab = tab if tab in ("mine", "pool") else "mine"
    mine = (
        selectors.case_list(user=user, queue=Queue.MINE)
        .select_related("customer")
        .order_by(F("required_by").asc(nulls_last=True), "-created_at")
    )
    pool = (
        selectors.case_list(user=user, queue=Queue.POOL)
        .select_related("customer")
        .filter(department_id__in=selectors.my_department_ids(user))
    )
    cases = list((mine if tab == "mine" else pool)[:50])
    now = timezone.now()
    cards = []
    for c in _with_sla(cases):
        cards.append(
            {
                "case": c,
                "address": _address(c) or (c.customer.name if c.customer else ""),
                "actions": offered_actions(user, c),
                "deadline": c.required_by or c.resolution_due,
                # The call button carries the full number: for the case's own handler, or who may reveal it.
                "phone": c.contact_phone or _primary_phone(c.customer)
                if c.assignee_id == user.pk or can(user, Perm.REVEAL_PHONE, c.project_id)
                else "",
            }
        )
    ctx = {
        "tab": tab,
        "cards": cards,
        "mine_count": mine.count(),
        "pool_count": pool.count(),
        "now": now,
        "resolve_form": ResolveForm(),
    }
    return render(request, "tickets/jobs.html", ctx)
