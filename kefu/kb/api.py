"""/api/v1/faq/ (customers and staff: read and search) and /api/v1/canned-replies/ (staff).

Reads go through kb.selectors: a customer reads the published FAQ shared by all projects and of the
projects they live in; staff read their projects' and the shared ones. A canned reply is the caller's own
or shared with their projects; anything else answers 404. Writes go through kb.services.
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
from kefu.org.models import Project, User
from kefu.org.scope import is_staff_member, visible_projects
from kefu.portal.access import is_customer
from kefu.tickets.selectors import case_get
from kefu.visits.api import path_id

from . import placeholders, selectors, services
from .models import CannedReply, FaqArticle
from .serializers import (
    CannedFilterSerializer,
    CannedRenderSerializer,
    CannedReplySerializer,
    CannedWriteSerializer,
    FaqArticleSerializer,
    FaqFilterSerializer,
)

MSG_PROJECT = "项目不存在"
MSG_STAFF_ONLY = "仅员工可以使用常用回复"
MSG_CASE = "请填写工单号（case）"

ERRORS = {
    400: OpenApiResponse(description="输入有误：{code, message, fields}"),
    403: OpenApiResponse(description="无权执行此操作"),
    404: OpenApiResponse(description="不存在或不可见"),
}


def _valid(serializer_cls: Any, data: Any) -> dict[str, Any]:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _project_by_code(user: User, code: str) -> Project | None:
    if not code:
        return None
    project = visible_projects(user).filter(code=code).first()
    if project is None:
        raise ValidationFailed(MSG_PROJECT, fields={"project": [MSG_PROJECT]})
    return project


class FaqViewSet(viewsets.GenericViewSet):
    serializer_class = FaqArticleSerializer
    queryset = FaqArticle.objects.none()

    def get_queryset(self) -> QuerySet[FaqArticle]:
        if getattr(self, "swagger_fake_view", False):
            return FaqArticle.objects.none()
        user = api_user(self.request)
        d = _valid(FaqFilterSerializer, self.request.query_params)
        project = None if is_customer(user) else _project_by_code(user, d.get("project", ""))
        return selectors.faq_list(
            user=user, q=d.get("q", ""), category=d.get("category", ""), project=project, published=True
        )

    @extend_schema(parameters=[FaqFilterSerializer], responses={200: FaqArticleSerializer(many=True)})
    def list(self, request: Request) -> Response:
        """答客问：已发布的问题。客户：共用的和所住项目的；员工：共用的和所在项目的。有 q 时按相关度排序
        （问题 > 关键词 > 解答）。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(FaqArticleSerializer(page, many=True).data)

    @extend_schema(responses={200: FaqArticleSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """一个问题；客户阅读时计入阅读次数。"""
        user = api_user(request)
        article = selectors.faq_get(user=user, pk=path_id(pk))
        if not article.is_published:
            raise NotFound(selectors.MSG_FAQ_NOT_FOUND)
        if is_customer(user):
            services.faq_viewed(actor=user, article=article)
        return Response(FaqArticleSerializer(article).data)


class CannedReplyViewSet(viewsets.GenericViewSet):
    serializer_class = CannedReplySerializer
    queryset = CannedReply.objects.none()

    def _user(self) -> User:
        user = api_user(self.request)
        if not is_staff_member(user):
            raise Forbidden(MSG_STAFF_ONLY)
        return user

    def get_queryset(self) -> QuerySet[CannedReply]:
        if getattr(self, "swagger_fake_view", False):
            return CannedReply.objects.none()
        user = self._user()
        d = _valid(CannedFilterSerializer, self.request.query_params)
        number = (d.get("case") or "").strip().upper()
        if number:
            case = case_get(user=user, number=number)
            qs = selectors.canned_for_case(user=user, case=case)
            text = (d.get("q") or "").strip()
            return qs.filter(Q(title__icontains=text) | Q(body__icontains=text)) if text else qs
        return selectors.canned_list(user=user, q=d.get("q", ""))

    def get_object(self) -> CannedReply:
        return selectors.canned_get(user=self._user(), pk=path_id(self.kwargs["pk"]))

    @extend_schema(parameters=[CannedFilterSerializer], responses={200: CannedReplySerializer(many=True), **ERRORS})
    def list(self, request: Request) -> Response:
        """常用回复：我的个人回复，以及所在项目共用的和全部项目共用的。"""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CannedReplySerializer(page, many=True).data)

    @extend_schema(responses={200: CannedReplySerializer, **ERRORS})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(CannedReplySerializer(self.get_object()).data)

    @extend_schema(request=CannedWriteSerializer, responses={201: CannedReplySerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """新增回复：个人的（默认）或共用的（须有知识库维护权限）；无法识别的占位符会被拒绝。"""
        user = self._user()
        d = _valid(CannedWriteSerializer, request.data)
        scope = d["scope"]
        project = _project_by_code(user, d["project"]) if scope == "project" else None
        reply = services.canned_save(
            actor=user,
            personal=scope == "personal",
            project=project,
            title=d["title"],
            body=d["body"],
            sort=d["sort"],
        )
        return Response(CannedReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CannedWriteSerializer, responses={200: CannedReplySerializer, **ERRORS})
    def update(self, request: Request, pk: str) -> Response:
        """修改回复（整条提交；不能更换范围）。"""
        user = self._user()
        reply = self.get_object()
        d = _valid(CannedWriteSerializer, request.data)
        reply = services.canned_save(actor=user, reply=reply, title=d["title"], body=d["body"], sort=d["sort"])
        return Response(CannedReplySerializer(reply).data)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        services.canned_delete(actor=self._user(), reply=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("case", str, required=True, description="工单号")],
        responses={200: CannedRenderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="render")
    def rendered(self, request: Request, pk: str) -> Response:
        """按工单替换占位符后的回复内容（工单须在本人可见范围内，且回复适用于该工单的项目）。"""
        user = self._user()
        reply = self.get_object()
        number = (request.query_params.get("case") or "").strip().upper()[:30]
        if not number:
            raise ValidationFailed(MSG_CASE, fields={"case": [MSG_CASE]})
        case = case_get(user=user, number=number)
        if reply.project_id is not None and reply.project_id != case.project_id:
            raise NotFound(selectors.MSG_REPLY_NOT_FOUND)
        out = placeholders.render_for_case(reply.body, case, user)
        return Response({"id": reply.pk, "title": reply.title, "text": out.text, "missing": out.missing})


def register(router: BaseRouter) -> None:
    router.register("faq", FaqViewSet, basename="faq")
    router.register("canned-replies", CannedReplyViewSet, basename="canned-replies")
