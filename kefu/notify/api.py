"""/api/v1/notifications/: the caller's own in-app inbox."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.api import BigCursorPagination
from kefu.core.types import api_user

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True, help_text="工单号")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "case", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None, help_text="通知 id"
    )
    all = serializers.BooleanField(default=False, help_text="全部标为已读")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": ["请选择要标为已读的通知，或设置 all"]})
        return attrs


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读条数")


class NotificationViewSet(viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    pagination_class = BigCursorPagination

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        unread_only = self.request.query_params.get("unread") in ("1", "true")
        return selectors.inbox(user=api_user(self.request), unread_only=unread_only)

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="仅未读")])
    def list(self, request: Request) -> Response:
        """我的通知（新的在前）。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(request=MarkReadSerializer, responses={200: MarkReadResultSerializer})
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        """标为已读：指定 ids，或 all=true 全部。只影响自己的通知。"""
        s = MarkReadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = api_user(request)
        ids = None if s.validated_data["all"] else s.validated_data["ids"]
        marked = services.mark_read(user=user, ids=ids)
        unread = selectors.unread_count(user=user)
        return Response({"marked": marked, "unread": unread})


def register(router: BaseRouter) -> None:
    router.register("notifications", NotificationViewSet, basename="notifications")
