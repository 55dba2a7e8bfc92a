"""/api/v1/ cases, work orders, categories: scoped exactly like the pages.

A case is addressed by its number; business actions are POSTs to a sub-resource named by the verb
(/cases/{number}/dispatch/). Reads go through tickets.selectors (out of scope → 404), writes through
tickets.services, which check the permission and the transition table (refused → 403 / 409). Objects
named in a body (department, assignee, category, unit, customer, another case) are looked up within
the case's project and the caller's scope; unknown ones are a 400 field error.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.core.types import api_user
from kefu.customers import selectors as customer_selectors
from kefu.customers.models import Customer, Unit
from kefu.customers.scoping import unit_q
from kefu.org.models import Department, Project, User
from kefu.org.roles import Perm, Role
from kefu.org.scope import access, memberships, visible_projects

from . import selectors, services
from .models import Case, Category
from .serializers import (
    AnswerSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CaseCreateSerializer,
    CaseEventSerializer,
    CaseFilterSerializer,
    CaseListSerializer,
    CaseNoteSerializer,
    CaseSerializer,
    CategorySerializer,
    CommentSerializer,
    DispatchSerializer,
    HoldSerializer,
    LinkSerializer,
    MergeSerializer,
    ReasonSerializer,
    ReplySerializer,
    ResolveSerializer,
    SplitSerializer,
    TransferSerializer,
    VersionSerializer,
    WorkOrderFilterSerializer,
)
from .states import OPEN_STATUSES, Kind, Status

CASE_NUMBER = r"[A-Za-z]{2}\d{8}-\d{4}(?:-\d+)*"
IDEMPOTENCY_KEY_MAX = 100

MSG_PROJECT = "项目不存在"
MSG_UNKNOWN = {
    "category": "分类不存在",
    "customer": "客户不存在",
    "unit": "房屋不存在",
    "department": "部门不存在",
    "assignee": "处理人不存在",
    "into": "工单不存在",
    "other": "工单不存在",
}

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="可选。同一用户以相同的键和相同的请求体重试时返回第一次创建的工单（200）；"
    "相同的键配不同的请求体返回 409 idempotency_key_reused。最长 100 个字符。",
)
ERRORS = {
    400: OpenApiResponse(description="输入有误：{code, message, fields}"),
    403: OpenApiResponse(description="无权执行此操作"),
    404: OpenApiResponse(description="工单不存在或不可见"),
    409: OpenApiResponse(description="当前状态不允许（illegal_transition）或已被他人更新（stale）"),
}


def _valid(serializer_cls: Any, data: Any) -> dict[str, Any]:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _unknown(field: str) -> ValidationFailed:
    return ValidationFailed(MSG_UNKNOWN[field], fields={field: [MSG_UNKNOWN[field]]})


def _project_by_code(user: User, code: str | None) -> Project | None:
    if not code:
        return None
    # A project the user holds a role in is already loaded with their memberships: no query.
    for m in memberships(user):
        if m.project is not None and m.project.code == code and m.project.is_active:
            return m.project
    project = visible_projects(user).filter(code=code).first()
    if project is None:
        raise ValidationFailed(MSG_PROJECT, fields={"project": [MSG_PROJECT]})
    return project


def _category(project: Project, pk: int | None) -> Category | None:
    if pk is None:
        return None
    category = selectors.category_list(project=project).filter(pk=pk).first()
    if category is None:
        raise _unknown("category")
    return category


def _customer(user: User, project: Project, pk: int | None) -> Customer | None:
    if pk is None:
        return None
    customer = customer_selectors.customer_list(user=user, project=project).filter(pk=pk).first()
    if customer is None:
        raise _unknown("customer")
    return customer


def _unit(user: User, project: Project | None, value: str | None) -> Unit | None:
    """A unit by id (digits) or by code, among the units the caller may see (in the project, if given)."""
    value = (value or "").strip()
    if not value:
        return None
    seen = access(user, Perm.VIEW_ARCHIVES)
    found = None
    if value.isdigit() and len(value) <= 18:
        # By id: the row by primary key, its scope checked here exactly as unit_q does in SQL (project or zone).
        row = next(iter(Unit.objects.select_related("zone").filter(pk=int(value)).order_by()), None)
        if row is not None and seen.covers(row.project_id, row.zone_id):
            found = row if project is None or row.project_id == project.pk else None
    if found is None:
        units = Unit.objects.filter(unit_q(seen)).select_related("zone").order_by("pk")
        if project is not None:
            units = units.filter(project=project)
        by_code = list(units.filter(code=value)[:2])
        if len(by_code) > 1:
            msg = "多个项目有此房屋编码，请同时指定项目"
            raise ValidationFailed(msg, fields={"unit": [msg]})
        found = by_code[0] if by_code else None
    if found is None:
        raise _unknown("unit")
    return found


def _department(case: Case, pk: int | None, field: str = "department") -> Department | None:
    if pk is None:
        return None
    dept = Department.objects.filter(Q(project_id=case.project_id) | Q(project__isnull=True), pk=pk).first()
    if dept is None:
        raise ValidationFailed(MSG_UNKNOWN["department"], fields={field: [MSG_UNKNOWN["department"]]})
    return dept


def _assignee(case: Case, pk: int | None, field: str = "assignee") -> User | None:
    """Staff who hold a role in the case's project (or head office); the service checks the rest."""
    if pk is None:
        return None
    user = (
        User.objects.filter(
            Q(memberships__project_id=case.project_id) | Q(memberships__role=Role.HEAD_OFFICE),
            memberships__is_active=True,
            pk=pk,
            is_active=True,
        )
        .distinct()
        .first()
    )
    if user is None:
        raise ValidationFailed(MSG_UNKNOWN["assignee"], fields={field: [MSG_UNKNOWN["assignee"]]})
    return user


def _other_case(user: User, number: str, field: str) -> Case:
    try:
        return selectors.case_get(user=user, number=number.strip().upper())
    except NotFound as exc:
        raise _unknown(field) from exc


def _fresh(case: Case) -> Case:
    """The case as it is now (the actor may no longer see it, e.g. after rejecting it)."""
    # Few joins: PostgreSQL's planning time grows steeply with each (9 joins planned in ~8 ms); the other related
    # rows are single lookups by primary key when the serializer reads them.
    return Case.objects.select_related("project", "unit", "zone").get(pk=case.pk)


class CasePagination(CursorPagination):
    """Cursor pagination: stable while new cases arrive. ?ordering=created_at for oldest first."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-pk")
    ORDERINGS = {"-created_at": ("-created_at", "-pk"), "created_at": ("created_at", "pk")}

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        value = request.query_params.get("ordering") or "-created_at"
        if value not in self.ORDERINGS:
            msg = "排序只支持 created_at 或 -created_at"
            raise ValidationFailed(msg, fields={"ordering": [msg]})
        return self.ORDERINGS[value]


ORDERING_PARAM = OpenApiParameter(
    "ordering", str, enum=["-created_at", "created_at"], description="排序：-created_at（默认，新的在前）或 created_at"
)


class CaseViewSet(viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    queryset = Case.objects.none()
    lookup_field = "number"
    lookup_value_regex = CASE_NUMBER
    pagination_class = CasePagination

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        user = api_user(self.request)
        d = _valid(CaseFilterSerializer, self.request.query_params)
        return selectors.case_list(
            user=user,
            project=_project_by_code(user, d.get("project")),
            queue=d["queue"],
            kind=d.get("kind", ""),
            category=d.get("category"),
            status=d.get("status", ""),
            zone=d.get("zone"),
            department=d.get("department"),
            channel=d.get("channel", ""),
            priority=d.get("priority", ""),
            created_from=d.get("created_from"),
            created_to=d.get("created_to"),
            q=d.get("q", ""),
        )

    def get_object(self) -> Case:
        return selectors.case_get(user=api_user(self.request), number=self.kwargs["number"].upper())

    def _out(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        return Response(CaseSerializer(_fresh(case), context=self.get_serializer_context()).data, status=code)

    def _out_new(self, case: Case) -> Response:
        """A case this request has just created: its related rows are those the service was given, so it is
        shown as it is, without reading it back; it has no children or links yet."""
        context = {**self.get_serializer_context(), "new_case": True}
        return Response(CaseSerializer(case, context=context).data, status=status.HTTP_201_CREATED)

    # Collection --------------------------------------------------------------------------------------

    @extend_schema(
        parameters=[CaseFilterSerializer, ORDERING_PARAM],
        responses={200: CaseListSerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CaseListSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": CaseCreateSerializer, "multipart/form-data": CaseCreateSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: CaseSerializer,
            200: OpenApiResponse(CaseSerializer, description="以相同 Idempotency-Key 重试：第一次创建的工单"),
            400: ERRORS[400],
            403: ERRORS[403],
            409: OpenApiResponse(description="Idempotency-Key 已用于另一个请求（idempotency_key_reused）"),
        },
    )
    def create(self, request: Request) -> Response:
        """受理工单（电话、微信、设备报警等来源）。照片等附件以 multipart/form-data 的 files 字段上传。"""
        user = api_user(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            msg = f"Idempotency-Key 最长 {IDEMPOTENCY_KEY_MAX} 个字符"
            raise ValidationFailed(msg, fields={"Idempotency-Key": [msg]})
        d = _valid(CaseCreateSerializer, request.data)
        uploads = services.uploads_from(d.pop("files"))
        fingerprint_payload = {
            **d,
            "files": [[u.name, hashlib.sha256(u.content).hexdigest()] for u in uploads],
        }
        project = _project_by_code(user, d.pop("project"))
        assert project is not None
        if access(user, Perm.CREATE_CASE).is_empty:
            raise Forbidden(services.MSG_FORBIDDEN)  # the service checks the project and zone
        kwargs: dict[str, Any] = {
            **d,
            "project": project,
            "category": _category(project, d["category"]),
            "customer": _customer(user, project, d["customer"]),
            "unit": _unit(user, project, d["unit"]),
            "uploads": uploads,
        }
        if key:
            case, created = services.case_create_idempotent(
                actor=user, key=key, fingerprint=services.request_fingerprint(fingerprint_payload), **kwargs
            )
        else:
            return self._out_new(services.case_create(actor=user, **kwargs))
        return self._out_new(case) if created else self._out(case)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, required=True, description="房屋 id 或房屋编码"),
            OpenApiParameter("category", int, description="分类 id"),
            OpenApiParameter("project", str, description="项目编码（按房屋编码查找时用于区分项目）"),
        ],
        responses={200: CaseListSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def duplicates(self, request: Request) -> Response:
        """受理时提示：同一房屋（及分类）尚未完成的工单，最多 10 条。"""
        user = api_user(request)
        if access(user, Perm.VIEW_CASES).is_empty:
            raise Forbidden(services.MSG_FORBIDDEN)
        p = request.query_params
        project = _project_by_code(user, p.get("project"))
        if not p.get("unit"):
            raise ValidationFailed("请选择房屋", fields={"unit": ["请选择房屋"]})
        unit = _unit(user, project, p.get("unit"))
        category = p.get("category") or None
        if category is not None and not category.isdigit():
            raise _unknown("category")
        qs = selectors.possible_duplicates(user=user, unit=unit, category=category)
        return Response(CaseListSerializer(qs, many=True).data)

    # One case ---------------------------------------------------------------------------------------

    @extend_schema(responses={200: CaseSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, number: str) -> Response:
        return Response(CaseSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(responses={200: CaseEventSerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request: Request, number: str) -> Response:
        """时间线：每次状态变化、留言、答复、附件、升级。员工可见内部留言。"""
        case = self.get_object()
        staff = api_user(request).kind == User.Kind.STAFF
        return Response(CaseEventSerializer(selectors.timeline(case, public_only=not staff), many=True).data)

    # Actions -----------------------------------------------------------------------------------------

    def _act(self, request: Request, serializer_cls: Any = None) -> tuple[User, Case, dict[str, Any]]:
        case = self.get_object()
        d = _valid(serializer_cls, request.data) if serializer_cls is not None else {}
        return api_user(request), case, d

    @extend_schema(request=AnswerSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="solve-at-once", url_name="solve-at-once")
    def solve_at_once(self, request: Request, number: str) -> Response:
        """当场解决：记录答复并关闭（首问解决）。"""
        user, case, d = self._act(request, AnswerSerializer)
        return self._out(services.case_solve_at_once(actor=user, case=case, answer=d["answer"]))

    @extend_schema(request=DispatchSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_case(self, request: Request, number: str) -> Response:
        """派单：给个人（person）、部门轮派（department）或部门抢单池（pool）。"""
        user, case, d = self._act(request, DispatchSerializer)
        department = _department(case, d.pop("department"))
        assignee = _assignee(case, d.pop("assignee"))
        return self._out(services.case_dispatch(actor=user, case=case, department=department, assignee=assignee, **d))

    @extend_schema(request=None, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def grab(self, request: Request, number: str) -> Response:
        """抢单：部门成员从抢单池领取。"""
        user, case, _d = self._act(request)
        return self._out(services.case_grab(actor=user, case=case))

    @extend_schema(request=VersionSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, number: str) -> Response:
        """接单（仅被派单的处理人）。"""
        user, case, d = self._act(request, VersionSerializer)
        return self._out(services.case_accept(actor=user, case=case, version=d["version"]))

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, number: str) -> Response:
        """退单：退回待派单，须填写原因。"""
        user, case, d = self._act(request, ReasonSerializer)
        return self._out(services.case_reject(actor=user, case=case, reason=d["reason"]))

    @extend_schema(request=TransferSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, number: str) -> Response:
        """转单：转给其他人或部门，须填写原因。"""
        user, case, d = self._act(request, TransferSerializer)
        department = _department(case, d.pop("department"))
        assignee = _assignee(case, d.pop("assignee"))
        return self._out(services.case_transfer(actor=user, case=case, department=department, assignee=assignee, **d))

    @extend_schema(request=CaseNoteSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, number: str) -> Response:
        """开始处理。"""
        user, case, d = self._act(request, CaseNoteSerializer)
        return self._out(services.case_start(actor=user, case=case, note=d["note"]))

    @extend_schema(request=HoldSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, number: str) -> Response:
        """挂起（等待客户、配件或其他部门），时限暂停计时。"""
        user, case, d = self._act(request, HoldSerializer)
        return self._out(services.case_hold(actor=user, case=case, reason=d["reason"], note=d["note"]))

    @extend_schema(request=CaseNoteSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, number: str) -> Response:
        """恢复处理。"""
        user, case, d = self._act(request, CaseNoteSerializer)
        return self._out(services.case_resume(actor=user, case=case, note=d["note"]))

    @extend_schema(request=ResolveSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, number: str) -> Response:
        """办结：填写处理结果，等待回访。"""
        user, case, d = self._act(request, ResolveSerializer)
        return self._out(services.case_resolve(actor=user, case=case, note=d["note"], version=d["version"]))

    @extend_schema(request=CaseNoteSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, number: str) -> Response:
        """关闭（回访后或无需回访）。"""
        user, case, d = self._act(request, CaseNoteSerializer)
        return self._out(services.case_close(actor=user, case=case, note=d["note"]))

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, number: str) -> Response:
        """重新打开：回到原处理人（处理中），没有处理人则回到待派单。"""
        user, case, d = self._act(request, ReasonSerializer)
        return self._out(services.case_reopen(actor=user, case=case, reason=d["reason"]))

    @extend_schema(request=ReasonSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, number: str) -> Response:
        """取消（待派单或已派单的工单）。"""
        user, case, d = self._act(request, ReasonSerializer)
        return self._out(services.case_cancel(actor=user, case=case, reason=d["reason"]))

    @extend_schema(request=CommentSerializer, responses={201: CaseEventSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, number: str) -> Response:
        """留言：内部（仅员工可见）或客户可见（计为答复）。"""
        user, case, d = self._act(request, CommentSerializer)
        event = services.case_comment(actor=user, case=case, body=d["body"], is_public=d["is_public"])
        return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, responses={201: CaseEventSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, number: str) -> Response:
        """答复客户：客户可见，停止首次答复计时。"""
        user, case, d = self._act(request, ReplySerializer)
        event = services.case_reply(actor=user, case=case, body=d["body"])
        return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: AttachmentSerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"], pagination_class=None)
    def attachments(self, request: Request, number: str) -> Response:
        """附件列表。"""
        case = self.get_object()
        qs = case.attachments.select_related("uploaded_by")
        if api_user(request).kind != User.Kind.STAFF:
            qs = qs.filter(is_public=True)
        return Response(AttachmentSerializer(qs, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **ERRORS},
    )
    @attachments.mapping.post
    def attachment_add(self, request: Request, number: str) -> Response:
        """上传附件（multipart/form-data 的 file 字段）：图片、PDF、Office 文档、录音。"""
        user, case, d = self._act(request, AttachmentUploadSerializer)
        upload = services.uploads_from([d["file"]])[0]
        att = services.attachment_add(actor=user, case=case, upload=upload, public=d["is_public"])
        return Response(AttachmentSerializer(att).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SplitSerializer, responses={201: CaseSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["post"])
    def split(self, request: Request, number: str) -> Response:
        """拆分工作单：需多个部门处理时，每个部门一张子工作单；全部完成后主工单自动办结。"""
        user, case, d = self._act(request, SplitSerializer)
        parts = [
            services.Part(
                department=_department(case, p["department"]),  # type: ignore[arg-type]
                title=p["title"],
                required_by=p["required_by"],
                assignee=_assignee(case, p["assignee"]),
            )
            for p in d["parts"]
        ]
        children = services.case_split(actor=user, case=case, parts=parts)
        ctx = self.get_serializer_context()
        return Response(
            CaseSerializer([_fresh(c) for c in children], many=True, context=ctx).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=MergeSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, number: str) -> Response:
        """合并重复工单：本工单取消并指向保留的工单（into）。"""
        user, case, d = self._act(request, MergeSerializer)
        into = _other_case(user, d["into"], "into")
        return self._out(services.case_merge(actor=user, case=case, into=into, reason=d["reason"]))

    @extend_schema(request=LinkSerializer, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def link(self, request: Request, number: str) -> Response:
        """关联工单。"""
        user, case, d = self._act(request, LinkSerializer)
        other = _other_case(user, d["other"], "other")
        services.case_link(actor=user, case=case, other=other)
        return self._out(case)

    @extend_schema(request=None, responses={200: CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="flag-major", url_name="flag-major")
    def flag_major(self, request: Request, number: str) -> Response:
        """标记为重大投诉：立即上报客服经理。"""
        user, case, _d = self._act(request)
        return self._out(services.case_flag_major(actor=user, case=case))


class WorkOrderViewSet(viewsets.GenericViewSet):
    """The caller's jobs, for field apps: cases assigned to them, and their departments' grab pool."""

    serializer_class = CaseListSerializer
    queryset = Case.objects.none()
    pagination_class = CasePagination

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        user = api_user(self.request)
        d = _valid(WorkOrderFilterSerializer, self.request.query_params)
        pool = Q(in_pool=True, status=Status.DISPATCHED, department_id__in=selectors.my_department_ids(user))
        qs = selectors.case_list(user=user, status=d.get("status", "")).filter(Q(assignee=user) | pool)
        return qs if d.get("status") else qs.filter(status__in=OPEN_STATUSES)

    @extend_schema(
        parameters=[WorkOrderFilterSerializer, ORDERING_PARAM],
        responses={200: CaseListSerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request: Request) -> Response:
        """我的工单：派给我的、我所在部门抢单池中的。默认只列未完成的；?status= 查看其他状态。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CaseListSerializer(page, many=True).data)


class CategoryViewSet(viewsets.GenericViewSet):
    serializer_class = CategorySerializer
    queryset = Category.objects.none()
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("project", str, description="项目编码；不填则为可见的所有项目及通用分类"),
        ],
        responses={200: CategorySerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request: Request) -> Response:
        """工单分类（启用的），按类型、上级排序；parent 为上级分类 id。"""
        user = api_user(request)
        kind = request.query_params.get("kind", "")
        if kind and kind not in Kind.values:
            raise ValidationFailed("无效的工单类型", fields={"kind": ["无效的工单类型"]})
        project = _project_by_code(user, request.query_params.get("project"))
        qs = selectors.category_list(project=project, kind=kind)
        if project is None:
            qs = qs.filter(Q(project__isnull=True) | Q(project__in=visible_projects(user)))
        return Response(CategorySerializer(qs, many=True).data)


def register(router: BaseRouter) -> None:
    router.register("cases", CaseViewSet, basename="cases")
    router.register("work-orders", WorkOrderViewSet, basename="work-orders")
    router.register("categories", CategoryViewSet, basename="categories")
