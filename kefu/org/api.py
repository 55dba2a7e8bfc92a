"""/api/v1/ projects, zones, departments, staff (and a person's roles).

Reads go through kefu.org.selectors: a caller sees only what they may see, and anything else is
404 whether it exists or not. Writes go through kefu.org.services, which check the permission;
their errors become {"code", "message", "fields"} in kefu.core.api.exception_handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import NotFound, ValidationFailed

from . import selectors, services
from .models import Department, Membership, Project, User, Zone
from .roles import Role

# Serializers ------------------------------------------------------------------------------------


def _asker(context: Mapping[str, Any]) -> User | None:
    request = context.get("request")
    return getattr(request, "user", None) if request is not None else None


class _Scoped(serializers.Serializer):  # type: ignore[type-arg]
    """Related choices limited to what the asker may see: other ids read as missing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _asker(self.context)
        if user is None:
            return
        scoped: dict[str, QuerySet[Any]] = {
            "project": selectors.project_list(user=user),
            "parent": selectors.department_list(user=user),
            "department": selectors.department_list(user=user),
            "zones": selectors.zone_list(user=user),
        }
        for name, qs in scoped.items():
            field = self.fields.get(name)
            if field is None:
                continue
            target: Any = getattr(field, "child_relation", field)
            target.queryset = qs


class ProjectSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Project
        fields = ["id", "code", "name", "kind", "address", "phone", "is_active", "created_at"]
        read_only_fields = fields


class ProjectCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Project.Kind.choices, default=Project.Kind.RESIDENTIAL)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ProjectUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Project.Kind.choices)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="仅总部可启用或停用项目")


class ZoneSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_name = serializers.CharField(source="project.name", read_only=True)
    unit_count = serializers.SerializerMethodField()

    class Meta:
        model = Zone
        fields = ["id", "project", "project_name", "code", "name", "description", "unit_count"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_unit_count(self, obj: Zone) -> int:
        count = getattr(obj, "unit_count", None)
        return int(count) if count is not None else obj.units.count()


class ZoneCreateSerializer(_Scoped):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.none())
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ZoneUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DepartmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    project_name = serializers.SerializerMethodField()
    parent_name = serializers.SerializerMethodField()
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = [
            "id", "project", "project_name", "parent", "parent_name", "code", "name", "trade", "sort", "member_count",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_project_name(self, obj: Department) -> str:
        return obj.project.name if obj.project else "总部"

    @extend_schema_field({"type": "string", "nullable": True})
    def get_parent_name(self, obj: Department) -> str | None:
        return obj.parent.name if obj.parent else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_member_count(self, obj: Department) -> int:
        count = getattr(obj, "member_count", None)
        return int(count) if count is not None else obj.memberships.filter(is_active=True).count()


class DepartmentCreateSerializer(_Scoped):
    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.none(), allow_null=True, help_text="留空为总部部门（仅总部可建）"
    )
    parent = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), allow_null=True, required=False)
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=100)
    trade = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    sort = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)


class DepartmentUpdateSerializer(_Scoped):
    name = serializers.CharField(max_length=100)
    parent = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), allow_null=True)
    trade = serializers.CharField(max_length=30, required=False, allow_blank=True)
    sort = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class MembershipSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    project_name = serializers.SerializerMethodField()
    department_name = serializers.SerializerMethodField()
    zones = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id", "role", "role_display", "project", "project_name", "department", "department_name", "zones",
            "is_active", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_project_name(self, obj: Membership) -> str | None:
        return obj.project.name if obj.project else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_department_name(self, obj: Membership) -> str | None:
        return obj.department.name if obj.department else None


class MembershipCreateSerializer(_Scoped):
    role = serializers.ChoiceField(choices=Role.choices)
    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.none(), allow_null=True, required=False, default=None, help_text="总部角色留空"
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), allow_null=True, required=False, default=None
    )
    zones = serializers.PrimaryKeyRelatedField(
        queryset=Zone.objects.none(), many=True, required=False, default=list, help_text="管家的负责区域"
    )


class MembershipUpdateSerializer(_Scoped):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), allow_null=True)
    zones = serializers.PrimaryKeyRelatedField(queryset=Zone.objects.none(), many=True)


class StaffSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "employee_no", "mobile", "email", "on_duty", "is_active", "roles"]
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(many=True))
    def get_roles(self, obj: User) -> list[dict[str, Any]]:
        user = _asker(self.context)
        ms = _visible_memberships(user, obj) if user is not None else []
        return MembershipSerializer(ms, many=True).data  # type: ignore[return-value]


class StaffCreateSerializer(MembershipCreateSerializer):
    """A new person with a first role: a person without any role belongs to no project."""

    username = serializers.CharField(max_length=150)
    name = serializers.CharField(max_length=50)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    employee_no = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class StaffUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=50)
    employee_no = serializers.CharField(max_length=30, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    on_duty = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


# Helpers ----------------------------------------------------------------------------------------


def _visible_memberships(user: User, person: User) -> list[Membership]:
    """The person's active roles in projects the asker may see (and head-office roles)."""
    pids = set(selectors.project_list(user=user).values_list("pk", flat=True))
    held = getattr(person, "active_memberships", None)
    if held is None:
        held = list(
            person.memberships.filter(is_active=True).select_related("project", "department").prefetch_related("zones")
        )
    return [m for m in held if m.project_id is None or m.project_id in pids]


PROJECT_PARAM = OpenApiParameter("project", OpenApiTypes.INT, description="按项目过滤（项目 id）")


class _OrgViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    lookup_value_regex = r"\d+"

    @property
    def asker(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def _valid(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> dict[str, Any]:  # type: ignore[type-arg]
        ser = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        ser.is_valid(raise_exception=True)
        return dict(ser.validated_data)

    def _project_filter(self) -> Project | None:
        raw = self.request.query_params.get("project", "")
        if not raw:
            return None
        if not raw.isdigit():
            raise ValidationFailed("项目参数无效", fields={"project": ["项目参数无效"]})
        return selectors.project_get(user=self.asker, pk=int(raw))

    def _list(self, qs: Any) -> Response:
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# Projects ---------------------------------------------------------------------------------------


@extend_schema(tags=["org"])
@extend_schema_view(
    list=extend_schema(summary="项目列表（可见范围内）"),
    retrieve=extend_schema(summary="项目详情"),
    create=extend_schema(
        summary="新建项目（总部）", request=ProjectCreateSerializer, responses={201: ProjectSerializer}
    ),
    update=extend_schema(summary="修改项目", request=ProjectUpdateSerializer),
    partial_update=extend_schema(summary="修改项目（部分字段）", request=ProjectUpdateSerializer),
)
class ProjectViewSet(_OrgViewSet):
    queryset = Project.objects.none()
    serializer_class = ProjectSerializer

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_list(user=self.asker)

    def get_object(self) -> Project:
        return selectors.project_get(user=self.asker, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        return self._list(self.get_queryset())

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ProjectSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        d = self._valid(ProjectCreateSerializer)
        project = services.project_create(actor=self.asker, **d)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        project = self.get_object()
        d = self._valid(ProjectUpdateSerializer, partial=partial)
        project = services.project_update(actor=self.asker, project=project, **d)
        return Response(ProjectSerializer(project).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


# Zones ------------------------------------------------------------------------------------------


@extend_schema(tags=["org"])
@extend_schema_view(
    list=extend_schema(summary="责任区域列表", parameters=[PROJECT_PARAM]),
    retrieve=extend_schema(summary="责任区域详情"),
    create=extend_schema(summary="新建责任区域", request=ZoneCreateSerializer, responses={201: ZoneSerializer}),
    update=extend_schema(summary="修改责任区域", request=ZoneUpdateSerializer),
    partial_update=extend_schema(summary="修改责任区域（部分字段）", request=ZoneUpdateSerializer),
)
class ZoneViewSet(_OrgViewSet):
    queryset = Zone.objects.none()
    serializer_class = ZoneSerializer

    def get_queryset(self) -> QuerySet[Zone]:
        if getattr(self, "swagger_fake_view", False):
            return Zone.objects.none()
        return selectors.zone_list(user=self.asker, project=self._project_filter())

    def get_object(self) -> Zone:
        return selectors.zone_get(user=self.asker, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        return self._list(self.get_queryset())

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ZoneSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        d = self._valid(ZoneCreateSerializer)
        zone = services.zone_create(actor=self.asker, **d)
        return Response(ZoneSerializer(zone).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        zone = self.get_object()
        d = self._valid(ZoneUpdateSerializer, partial=partial)
        zone = services.zone_update(
            actor=self.asker,
            zone=zone,
            name=d.get("name", zone.name),
            description=d.get("description", zone.description),
        )
        return Response(ZoneSerializer(zone).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


# Departments ------------------------------------------------------------------------------------


@extend_schema(tags=["org"])
@extend_schema_view(
    list=extend_schema(
        summary="部门列表（含总部部门）",
        parameters=[PROJECT_PARAM],
        description="按项目、排序、编码排列；parent 给出上级部门，客户端据此画树。",
    ),
    retrieve=extend_schema(summary="部门详情"),
    create=extend_schema(summary="新建部门", request=DepartmentCreateSerializer, responses={201: DepartmentSerializer}),
    update=extend_schema(summary="修改部门", request=DepartmentUpdateSerializer),
    partial_update=extend_schema(summary="修改部门（部分字段）", request=DepartmentUpdateSerializer),
)
class DepartmentViewSet(_OrgViewSet):
    queryset = Department.objects.none()
    serializer_class = DepartmentSerializer

    def get_queryset(self) -> QuerySet[Department]:
        if getattr(self, "swagger_fake_view", False):
            return Department.objects.none()
        return selectors.department_list(user=self.asker, project=self._project_filter()).annotate(
            member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )

    def get_object(self) -> Department:
        return selectors.department_get(user=self.asker, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        return self._list(self.get_queryset())

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DepartmentSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        d = self._valid(DepartmentCreateSerializer)
        dept = services.department_create(actor=self.asker, **d)
        return Response(DepartmentSerializer(dept).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        dept = self.get_object()
        d = self._valid(DepartmentUpdateSerializer, partial=partial)
        dept = services.department_update(
            actor=self.asker,
            department=dept,
            name=d.get("name", dept.name),
            parent=d.get("parent", dept.parent),
            trade=d.get("trade", dept.trade),
            sort=d.get("sort", dept.sort),
        )
        return Response(DepartmentSerializer(dept).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


# Staff ------------------------------------------------------------------------------------------

MEMBERSHIP_PARAM = OpenApiParameter("membership_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="岗位 id")


@extend_schema(tags=["org"])
@extend_schema_view(
    list=extend_schema(
        summary="员工列表",
        parameters=[
            PROJECT_PARAM,
            OpenApiParameter("role", OpenApiTypes.STR, enum=Role.values, description="按岗位角色过滤"),
            OpenApiParameter("q", OpenApiTypes.STR, description="姓名、登录名或工号"),
        ],
    ),
    retrieve=extend_schema(summary="员工详情（含可见范围内的岗位）"),
    create=extend_schema(
        summary="新建员工（同时分配首个岗位）", request=StaffCreateSerializer, responses={201: StaffSerializer}
    ),
    update=extend_schema(summary="修改员工信息", request=StaffUpdateSerializer),
    partial_update=extend_schema(summary="修改员工信息（部分字段）", request=StaffUpdateSerializer),
)
class StaffViewSet(_OrgViewSet):
    queryset = User.objects.none()
    serializer_class = StaffSerializer

    def get_queryset(self) -> QuerySet[User]:
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        qp = self.request.query_params
        role = qp.get("role", "")
        if role and role not in Role.values:
            raise ValidationFailed("岗位角色无效", fields={"role": ["岗位角色无效"]})
        return selectors.staff_list(
            user=self.asker, project=self._project_filter(), q=qp.get("q", "").strip(), role=role
        )

    def get_object(self) -> User:
        return selectors.staff_get(user=self.asker, pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        return self._list(self.get_queryset())

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        d = self._valid(StaffCreateSerializer)
        with transaction.atomic():
            person = services.staff_create(
                actor=self.asker,
                **{k: d[k] for k in ("username", "name", "password", "mobile", "email", "employee_no")},
            )
            services.membership_add(
                actor=self.asker,
                user=person,
                role=d["role"],
                project=d["project"],
                department=d["department"],
                zones=list(d["zones"]),
            )
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        person = self.get_object()
        d = self._valid(StaffUpdateSerializer, partial=partial)
        fields = {f: d.get(f, getattr(person, f)) for f in ("name", "employee_no", "mobile", "email", "on_duty")}
        person = services.staff_update(
            actor=self.asker, user=person, is_active=d.get("is_active", person.is_active), **fields
        )
        return Response(self.get_serializer(person).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    # Roles: a person's memberships, as a sub-resource ---------------------------------------------

    def _membership(self, person: User, membership_id: str) -> Membership:
        for m in _visible_memberships(self.asker, person):
            if str(m.pk) == membership_id:
                return m
        raise NotFound("未找到该岗位")

    @extend_schema(methods=["GET"], summary="员工的岗位", responses=MembershipSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="给员工添加岗位",
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="roles", pagination_class=None)
    def roles(self, request: Request, pk: str) -> Response:
        person = self.get_object()
        if request.method == "GET":
            return Response(MembershipSerializer(_visible_memberships(self.asker, person), many=True).data)
        d = self._valid(MembershipCreateSerializer)
        m = services.membership_add(actor=self.asker, user=person, **{**d, "zones": list(d["zones"])})
        return Response(MembershipSerializer(m).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="调整岗位的部门和负责区域",
        parameters=[MEMBERSHIP_PARAM],
        request=MembershipUpdateSerializer,
        responses=MembershipSerializer,
    )
    @action(detail=True, methods=["patch"], url_path=r"roles/(?P<membership_id>\d+)")
    def role_update(self, request: Request, pk: str, membership_id: str) -> Response:
        m = self._membership(self.get_object(), membership_id)
        d = self._valid(MembershipUpdateSerializer, partial=True)
        m = services.membership_update(
            actor=self.asker,
            membership=m,
            department=d.get("department", m.department),
            zones=list(d["zones"]) if "zones" in d else list(m.zones.all()),
        )
        return Response(MembershipSerializer(m).data)

    @extend_schema(summary="结束岗位", parameters=[MEMBERSHIP_PARAM], request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path=r"roles/(?P<membership_id>\d+)/end")
    def role_end(self, request: Request, pk: str, membership_id: str) -> Response:
        m = self._membership(self.get_object(), membership_id)
        m = services.membership_end(actor=self.asker, membership=m)
        return Response(MembershipSerializer(m).data)


def register(router: BaseRouter) -> None:
    router.register("projects", ProjectViewSet, basename="projects")
    router.register("zones", ZoneViewSet, basename="zones")
    router.register("departments", DepartmentViewSet, basename="departments")
    router.register("staff", StaffViewSet, basename="staff")
