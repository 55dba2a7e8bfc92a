"""/api/v1/portal/: the customer portal for apps (mini-programs, the WeChat H5), token or session auth.

Only customer accounts may call it (staff get 403). A customer reaches only the cases of the archives
linked to their account: any other case is a 404, exactly like a missing one. Reads go through
portal.selectors (public timeline, public files only); writes through tickets.services
(customer_case_create / _comment / _cancel) and visits.services.rating_submit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import ValidationFailed
from kefu.core.types import api_user
from kefu.tickets import services as ticket_services
from kefu.tickets.api import CASE_NUMBER
from kefu.tickets.models import Case
from kefu.visits import services as visit_services

from . import selectors
from .access import is_customer, my_projects, my_units
from .forms import category_label, rating_comment
from .serializers import (
    PortalCancelSerializer,
    PortalCaseCreateSerializer,
    PortalCaseListSerializer,
    PortalCaseSerializer,
    PortalCommentSerializer,
    PortalOptionsSerializer,
    PortalRateSerializer,
)

MSG_CUSTOMERS_ONLY = "仅限微物业客户账号使用"

ERRORS = {
    400: OpenApiResponse(description="输入有误：{code, message, fields}"),
    403: OpenApiResponse(description="不是客户账号"),
    404: OpenApiResponse(description="工单不存在或不是您的"),
    409: OpenApiResponse(description="当前状态不允许（illegal_transition / already_rated）"),
}


class IsPortalCustomer(permissions.BasePermission):
    message = MSG_CUSTOMERS_ONLY

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_customer(request.user) and bool(request.user.is_active)


def _valid(serializer_cls: Any, data: Any) -> dict[str, Any]:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _photos(data: Any) -> list[ticket_services.Upload]:
    return ticket_services.uploads_from(data.get("photos") or [])


def case_payload(case: Case) -> dict[str, Any]:
    rating = selectors.latest_rating(case)
    events = selectors.describe(selectors.public_timeline(case), case)
    files = [
        {
            "id": a.pk,
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "url": reverse("portal:file", args=[case.number, a.pk]),
        }
        for a in selectors.public_attachments(case)
    ]
    return {
        **PortalCaseListSerializer(case).data,
        "description": case.description,
        "preferred_time": case.preferred_time,
        "steps": [{"label": str(s.label), "state": s.state} for s in selectors.progress(case, rating is not None)],
        "timeline": [
            {
                "at": e.at,
                "kind": e.kind,
                "label": str(e.label),
                "body": e.body,
                "detail": e.detail,
                "attachment": e.attachment.pk if e.attachment else None,
            }
            for e in events
        ],
        "attachments": files,
        "rating": (
            {"score": rating.score, "comment": rating.comment, "solved": rating.solved, "at": rating.at}
            if rating
            else None
        ),
        "may_cancel": selectors.can_cancel(case),
        "may_rate": selectors.can_rate(case, rating),
        "may_add_information": selectors.can_add_information(case),
    }


class PortalCaseViewSet(viewsets.GenericViewSet):
    """My cases (我的报事)."""

    permission_classes = [IsPortalCustomer]
    serializer_class = PortalCaseSerializer
    queryset = Case.objects.none()
    lookup_field = "number"
    lookup_value_regex = CASE_NUMBER

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.my_cases(api_user(self.request))

    def get_object(self) -> Case:
        return selectors.my_case_get(user=api_user(self.request), number=self.kwargs["number"])

    def _fresh(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        return Response(case_payload(selectors.my_case_get(user=api_user(self.request), number=case.number)), code)

    @extend_schema(responses={200: PortalCaseListSerializer(many=True), 403: ERRORS[403]})
    def list(self, request: Request) -> Response:
        """我的报事：本账号关联的客户档案的全部工单（含客服代为登记的），新的在前。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PortalCaseListSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": PortalCaseCreateSerializer, "application/json": PortalCaseCreateSerializer},
        responses={201: PortalCaseSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        """报事：unit（我的房屋）或 project + location（公共区域）；照片以 multipart 的 photos 字段上传。"""
        user = api_user(request)
        d = _valid(PortalCaseCreateSerializer, request.data)
        unit = my_units(user).filter(pk=d["unit"]).first() if d.get("unit") else None
        if d.get("unit") and unit is None:
            raise ValidationFailed(
                ticket_services.MSG_CUSTOMER_UNIT, fields={"unit": [ticket_services.MSG_CUSTOMER_UNIT]}
            )
        project = my_projects(user).filter(pk=d["project"]).first() if d.get("project") else None
        category = selectors.category_for(user, d.get("category"))
        if d.get("category") and category is None:
            raise ValidationFailed("分类不存在", fields={"category": ["分类不存在"]})
        case = ticket_services.customer_case_create(
            actor=user,
            kind=d["kind"],
            unit=unit,
            project=project,
            location=d["location"],
            category=category,
            description=d["description"],
            preferred_time=d["preferred_time"],
            contact_phone=d["contact_phone"],
            uploads=_photos(d),
        )
        return self._fresh(case, status.HTTP_201_CREATED)

    @extend_schema(responses={200: PortalCaseSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def retrieve(self, request: Request, number: str) -> Response:
        """一个报事：进度、公开的处理记录和照片（不含内部备注）。"""
        return Response(case_payload(self.get_object()))

    @extend_schema(
        request={"multipart/form-data": PortalCommentSerializer}, responses={200: PortalCaseSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, number: str) -> Response:
        """补充说明：文字和/或照片。"""
        case = self.get_object()
        d = _valid(PortalCommentSerializer, request.data)
        ticket_services.customer_case_comment(actor=api_user(request), case=case, body=d["body"], uploads=_photos(d))
        return self._fresh(case)

    @extend_schema(request=PortalCancelSerializer, responses={200: PortalCaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, number: str) -> Response:
        """取消：仅在待派单（已受理）时可取消，需填写原因。"""
        case = self.get_object()
        d = _valid(PortalCancelSerializer, request.data)
        ticket_services.customer_case_cancel(actor=api_user(request), case=case, reason=d["reason"])
        return self._fresh(case)

    @extend_schema(request=PortalRateSerializer, responses={200: PortalCaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, number: str) -> Response:
        """评价：办结后 1-5 星、快捷标签、问题是否解决、文字。每次办结评价一次。"""
        case = self.get_object()
        d = _valid(PortalRateSerializer, request.data)
        visit_services.rating_submit(
            actor=api_user(request),
            case=case,
            score=d["score"],
            comment=rating_comment(d["tags"], d["comment"]),
            solved=d["solved"],
        )
        return self._fresh(case)

    @extend_schema(responses={200: PortalOptionsSerializer, 403: ERRORS[403]})
    @action(detail=False, methods=["get"], pagination_class=None)
    def options(self, request: Request) -> Response:
        """报事表单的选项：类型、我的房屋、我的项目（公共区域）、分类、评价标签。"""
        user = api_user(request)
        from .forms import RATING_TAGS

        return Response(
            {
                "kinds": [{"value": k.value, "label": str(k.label)} for k in selectors.REPORT_KINDS],
                "units": [
                    {"id": u.pk, "code": u.code, "project": u.project_id, "project_name": u.project.name}
                    for u in my_units(user)
                ],
                "projects": [{"id": p.pk, "name": p.name} for p in my_projects(user)],
                "categories": [
                    {"id": c.pk, "kind": c.kind, "name": category_label(c), "project": c.project_id}
                    for c in selectors.report_categories(user)
                ],
                "rating_tags": [str(t) for t in RATING_TAGS],
            }
        )


def register(router: BaseRouter) -> None:
    router.register("portal/cases", PortalCaseViewSet, basename="portal-cases")
