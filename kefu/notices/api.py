"""/api/v1/notices/ (staff: read, with the read receipts for those who may publish) and
/api/v1/portal/notices/ (customers: the notices addressed to them; opening one marks it read).

Reads through notices.selectors, the customer's read through notices.services.notice_read. A notice
that is not the caller's (another project, another customer) answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import NotFound
from kefu.core.types import api_user
from kefu.org.roles import Perm
from kefu.org.scope import can
from kefu.portal.api import IsPortalCustomer

from . import selectors, services
from .models import Notice
from .selectors import ReadFigures
from .serializers import NoticeDetailSerializer, NoticeFiguresSerializer, NoticeSerializer, PortalNoticeSerializer

NOT_FOUND = {404: OpenApiResponse(description="通知不存在或不可见")}


def _figures(f: ReadFigures) -> dict[str, Any]:
    return dict(NoticeFiguresSerializer({"label": f.label, "reached": f.reached, "read": f.read, "rate": f.rate}).data)


class NoticeReader(permissions.BasePermission):
    message = "无权查看通知公告"

    def has_permission(self, request: Any, view: Any) -> bool:
        return can(request.user, Perm.PUBLISH_NOTICES) or can(request.user, Perm.VIEW_CASES)


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Notices of the caller's projects."""

    permission_classes = [permissions.IsAuthenticated, NoticeReader]
    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()

    def get_queryset(self) -> QuerySet[Notice]:
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        qs = selectors.notices_for(api_user(self.request)).prefetch_related("buildings", "tags")
        status = self.request.query_params.get("status", "")
        return qs.filter(status=status) if status in Notice.Status.values else qs

    @extend_schema(responses={200: NoticeDetailSerializer, **NOT_FOUND})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """一条通知；可发布通知的人员另见阅读回执：送达、已读、阅读率，按楼栋。"""
        user = api_user(request)
        try:
            notice = selectors.notice_get(user, int(kwargs["pk"]))
        except ValueError as exc:
            raise NotFound(services.MSG_NOT_FOUND) from exc
        receipts = None
        if selectors.may_see_receipts(user, notice) and notice.published_at:
            receipts = {
                "total": _figures(selectors.read_figures(notice)),
                "by_building": [_figures(f) for f in selectors.read_by_building(notice)],
            }
        return Response(NoticeDetailSerializer(notice, context={"receipts": receipts}).data)


class PortalNoticeViewSet(viewsets.GenericViewSet):
    """我的通知 (customers)."""

    permission_classes = [IsPortalCustomer]
    serializer_class = PortalNoticeSerializer
    queryset = Notice.objects.none()

    def get_queryset(self) -> QuerySet[Notice]:
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return selectors.my_notices(api_user(self.request)).select_related("project")

    @extend_schema(responses={200: PortalNoticeSerializer(many=True)})
    def list(self, request: Request) -> Response:
        """发给我的通知，新的在前；read 表示是否已读。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PortalNoticeSerializer(page, many=True).data)

    @extend_schema(responses={200: PortalNoticeSerializer, **NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        """一条通知（打开即记为已读；已撤回的通知不再显示正文）。"""
        user = api_user(request)
        try:
            notice = selectors.my_notice_get(user, int(pk))
        except ValueError as exc:
            raise NotFound(services.MSG_NOT_FOUND) from exc
        if notice.status == Notice.Status.PUBLISHED:
            services.notice_read(actor=user, notice=notice)
        read = notice.receipts.filter(account=user, read_at__isnull=False).exists()
        data = dict(PortalNoticeSerializer(notice, context={"read": read}).data)
        if notice.status == Notice.Status.WITHDRAWN:
            data["body"] = ""
        return Response(data)


def register(router: BaseRouter) -> None:
    router.register("notices", NoticeViewSet, basename="notices")
    router.register("portal/notices", PortalNoticeViewSet, basename="portal-notices")
