"""/api/v1/ customers, units, assets, key-customers: scoped exactly like the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import NotFound, ValidationFailed
from kefu.core.types import api_user
from kefu.org.models import Project
from kefu.org.scope import visible_projects

from . import selectors, services
from .models import Contact, Customer, Occupancy, Unit
from .serializers import (
    AssetCreateSerializer,
    AssetRecordSerializer,
    AssetSerializer,
    CreditGradeChangeSerializer,
    CustomerCreateSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    GradeSerializer,
    KeyCustomerSerializer,
    MoveInSerializer,
    MoveOutSerializer,
    NoteSerializer,
    OccupancySerializer,
    RevealResultSerializer,
    RevealSerializer,
    UnitSerializer,
)


def _project_by_code(request: Request, code: str | None) -> Project | None:
    if not code:
        return None
    project = visible_projects(api_user(request)).filter(code=code).first()
    if project is None:
        raise ValidationFailed("项目不存在", fields={"project": ["项目不存在"]})
    return project


def _valid(serializer_cls: Any, data: Any) -> dict[str, Any]:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


CUSTOMER_FILTERS = [
    OpenApiParameter("project", str, description="项目编码"),
    OpenApiParameter("q", str, description="姓名、电话、房屋编码或客户编号"),
    OpenApiParameter("category", str, enum=Customer.Category.values),
    OpenApiParameter("kind", str, enum=Customer.Kind.values),
    OpenApiParameter("credit_grade", str, enum=["A", "B", "C", "D"]),
    OpenApiParameter("key", bool, description="仅重点关注客户"),
]


class CustomerViewSet(viewsets.GenericViewSet):
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        p = self.request.query_params
        return selectors.customer_list(
            user=api_user(self.request),
            project=_project_by_code(self.request, p.get("project")),
            q=p.get("q", ""),
            category=p.get("category", ""),
            kind=p.get("kind", ""),
            grade=p.get("credit_grade", ""),
            key_only=p.get("key") in ("1", "true"),
        )

    def get_object(self) -> Customer:
        return selectors.customer_get(user=api_user(self.request), pk=self.kwargs["pk"])

    @extend_schema(parameters=CUSTOMER_FILTERS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CustomerSerializer(self.get_object()).data)

    @extend_schema(request=CustomerCreateSerializer, responses={201: CustomerSerializer})
    def create(self, request: Request) -> Response:
        d = _valid(CustomerCreateSerializer, request.data)
        project = _project_by_code(request, d.pop("project"))
        assert project is not None
        contacts = [services.ContactInput(**c) for c in d.pop("contacts")]
        customer = services.customer_create(actor=api_user(request), project=project, contacts=contacts, **d)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CustomerUpdateSerializer,
        responses={
            200: CustomerSerializer,
            409: OpenApiResponse(description="档案已被他人修改（stale），请刷新后重试"),
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        d = _valid(CustomerUpdateSerializer, request.data)
        version = d.pop("version")
        updated = services.customer_update(actor=api_user(request), customer=customer, version=version, **d)
        return Response(CustomerSerializer(updated).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealResultSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str) -> Response:
        """Unmask a phone number or the ID number. Every call is logged."""
        customer = self.get_object()
        d = _valid(RevealSerializer, request.data)
        ip = request.META.get("REMOTE_ADDR")
        if d["field"] == "id_number":
            value = services.reveal_id_number(actor=api_user(request), customer=customer, ip=ip, channel="api")
        else:
            contact = Contact.objects.filter(customer=customer, pk=d.get("contact") or 0).first()
            if contact is None:
                raise ValidationFailed("联系方式不存在", fields={"contact": ["联系方式不存在"]})
            value = services.reveal_contact(actor=api_user(request), contact=contact, ip=ip, channel="api")
        return Response({"value": value})

    @extend_schema(request=GradeSerializer, responses={201: CreditGradeChangeSerializer})
    @action(detail=True, methods=["post"], url_path="credit-grade")
    def credit_grade(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        change = services.credit_grade_set(
            actor=api_user(request), customer=customer, **_valid(GradeSerializer, request.data)
        )
        return Response(CreditGradeChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CreditGradeChangeSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="credit-history", pagination_class=None)
    def credit_history(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        return Response(
            CreditGradeChangeSerializer(customer.credit_history.select_related("changed_by"), many=True).data
        )

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        note = services.note_add(actor=api_user(request), customer=customer, **_valid(NoteSerializer, request.data))
        return Response({"text": note.text}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OccupancySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def occupancies(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        return Response(OccupancySerializer(selectors.customer_occupancies(customer), many=True).data)


class UnitViewSet(viewsets.GenericViewSet):
    serializer_class = UnitSerializer
    queryset = Unit.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        p = self.request.query_params
        return selectors.unit_list(
            user=api_user(self.request),
            project=_project_by_code(self.request, p.get("project")),
            q=p.get("q", ""),
            status=p.get("status", ""),
            kind=p.get("kind", ""),
        )

    def get_object(self) -> Unit:
        return selectors.unit_get(user=api_user(self.request), pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter("project", str, description="项目编码"),
            OpenApiParameter("q", str, description="房屋编码前缀或房号"),
            OpenApiParameter("status", str, enum=Unit.Status.values),
            OpenApiParameter("kind", str, enum=Unit.Kind.values),
        ]
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(UnitSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(UnitSerializer(self.get_object()).data)

    @extend_schema(request=MoveInSerializer, responses={201: OccupancySerializer})
    @action(detail=True, methods=["post"], url_path="move-in")
    def move_in(self, request: Request, pk: str) -> Response:
        unit = self.get_object()
        d = _valid(MoveInSerializer, request.data)
        try:
            customer = selectors.customer_get(user=api_user(request), pk=d.pop("customer"))
        except NotFound as exc:
            raise ValidationFailed("客户不存在", fields={"customer": ["客户不存在"]}) from exc
        occ = services.occupancy_move_in(actor=api_user(request), unit=unit, customer=customer, **d)
        return Response(OccupancySerializer(occ).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MoveOutSerializer,
        responses={200: OccupancySerializer, 409: OpenApiResponse(description="该入住记录已迁出")},
        parameters=[OpenApiParameter("occupancy", int, required=True)],
    )
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request: Request, pk: str) -> Response:
        unit = self.get_object()
        raw = request.query_params.get("occupancy", "")
        occ = Occupancy.objects.filter(unit=unit, pk=int(raw)).first() if raw.isdigit() and len(raw) <= 18 else None
        if occ is None:
            raise ValidationFailed("入住记录不存在", fields={"occupancy": ["入住记录不存在"]})
        occ = services.occupancy_move_out(
            actor=api_user(request), occupancy=occ, **_valid(MoveOutSerializer, request.data)
        )
        return Response(OccupancySerializer(occ).data)


class AssetViewSet(viewsets.GenericViewSet):
    serializer_class = AssetSerializer
    queryset = Unit.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        p = self.request.query_params
        return selectors.asset_list(
            user=api_user(self.request),
            project=_project_by_code(self.request, p.get("project")),
            q=p.get("q", ""),
        )

    @extend_schema(parameters=[OpenApiParameter("project", str), OpenApiParameter("q", str)])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssetSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AssetSerializer(selectors.asset_get(user=api_user(request), pk=pk)).data)

    @extend_schema(request=AssetCreateSerializer, responses={201: AssetSerializer})
    def create(self, request: Request) -> Response:
        d = _valid(AssetCreateSerializer, request.data)
        project = _project_by_code(request, d.pop("project"))
        assert project is not None
        for rel, model in (("customer", Customer), ("unit", Unit)):
            if d.get(rel):
                obj = model.objects.filter(project=project, pk=d[rel]).first()  # type: ignore[attr-defined]
                if obj is None:
                    raise ValidationFailed("所选对象不存在", fields={rel: ["所选对象不存在"]})
                d[rel] = obj
        asset = services.asset_create(actor=api_user(request), project=project, **d)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssetRecordSerializer, responses={201: AssetRecordSerializer})
    @action(detail=True, methods=["post"])
    def records(self, request: Request, pk: str) -> Response:
        asset = selectors.asset_get(user=api_user(request), pk=pk)
        s = AssetRecordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        record = services.asset_record_add(actor=api_user(request), asset=asset, **s.validated_data)
        return Response(AssetRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class KeyCustomerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = KeyCustomerSerializer
    queryset = Unit.objects.none()

    def get_queryset(self) -> Any:
        return selectors.key_customer_list(
            user=api_user(self.request),
            project=_project_by_code(self.request, self.request.query_params.get("project")),
        )

    @extend_schema(parameters=[OpenApiParameter("project", str)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


def register(router: BaseRouter) -> None:
    router.register("customers", CustomerViewSet, basename="customers")
    router.register("units", UnitViewSet, basename="units")
    router.register("assets", AssetViewSet, basename="assets")
    router.register("key-customers", KeyCustomerViewSet, basename="key-customers")
