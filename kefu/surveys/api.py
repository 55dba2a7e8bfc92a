"""/api/v1/ satisfaction surveys and their questionnaires: scoped like the pages.

Reads go through surveys.selectors (out of scope → 404): project staff see the whole survey, a steward
the questionnaires and figures of their own zones. Writes go through surveys.services, which check the
permission and the survey's state (refused → 403 / 409). Customer accounts see and answer only their own
household's questionnaires.
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

from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.core.types import api_user
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access, visible_projects
from kefu.visits import services as visit_services
from kefu.visits.api import path_id

from . import selectors, services
from .models import Response as Questionnaire
from .models import Survey
from .serializers import (
    ResponseFilterSerializer,
    SurveyCreateSerializer,
    SurveyFiguresSerializer,
    SurveyFilterSerializer,
    SurveyOpenSerializer,
    SurveyResponseDetailSerializer,
    SurveyResponseSerializer,
    SurveySerializer,
    SurveySubmitSerializer,
    SurveyUpdateSerializer,
)

MSG_PROJECT = "项目不存在"
MSG_STAFF_LIST = "员工请通过 /api/v1/surveys/{id}/responses/ 查看答卷"

ERRORS = {
    400: OpenApiResponse(description="输入有误：{code, message, fields}"),
    403: OpenApiResponse(description="无权执行此操作"),
    404: OpenApiResponse(description="调查或答卷不存在或不可见"),
    409: OpenApiResponse(description="当前状态不允许（illegal_transition）或已被他人更新（stale）"),
}


def _valid(serializer_cls: Any, data: Any) -> dict[str, Any]:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _project_by_code(user: User, code: str | None) -> Project | None:
    if not code:
        return None
    project = visible_projects(user).filter(code=code).first()
    if project is None:
        raise ValidationFailed(MSG_PROJECT, fields={"project": [MSG_PROJECT]})
    return project


def _questions(items: list[dict[str, Any]] | None) -> list[services.QuestionSpec] | None:
    if items is None:
        return None
    return [services.QuestionSpec(i["kind"], i["text"], i["dimension"], i["required"]) for i in items]


def _is_customer(user: User) -> bool:
    return user.kind == User.Kind.CUSTOMER


def questionnaire_get(user: User, pk: int) -> Questionnaire:
    """A customer's own household's questionnaire, or one a staff member may see (selectors.responses_for)."""
    if _is_customer(user):
        found = Questionnaire.objects.filter(pk=pk, customer_id__in=visit_services.customer_of(user)).first()
    else:
        row = Questionnaire.objects.filter(pk=pk).select_related("survey").first()
        found = selectors.responses_for(user, row.survey).filter(pk=pk).first() if row is not None else None
    if found is None:
        raise NotFound("未找到该答卷")
    return found


def _questionnaire_out(response: Questionnaire) -> dict[str, Any]:
    fresh = (
        Questionnaire.objects.select_related("survey", "project", "zone", "building", "unit", "customer", "answered_by")
        .prefetch_related("answers")
        .get(pk=response.pk)
    )
    return dict(SurveyResponseDetailSerializer(fresh).data)


class SurveyViewSet(viewsets.GenericViewSet):
    serializer_class = SurveySerializer
    queryset = Survey.objects.none()

    def get_queryset(self) -> QuerySet[Survey]:
        if getattr(self, "swagger_fake_view", False):
            return Survey.objects.none()
        user = api_user(self.request)
        d = _valid(SurveyFilterSerializer, self.request.query_params)
        qs = selectors.surveys_for(user)
        project = _project_by_code(user, d.get("project"))
        if project is not None:
            qs = qs.filter(project=project)
        if d.get("status"):
            qs = qs.filter(status=d["status"])
        return qs.select_related("created_by").prefetch_related("questions").order_by("-period_start", "-pk")

    def get_object(self) -> Survey:
        survey = selectors.surveys_for(api_user(self.request)).filter(pk=path_id(self.kwargs["pk"])).first()
        if survey is None:
            raise NotFound("未找到该调查")
        return survey

    def _out(self, survey: Survey, code: int = status.HTTP_200_OK) -> Response:
        fresh = Survey.objects.select_related("project", "created_by").prefetch_related("questions").get(pk=survey.pk)
        return Response(SurveySerializer(fresh).data, status=code)

    @extend_schema(parameters=[SurveyFilterSerializer], responses={200: SurveySerializer(many=True), 400: ERRORS[400]})
    def list(self, request: Request) -> Response:
        """满意度调查（新的在前），含题目。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SurveySerializer(page, many=True).data)

    @extend_schema(responses={200: SurveySerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """一次调查及其题目。"""
        return self._out(self.get_object())

    @extend_schema(request=SurveyCreateSerializer, responses={201: SurveySerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """新建调查（草稿）。不填题目则使用标准问卷（分项评分、总体满意度、推荐意愿、意见建议）。"""
        user = api_user(request)
        if access(user, Perm.MANAGE_VISITS).is_empty:
            raise Forbidden(services.MSG_FORBIDDEN)
        d = _valid(SurveyCreateSerializer, request.data)
        project = _project_by_code(user, d.pop("project"))
        assert project is not None
        questions = _questions(d.pop("questions", None))
        survey = services.survey_create(actor=user, project=project, questions=questions, **d)
        return self._out(survey, status.HTTP_201_CREATED)

    @extend_schema(request=SurveyUpdateSerializer, responses={200: SurveySerializer, **ERRORS})
    def update(self, request: Request, pk: str) -> Response:
        """修改草稿（整条提交）；发布后不能再改。"""
        survey = self.get_object()
        d = _valid(SurveyUpdateSerializer, request.data)
        questions = _questions(d.pop("questions", None))
        return self._out(services.survey_update(actor=api_user(request), survey=survey, questions=questions, **d))

    @extend_schema(request=SurveyOpenSerializer, responses={200: SurveySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        """发布：按抽样方式选出住户（按楼栋分配，可由保存的种子复现），每户一份答卷。"""
        survey = self.get_object()
        d = _valid(SurveyOpenSerializer, request.data)
        return self._out(services.survey_open(actor=api_user(request), survey=survey, seed=d["seed"]))

    @extend_schema(request=None, responses={200: SurveySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """结束调查：不再接受作答。"""
        survey = self.get_object()
        return self._out(services.survey_close(actor=api_user(request), survey=survey))

    @extend_schema(responses={200: SurveyFiguresSerializer, 404: ERRORS[404]})
    @action(detail=True, methods=["get"], pagination_class=None)
    def figures(self, request: Request, pk: str) -> Response:
        """统计：回收率、满意率（4-5 分占比）、平均分，合计及按区域、楼栋、服务维度，以及 NPS。
        管家只统计自己负责区域的答卷。"""
        responses = selectors.responses_for(api_user(request), self.get_object())
        figures = {
            "overall": selectors.overall(responses),
            "by_zone": selectors.by_zone(responses),
            "by_building": selectors.by_building(responses),
            "by_dimension": selectors.by_dimension(responses),
            "nps": selectors.nps(responses),
        }
        return Response(SurveyFiguresSerializer(figures).data)

    @extend_schema(
        parameters=[ResponseFilterSerializer],
        responses={200: SurveyResponseSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"])
    def responses(self, request: Request, pk: str) -> Response:
        """答卷（每个抽样住户一份）。管家只看到自己负责区域的。"""
        survey = self.get_object()
        d = _valid(ResponseFilterSerializer, request.query_params)
        qs = selectors.responses_for(api_user(request), survey)
        if d.get("status"):
            qs = qs.filter(status=d["status"])
        for name in ("zone", "building"):
            if d.get(name) is not None:
                qs = qs.filter(**{f"{name}_id": d[name]})
        page = self.paginate_queryset(qs.select_related("survey", "project").order_by("unit__code", "pk"))
        return self.get_paginated_response(SurveyResponseSerializer(page, many=True).data)


class SurveyResponseViewSet(viewsets.GenericViewSet):
    """Questionnaires: a customer's own (list, answer), or any the staff member may see (by id)."""

    serializer_class = SurveyResponseDetailSerializer
    queryset = Questionnaire.objects.none()

    def get_object(self) -> Questionnaire:
        return questionnaire_get(api_user(self.request), path_id(self.kwargs["pk"]))

    @extend_schema(responses={200: SurveyResponseSerializer(many=True), 403: ERRORS[403]})
    def list(self, request: Request) -> Response:
        """客户：本户待填写的问卷（进行中的调查）。员工请用 /surveys/{id}/responses/。"""
        user = api_user(request)
        if not _is_customer(user):
            raise Forbidden(MSG_STAFF_LIST)
        qs = services.open_for_customer(user).select_related("project", "zone", "building", "unit", "customer")
        page = self.paginate_queryset(qs.order_by("pk"))
        return self.get_paginated_response(SurveyResponseSerializer(page, many=True).data)

    @extend_schema(responses={200: SurveyResponseDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """一份答卷：题目和已作答的答案。"""
        return Response(_questionnaire_out(self.get_object()))

    @extend_schema(request=SurveySubmitSerializer, responses={200: SurveyResponseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """提交答卷：answers 每题一项 {question, score} 或 {question, text}。先检查全部答案，有错则什么都不保存，
        错误按题目给出（fields 的键为 q{题目 id}）。总体满意度 1-2 分自动生成回访跟进任务。"""
        response = self.get_object()
        d = _valid(SurveySubmitSerializer, request.data)
        answers = {a["question"]: a["score"] if a["score"] is not None else a["text"] for a in d["answers"]}
        done = services.response_submit(
            actor=api_user(request), response=response, answers=answers, channel=d["channel"]
        )
        return Response(_questionnaire_out(done))

    @extend_schema(request=None, responses={200: SurveyResponseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """登记拒答（员工）。"""
        response = self.get_object()
        return Response(_questionnaire_out(services.response_decline(actor=api_user(request), response=response)))


def register(router: BaseRouter) -> None:
    router.register("surveys", SurveyViewSet, basename="surveys")
    router.register("survey-responses", SurveyResponseViewSet, basename="survey-responses")
