"""/api/v1/portal/services/: the special-services catalogue for customers (the items of their projects and
the shared ones) and ordering one (POST .../<id>/order/), which makes a special_service case through
catalog.services.order_create; /api/v1/portal/service-orders/: my orders. Anything not the caller's is 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import NotFound
from kefu.core.types import api_user
from kefu.portal.access import my_units
from kefu.portal.api import IsPortalCustomer

from . import selectors, services
from .models import ServiceItem, ServiceOrder
from .serializers import OrderInputSerializer, ServiceItemSerializer, ServiceOrderSerializer

ERRORS = {
    400: OpenApiResponse(description="输入有误：{code, message, fields}"),
    403: OpenApiResponse(description="不是客户账号"),
    404: OpenApiResponse(description="服务不存在或已下架"),
}


class PortalServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """特约服务 (customers)."""

    permission_classes = [IsPortalCustomer]
    serializer_class = ServiceItemSerializer
    queryset = ServiceItem.objects.none()

    def get_queryset(self) -> QuerySet[ServiceItem]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceItem.objects.none()
        return selectors.my_items(api_user(self.request))

    @extend_schema(request=OrderInputSerializer, responses={201: ServiceOrderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def order(self, request: Request, pk: str) -> Response:
        """预约：数量、服务地址（我的房屋）、期望上门时间、备注。生成一张特约服务工单。"""
        user = api_user(request)
        item = self.get_object()
        s = OrderInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d: dict[str, Any] = dict(s.validated_data)
        unit = my_units(user).filter(pk=d["unit"]).first()
        placed = services.order_create(
            actor=user,
            item=item,
            unit=unit,
            quantity=d["quantity"],
            preferred_time=d["preferred_time"],
            contact_phone=d["contact_phone"],
            note=d["note"],
        )
        return Response(ServiceOrderSerializer(placed).data, status=status.HTTP_201_CREATED)

    def get_object(self) -> ServiceItem:
        try:
            return selectors.my_item_get(api_user(self.request), int(self.kwargs["pk"]))
        except ValueError as exc:
            raise NotFound(services.MSG_NOT_FOUND) from exc


class PortalServiceOrderViewSet(viewsets.ReadOnlyModelViewSet):
    """我的预约 (customers)."""

    permission_classes = [IsPortalCustomer]
    serializer_class = ServiceOrderSerializer
    queryset = ServiceOrder.objects.none()

    def get_queryset(self) -> QuerySet[ServiceOrder]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceOrder.objects.none()
        return selectors.my_orders(api_user(self.request))


def register(router: BaseRouter) -> None:
    router.register("portal/services", PortalServiceViewSet, basename="portal-services")
    router.register("portal/service-orders", PortalServiceOrderViewSet, basename="portal-service-orders")
