"""Customer archive pages: thin, every read through selectors, every write through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from kefu.core.errors import NotFound
from kefu.core.masking import mask_id_number
from kefu.core.shortcuts import attempt, client_ip, paginate
from kefu.core.types import AuthedRequest
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access, can

from . import exporting, selectors, services
from .forms import (
    AssetForm,
    AssetRecordForm,
    ContactForm,
    CustomerForm,
    GradeForm,
    KeyCustomerForm,
    MoveInForm,
    MoveOutForm,
    NewCustomerForm,
    NoteForm,
    TagForm,
)
from .models import Asset, Contact, CreditGrade, Customer, KeyCustomer, Occupancy, Unit
from .scoping import may_on_customer


def _project(request: AuthedRequest) -> Any:
    return request.kefu_project


def _require_view(request: AuthedRequest) -> None:
    if access(request.user, Perm.VIEW_ARCHIVES).is_empty:
        raise Http404


def _customer_or_404(request: AuthedRequest, pk: int) -> Customer:
    try:
        return selectors.customer_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# Customers ------------------------------------------------------------------------------------


def customer_list_view(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    g = request.GET
    filters: dict[str, Any] = {
        "q": g.get("q", ""),
        "category": g.get("category", ""),
        "kind": g.get("kind", ""),
        "grade": g.get("grade", ""),
        "tag": g.get("tag") or None,
        "key_only": g.get("key") == "1",
        "building": g.get("building") or None,
        "zone": g.get("zone") or None,
    }
    qs = selectors.customer_list(user=request.user, project=_project(request), **filters)
    if g.get("export") == "xlsx":
        return exporting.customers_xlsx(qs)
    return render(
        request,
        "customers/customer_list.html",
        {
            "nav": "customers",
            "page": paginate(request, qs),
            "f": g,
            "categories": Customer.Category.choices,
            "kinds": Customer.Kind.choices,
            "grades": CreditGrade.choices,
            "tags": selectors.tag_list(user=request.user, project=_project(request)),
            "buildings": selectors.building_list(user=request.user, project=_project(request)),
            "can_edit": can(request.user, Perm.EDIT_ARCHIVES),
        },
    )


def customer_create_view(request: AuthedRequest) -> HttpResponse:
    project = _project(request)
    if project is None or not can(request.user, Perm.EDIT_ARCHIVES, project.pk):
        messages.error(request, "请先在顶部选择一个您有权限的项目")
        return redirect("customers:list")
    tags = selectors.tag_list(user=request.user, project=project)
    form = NewCustomerForm(request.POST or None, tags=tags)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        contacts = [
            services.ContactInput(kind=k, value=d[k]) for k in ("mobile", "landline", "email", "wechat") if d.get(k)
        ]
        ok, customer = attempt(
            request,
            lambda: services.customer_create(
                actor=request.user,
                project=project,
                name=d["name"],
                kind=d["kind"],
                category=d["category"],
                gender=d["gender"],
                id_type=d["id_type"],
                id_number=d["id_number"],
                birthday=d["birthday"],
                remark=d["remark"],
                credit_grade=d["credit_grade"],
                contacts=contacts,
                tags=d["tags"],
            ),
            form=form,
            success="客户档案已建立",
        )
        if ok and customer is not None:
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/customer_form.html", {"nav": "customers", "form": form, "new": True})


def customer_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    user = request.user
    owners = (
        User.objects.filter(
            Q(memberships__project_id=customer.project_id) | Q(memberships__role="head_office"),
            memberships__is_active=True,
            kind=User.Kind.STAFF,
        )
        .distinct()
        .order_by("name")
    )
    key = getattr(customer, "key_entry", None)
    ctx = {
        "nav": "customers",
        "c": customer,
        "contacts": customer.contacts.all(),
        "occupancies": selectors.customer_occupancies(customer),
        "assets": customer.assets.all(),
        "credit_history": customer.credit_history.select_related("changed_by")[:20],
        "notes": customer.notes.select_related("author")[:50],
        "key": key,
        "id_masked": mask_id_number(customer.id_number),
        "may_edit": may_on_customer(user, Perm.EDIT_ARCHIVES, customer),
        "may_reveal_phone": may_on_customer(user, Perm.REVEAL_PHONE, customer),
        "may_reveal_id": may_on_customer(user, Perm.REVEAL_ID, customer),
        "may_grade": may_on_customer(user, Perm.GRADE_CREDIT, customer),
        "may_key": may_on_customer(user, Perm.MANAGE_KEY_CUSTOMERS, customer),
        "contact_form": ContactForm(),
        "note_form": NoteForm(),
        "grade_form": GradeForm(initial={"grade": customer.credit_grade}),
        "key_form": KeyCustomerForm(
            owners=owners,
            initial={"owner": key.owner_id, "reason": key.reason, "review_on": key.review_on} if key else None,
        ),
        "move_in_form": MoveInForm(),
        "move_out_form": MoveOutForm(),
    }
    return render(request, "customers/customer_detail.html", ctx)


def customer_edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    if not may_on_customer(request.user, Perm.EDIT_ARCHIVES, customer):
        return HttpResponseForbidden("您没有权限修改该客户档案")
    tags = selectors.tag_list(user=request.user, project=customer.project)
    initial = {f: getattr(customer, f) for f in services.CUSTOMER_FIELDS}
    initial["tags"] = list(customer.tags.all())
    initial["version"] = customer.version
    form = CustomerForm(request.POST or None, initial=initial, tags=tags)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = {f: d[f] for f in services.CUSTOMER_FIELDS}
        ok, _ = attempt(
            request,
            lambda: services.customer_update(
                actor=request.user,
                customer=customer,
                version=d["version"],
                tags=d["tags"],
                **fields,
            ),
            form=form,
            success="客户档案已保存",
        )
        if ok:
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/customer_form.html", {"nav": "customers", "form": form, "c": customer})


def _post_action(request: AuthedRequest, customer: Customer, form: Any, action: Any, success: str) -> HttpResponse:
    if form.is_valid():
        attempt(request, lambda: action(form.cleaned_data), success=success)
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
    return redirect("customers:detail", customer.pk)


@require_POST
def contact_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    return _post_action(
        request,
        c,
        ContactForm(request.POST),
        lambda d: services.contact_add(actor=request.user, customer=c, **d),
        "联系方式已添加",
    )


def _contact_or_404(request: AuthedRequest, pk: int) -> Contact:
    contact = Contact.objects.filter(pk=pk).select_related("customer").first()
    if contact is None:
        raise Http404
    _customer_or_404(request, contact.customer_id)  # scope check
    return contact


@require_POST
def contact_remove_view(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    attempt(request, lambda: services.contact_remove(actor=request.user, contact=contact), success="联系方式已删除")
    return redirect("customers:detail", contact.customer_id)


@require_POST
def contact_reveal_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: replace the masked number with the full one (and log it)."""
    contact = _contact_or_404(request, pk)
    ok, value = attempt(
        request,
        lambda: services.reveal_contact(actor=request.user, contact=contact, ip=client_ip(request)),
    )
    if not ok:
        return HttpResponseForbidden("您的角色不能查看完整号码")
    return HttpResponse(format_html('<span class="masked revealed">{}</span>', value))


@require_POST
def id_reveal_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    ok, value = attempt(
        request,
        lambda: services.reveal_id_number(actor=request.user, customer=c, ip=client_ip(request)),
    )
    if not ok:
        return HttpResponseForbidden("您的角色不能查看完整证件号码")
    return HttpResponse(format_html('<span class="masked revealed">{}</span>', value))


@require_POST
def note_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    return _post_action(
        request,
        c,
        NoteForm(request.POST),
        lambda d: services.note_add(actor=request.user, customer=c, text=d["text"]),
        "备注已添加",
    )


@require_POST
def grade_set_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    return _post_action(
        request,
        c,
        GradeForm(request.POST),
        lambda d: services.credit_grade_set(actor=request.user, customer=c, **d),
        "信用等级已更新",
    )


@require_POST
def key_set_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    form = KeyCustomerForm(request.POST, owners=User.objects.filter(kind=User.Kind.STAFF))
    entry = KeyCustomer.objects.filter(customer=c).first()
    if entry is None:

        def action(d: dict[str, Any]) -> Any:
            return services.key_customer_add(actor=request.user, customer=c, **d)

        msg = "已加入重点关注客户名单"
    else:

        def action(d: dict[str, Any]) -> Any:
            return services.key_customer_update(actor=request.user, entry=entry, **d)

        msg = "重点关注信息已更新"
    return _post_action(request, c, form, action, msg)


@require_POST
def key_remove_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    entry = KeyCustomer.objects.filter(customer=c).first()
    if entry is not None:
        attempt(
            request,
            lambda: services.key_customer_remove(actor=request.user, entry=entry),
            success="已移出重点关注客户名单",
        )
    return redirect("customers:detail", c.pk)


@require_POST
def customer_move_in_view(request: AuthedRequest, pk: int) -> HttpResponse:
    c = _customer_or_404(request, pk)
    form = MoveInForm(request.POST)

    def action(d: dict[str, Any]) -> Any:
        unit = Unit.objects.filter(project_id=c.project_id, code=d["unit_code"].strip()).first()
        if unit is None:
            from kefu.core.errors import ValidationFailed

            raise ValidationFailed(f"房屋 {d['unit_code']} 不存在")
        return services.occupancy_move_in(
            actor=request.user,
            unit=unit,
            customer=c,
            relation=d["relation"],
            move_in=d["move_in"],
        )

    return _post_action(request, c, form, action, "已办理入住")


@require_POST
def move_out_view(request: AuthedRequest, pk: int) -> HttpResponse:
    occ = Occupancy.objects.filter(pk=pk).select_related("unit", "customer").first()
    if occ is None:
        raise Http404
    c = _customer_or_404(request, occ.customer_id)
    return _post_action(
        request,
        c,
        MoveOutForm(request.POST),
        lambda d: services.occupancy_move_out(actor=request.user, occupancy=occ, move_out=d["move_out"]),
        "已办理迁出",
    )


def key_list_view(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    qs = selectors.key_customer_list(user=request.user, project=_project(request))
    if request.GET.get("export") == "xlsx":
        return exporting.key_customers_xlsx(qs)
    return render(request, "customers/key_list.html", {"nav": "key", "page": paginate(request, qs)})


def tag_list_view(request: AuthedRequest) -> HttpResponse:
    """客户分类标签: list with usage counts; create per project (or global, head office)."""
    _require_view(request)
    project = _project(request)
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = None if d["scope"] == "all" else project
        if target is None and d["scope"] == "project":
            messages.error(request, "请先在顶部选择一个项目")
        else:
            ok, _ = attempt(
                request,
                lambda: services.tag_create(actor=request.user, project=target, name=d["name"], color=d["color"]),
                form=form,
                success="标签已创建",
            )
            if ok:
                return redirect("customers:tags")
    tags = selectors.tag_list(user=request.user, project=project).annotate(n=Count("customers"))
    return render(request, "customers/tag_list.html", {"nav": "tags", "tags": tags, "form": form})


# Units -----------------------------------------------------------------------------------------


def unit_list_view(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    g = request.GET
    qs = selectors.unit_list(
        user=request.user,
        project=_project(request),
        q=g.get("q", ""),
        building=g.get("building") or None,
        zone=g.get("zone") or None,
        status=g.get("status", ""),
        kind=g.get("kind", ""),
    )
    if g.get("export") == "xlsx":
        return exporting.units_xlsx(qs)
    from kefu.org.selectors import zone_list

    return render(
        request,
        "customers/unit_list.html",
        {
            "nav": "units",
            "page": paginate(request, qs),
            "f": g,
            "statuses": Unit.Status.choices,
            "kinds": Unit.Kind.choices,
            "buildings": selectors.building_list(user=request.user, project=_project(request)),
            "zones": zone_list(user=request.user, project=_project(request)),
        },
    )


def unit_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        unit = selectors.unit_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    history = unit.occupancies.select_related("customer").order_by("move_out", "-move_in")
    return render(
        request,
        "customers/unit_detail.html",
        {"nav": "units", "u": unit, "history": history, "move_out_form": MoveOutForm()},
    )


# Assets ----------------------------------------------------------------------------------------


def asset_list_view(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    qs = selectors.asset_list(user=request.user, project=_project(request), q=request.GET.get("q", ""))
    if request.GET.get("export") == "xlsx":
        return exporting.assets_xlsx(qs)
    return render(
        request, "customers/asset_list.html", {"nav": "assets", "page": paginate(request, qs), "f": request.GET}
    )


def asset_create_view(request: AuthedRequest) -> HttpResponse:
    project = _project(request)
    if project is None or not can(request.user, Perm.EDIT_ARCHIVES, project.pk):
        messages.error(request, "请先在顶部选择一个您有权限的项目")
        return redirect("customers:assets")
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        customer_code = d.pop("customer_code", "").strip()
        unit_code = d.pop("unit_code", "").strip()
        d["customer"] = Customer.objects.filter(project=project, code=customer_code).first() if customer_code else None
        d["unit"] = Unit.objects.filter(project=project, code=unit_code).first() if unit_code else None
        if customer_code and d["customer"] is None:
            form.add_error("customer_code", "客户编号不存在")
        elif unit_code and d["unit"] is None:
            form.add_error("unit_code", "房屋编码不存在")
        else:
            ok, asset = attempt(
                request,
                lambda: services.asset_create(actor=request.user, project=project, **d),
                form=form,
                success="设备档案已建立",
            )
            if ok and asset is not None:
                return redirect("customers:asset_detail", asset.pk)
    return render(request, "customers/asset_form.html", {"nav": "assets", "form": form})


def asset_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        asset = selectors.asset_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "customers/asset_detail.html",
        {
            "nav": "assets",
            "a": asset,
            "records": asset.records.select_related("author"),
            "form": AssetRecordForm(),
            "may_edit": can(request.user, Perm.EDIT_ARCHIVES, asset.project_id),
        },
    )


@require_POST
def asset_record_add_view(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        asset: Asset = selectors.asset_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    form = AssetRecordForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.asset_record_add(actor=request.user, asset=asset, **form.cleaned_data),
            success="记录已添加",
        )
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
    return redirect("customers:asset_detail", asset.pk)
