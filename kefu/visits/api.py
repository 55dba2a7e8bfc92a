"""/api/v1/ return visits, visit plans, visit policies and scripts, customer ratings: scoped like the pages.

Reads go through visits.selectors (out of scope → 404), writes through visits.services, which check the
permission and the visit's state (refused → 403 / 409). Objects named in a body (assignee, steward, zone,
category, visits to sign off, the rated case) are looked up within the caller's scope; unknown ones are a
400 field error.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.core.types import api_user
from kefu.org.models import Project, User, Zone
from kefu.org.roles import Perm, Role
from kefu.org.scope import access, visible_projects
from kefu.tickets import selectors as ticket_selectors
from kefu.tickets.models import Case, Category

from . import selectors, services
from .models import ReturnVisit, VisitFinding, VisitPlan, VisitPolicy, VisitScript
from .serializers import (
    CustomerRatingSerializer,
    FindingCreateSerializer,
    FindingToCaseSerializer,
    PlanFilterSerializer,
    RatingCreateSerializer,
    ReassignSerializer,
    ReturnVisitListSerializer,
    ReturnVisitSerializer,
    SignOffResultSerializer,
    SignOffSerializer,
    VisitFilterSerializer,
    VisitFindingSerializer,
    VisitPlanCreateSerializer,
    VisitPlanDetailSerializer,
    VisitPlanSerializer,
    VisitPolicySerializer,
    VisitPolicyWriteSerializer,
    VisitRecordSerializer,
    VisitScriptSerializer,
    VisitScriptWriteSerializer,
)

MSG_UNKNOWN = {
    "project": "项目不存在",
    "zone": "责任区域不存在",
    "assignee": "回访人不存在",
    "steward": "管家不存在",
    "category": "分类不存在",
    "case": "工单不存在",
}
MSG_CUSTOMERS_ONLY = "只有客户账号可以评价工单"

ERRORS = {
    400: OpenApiResponse(description="输入有误：{code, message, fields}"),
    403: OpenApiResponse(description="无权执行此操作"),
    404: OpenApiResponse(description="不存在或不可见"),
    409: OpenApiResponse(description="当前状态不允许（illegal_transition）或已被他人更新（stale）"),
}
FINDING_ID = OpenApiParameter("finding_id", int, OpenApiParameter.PATH, description="走访发现问题 id")


def _valid(serializer_cls: Any, data: Any) -> dict[str, Any]:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def path_id(value: Any) -> int:
    """An id from the URL; anything but digits is simply not found."""
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        raise NotFound("未找到")
    return int(text)


def _unknown(field: str) -> ValidationFailed:
    return ValidationFailed(MSG_UNKNOWN[field], fields={field: [MSG_UNKNOWN[field]]})


def _project_by_code(user: User, code: str | None) -> Project | None:
    if not code:
        return None
    project = visible_projects(user).filter(code=code).first()
    if project is None:
        raise _unknown("project")
    return project


def _require_any(user: User, perm: Perm) -> None:
    """Refuse at once a caller who holds the permission nowhere (the service checks the project)."""
    if access(user, perm).is_empty:
        raise Forbidden(services.MSG_FORBIDDEN)


def _staff(project_id: int, pk: int | None, field: str) -> User | None:
    """Active staff holding a role in the project (or head office); the service checks the rest."""
    if pk is None:
        return None
    user = (
        User.objects.filter(
            Q(memberships__project_id=project_id) | Q(memberships__role=Role.HEAD_OFFICE),
            memberships__is_active=True,
            pk=pk,
            is_active=True,
            kind=User.Kind.STAFF,
        )
        .distinct()
        .first()
    )
    if user is None:
        raise _unknown(field)
    return user


def _fresh(visit: ReturnVisit) -> ReturnVisit:
    """The visit as it is now, with what the detail shows."""
    return ReturnVisit.objects.select_related(
        "case", "project", "zone", "unit", "customer", "assignee", "plan", "completed_by", "signed_off_by"
    ).get(pk=visit.pk)


# Return visits ---------------------------------------------------------------------------------------------


class ReturnVisitViewSet(viewsets.GenericViewSet):
    serializer_class = ReturnVisitSerializer
    queryset = ReturnVisit.objects.none()

    def get_queryset(self) -> QuerySet[ReturnVisit]:
        if getattr(self, "swagger_fake_view", False):
            return ReturnVisit.objects.none()
        user = api_user(self.request)
        d = _valid(VisitFilterSerializer, self.request.query_params)
        qs = selectors.visit_queue(user, d["queue"])
        project = _project_by_code(user, d.get("project"))
        if project is not None:
            qs = qs.filter(project=project)
        for name in ("source", "status"):
            if d.get(name):
                qs = qs.filter(**{name: d[name]})
        for name in ("zone", "assignee", "plan"):
            if d.get(name) is not None:
                qs = qs.filter(**{f"{name}_id": d[name]})
        return qs

    def get_object(self) -> ReturnVisit:
        return selectors.visit_get(api_user(self.request), path_id(self.kwargs["pk"]))

    def _out(self, visit: ReturnVisit, code: int = status.HTTP_200_OK) -> Response:
        return Response(ReturnVisitSerializer(_fresh(visit), context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        parameters=[VisitFilterSerializer],
        responses={200: ReturnVisitListSerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request: Request) -> Response:
        """回访任务列表。queue：today 今日待回访（我的，今天到期或到点再拨）、mine、open、overdue、to_sign 待审核、
        done、all（默认）。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReturnVisitListSerializer(page, many=True).data)

    @extend_schema(responses={200: ReturnVisitSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """一条回访任务：拨打记录、走访发现的问题、已填好的回访标准用语。"""
        return self._out(self.get_object())

    @extend_schema(request=VisitRecordSerializer, responses={200: ReturnVisitSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str) -> Response:
        """登记一次回访：接通（满意度、是否解决）、无人接听、号码错误、拒绝回访、约定再回电。
        不满意或未解决的工单退回原处理人返工并升级。"""
        visit = self.get_object()
        d = _valid(VisitRecordSerializer, request.data)
        return self._out(services.visit_record(actor=api_user(request), visit=visit, **d))

    @extend_schema(request=SignOffSerializer, responses={200: SignOffResultSerializer, **ERRORS})
    @action(detail=False, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request: Request) -> Response:
        """审核已完成的回访（不能审核自己完成的）。一条不能审核则全部不审核。"""
        user = api_user(request)
        _require_any(user, Perm.SIGN_OFF_VISITS)
        ids = _valid(SignOffSerializer, request.data)["ids"]
        found = list(selectors.visits_for(user).filter(pk__in=ids))
        missing = sorted(set(ids) - {v.pk for v in found})
        if missing:
            msg = "回访不存在：" + "、".join(str(i) for i in missing)
            raise ValidationFailed(msg, fields={"ids": [msg]})
        return Response({"signed": services.visit_sign_off(actor=user, visits=found)})

    @extend_schema(request=ReassignSerializer, responses={200: ReturnVisitSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        """改派回访人（须为该项目有回访权限的员工）。"""
        visit = self.get_object()
        d = _valid(ReassignSerializer, request.data)
        assignee = _staff(visit.project_id, d["assignee"], "assignee")
        assert assignee is not None
        return self._out(services.visit_reassign(actor=api_user(request), visit=visit, assignee=assignee))

    @extend_schema(request=FindingCreateSerializer, responses={201: VisitFindingSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def findings(self, request: Request, pk: str) -> Response:
        """登记走访发现的问题；to_case=true 同时转为工单。"""
        visit = self.get_object()
        d = _valid(FindingCreateSerializer, request.data)
        finding = services.finding_add(actor=api_user(request), visit=visit, **d)
        return Response(VisitFindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[FINDING_ID],
        request=FindingToCaseSerializer,
        responses={201: VisitFindingSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"findings/(?P<finding_id>\d+)/to-case",
        url_name="finding-to-case",
    )
    def finding_to_case(self, request: Request, pk: str, finding_id: str) -> Response:
        """把走访发现的问题转为工单（来源：走访）。"""
        visit = self.get_object()
        finding = VisitFinding.objects.filter(visit=visit, pk=path_id(finding_id)).first()
        if finding is None:
            raise NotFound("未找到该问题")
        d = _valid(FindingToCaseSerializer, request.data)
        services.finding_to_case(actor=api_user(request), finding=finding, kind=d["kind"])
        finding = VisitFinding.objects.select_related("case", "created_by").get(pk=finding.pk)
        return Response(VisitFindingSerializer(finding).data, status=status.HTTP_201_CREATED)


# Visit plans ---------------------------------------------------------------------------------------------


class VisitPlanViewSet(viewsets.GenericViewSet):
    serializer_class = VisitPlanDetailSerializer
    queryset = VisitPlan.objects.none()

    def get_queryset(self) -> QuerySet[VisitPlan]:
        if getattr(self, "swagger_fake_view", False):
            return VisitPlan.objects.none()
        user = api_user(self.request)
        d = _valid(PlanFilterSerializer, self.request.query_params)
        qs = selectors.plans_for(user)
        project = _project_by_code(user, d.get("project"))
        if project is not None:
            qs = qs.filter(project=project)
        if d.get("zone") is not None:
            qs = qs.filter(zone_id=d["zone"])
        if d.get("status"):
            qs = qs.filter(status=d["status"])
        return qs.order_by("-period_start", "zone__code", "pk")

    def get_object(self) -> VisitPlan:
        return selectors.plan_get(api_user(self.request), path_id(self.kwargs["pk"]))

    def _out(self, plan: VisitPlan, code: int = status.HTTP_200_OK) -> Response:
        plan = VisitPlan.objects.select_related("project", "zone", "steward").get(pk=plan.pk)
        return Response(VisitPlanDetailSerializer(plan).data, status=code)

    @extend_schema(parameters=[PlanFilterSerializer], responses={200: VisitPlanSerializer(many=True), 400: ERRORS[400]})
    def list(self, request: Request) -> Response:
        """走访计划（新的在前）。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(VisitPlanSerializer(page, many=True).data)

    @extend_schema(responses={200: VisitPlanDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """一个走访计划及其进度（覆盖率、完成率、发现问题数）。各户的走访任务：GET /return-visits/?plan={id}。"""
        return self._out(self.get_object())

    @extend_schema(request=VisitPlanCreateSerializer, responses={201: VisitPlanDetailSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """制定走访计划：按比例从区域入住户中抽样（按楼栋分配，排除前几期已走访的），同时生成各户的走访任务。"""
        user = api_user(request)
        _require_any(user, Perm.MANAGE_VISITS)
        d = _valid(VisitPlanCreateSerializer, request.data)
        zone = Zone.objects.filter(project__in=visible_projects(user), pk=d.pop("zone")).first()
        if zone is None:
            raise _unknown("zone")
        steward = _staff(zone.project_id, d.pop("steward"), "steward")
        plan = services.plan_create(actor=user, zone=zone, steward=steward, **d)
        return self._out(plan, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: VisitPlanDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """结束计划：未走访的住户取消（仍计入计划户数）。"""
        plan = self.get_object()
        return self._out(services.plan_close(actor=api_user(request), plan=plan))


# Policies and scripts --------------------------------------------------------------------------------------


def _category(project: Project | None, pk: int | None) -> Category | None:
    if pk is None:
        return None
    qs = ticket_selectors.category_list(project=project)
    if project is None:
        qs = qs.filter(project__isnull=True)
    category = qs.filter(pk=pk).first()
    if category is None:
        raise _unknown("category")
    return category


class VisitPolicyViewSet(viewsets.GenericViewSet):
    """Who manages visits (MANAGE_VISITS) reads and writes the policies; shared ones only head office writes."""

    serializer_class = VisitPolicySerializer
    queryset = VisitPolicy.objects.none()
    pagination_class = None

    def _user(self) -> User:
        user = api_user(self.request)
        _require_any(user, Perm.MANAGE_VISITS)
        return user

    def get_object(self) -> VisitPolicy:
        policy = selectors.policies_for(self._user()).filter(pk=path_id(self.kwargs["pk"])).first()
        if policy is None:
            raise NotFound("未找到该回访规则")
        return policy

    def _save(self, request: Request, policy: VisitPolicy | None) -> VisitPolicy:
        user = self._user()
        d = _valid(VisitPolicyWriteSerializer, request.data)
        code = d.pop("project")
        project = policy.project if policy is not None else _project_by_code(user, code)
        category = _category(project, d.pop("category"))
        return services.policy_save(actor=user, policy=policy, project=project, category=category, **d)

    @extend_schema(responses={200: VisitPolicySerializer(many=True), 403: ERRORS[403]})
    def list(self, request: Request) -> Response:
        """回访规则：各项目通用的和可管理项目的。最具体的规则生效（本项目优先于通用，分类优先于类型）。"""
        qs = selectors.policies_for(self._user()).order_by("project__code", "kind", "category_id", "pk")
        return Response(VisitPolicySerializer(qs, many=True).data)

    @extend_schema(responses={200: VisitPolicySerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(VisitPolicySerializer(self.get_object()).data)

    @extend_schema(request=VisitPolicyWriteSerializer, responses={201: VisitPolicySerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """新增回访规则（同一范围只能有一条）。"""
        return Response(VisitPolicySerializer(self._save(request, None)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VisitPolicyWriteSerializer, responses={200: VisitPolicySerializer, **ERRORS})
    def update(self, request: Request, pk: str) -> Response:
        """修改回访规则（整条提交；不能更换项目）。"""
        return Response(VisitPolicySerializer(self._save(request, self.get_object())).data)


class VisitScriptViewSet(viewsets.GenericViewSet):
    """回访标准用语, read and written by those who manage visits."""

    serializer_class = VisitScriptSerializer
    queryset = VisitScript.objects.none()
    pagination_class = None

    def _user(self) -> User:
        user = api_user(self.request)
        _require_any(user, Perm.MANAGE_VISITS)
        return user

    def get_object(self) -> VisitScript:
        script = selectors.scripts_for(self._user()).filter(pk=path_id(self.kwargs["pk"])).first()
        if script is None:
            raise NotFound("未找到该话术")
        return script

    def _save(self, request: Request, script: VisitScript | None) -> VisitScript:
        user = self._user()
        d = _valid(VisitScriptWriteSerializer, request.data)
        code = d.pop("project")
        project = script.project if script is not None else _project_by_code(user, code)
        return services.script_save(actor=user, script=script, project=project, **d)

    @extend_schema(responses={200: VisitScriptSerializer(many=True), 403: ERRORS[403]})
    def list(self, request: Request) -> Response:
        """回访标准用语：各项目通用的和可管理项目的。"""
        qs = selectors.scripts_for(self._user()).order_by("project__code", "purpose", "kind", "pk")
        return Response(VisitScriptSerializer(qs, many=True).data)

    @extend_schema(responses={200: VisitScriptSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(VisitScriptSerializer(self.get_object()).data)

    @extend_schema(request=VisitScriptWriteSerializer, responses={201: VisitScriptSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """新增话术；占位符须为可识别的名称。"""
        return Response(VisitScriptSerializer(self._save(request, None)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VisitScriptWriteSerializer, responses={200: VisitScriptSerializer, **ERRORS})
    def update(self, request: Request, pk: str) -> Response:
        """修改话术（整条提交；不能更换项目）。"""
        return Response(VisitScriptSerializer(self._save(request, self.get_object())).data)


# Customer ratings -----------------------------------------------------------------------------------------


class RatingViewSet(viewsets.GenericViewSet):
    serializer_class = CustomerRatingSerializer
    queryset = Case.objects.none()
    pagination_class = None

    @extend_schema(request=RatingCreateSerializer, responses={201: CustomerRatingSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """客户评价自己已办结的工单（每次办结评价一次）。仅客户账号可用；评价不满意的，回访人会收到提醒。"""
        user = api_user(request)
        if user.kind != User.Kind.CUSTOMER:
            raise Forbidden(MSG_CUSTOMERS_ONLY)
        d = _valid(RatingCreateSerializer, request.data)
        number = d.pop("case").strip().upper()
        case = Case.objects.filter(number=number, customer_id__in=services.customer_of(user)).first()
        if case is None:
            raise _unknown("case")
        rating = services.rating_submit(actor=user, case=case, **d)
        return Response(CustomerRatingSerializer(rating).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("return-visits", ReturnVisitViewSet, basename="return-visits")
    router.register("visit-plans", VisitPlanViewSet, basename="visit-plans")
    router.register("visit-policies", VisitPolicyViewSet, basename="visit-policies")
    router.register("visit-scripts", VisitScriptViewSet, basename="visit-scripts")
    router.register("ratings", RatingViewSet, basename="ratings")
