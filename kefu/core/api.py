"""API plumbing shared by every app: one error shape, pagination, serializers whose fields are built once."""

from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, serializers, status
from rest_framework.fields import SkipField
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


class PrebuiltFieldsMixin:
    """Output the representation with fields built once per serializer class.

    DRF builds (and deep-copies) every field of a serializer for every instance it makes: for the case
    serializers that is more work than the rest of an intake request. The output is the same as DRF's
    `to_representation` (kefu/core/tests/test_api_prebuilt.py compares the two): each field's `get_attribute`
    and `to_representation`, None for a missing value, and method fields called on this instance, so they
    see this request's context. Only for read-only output serializers whose fields do not depend on the
    instance or context (no `get_fields` override).
    """

    _prebuilt: ClassVar[dict[type, list[tuple[str, Any, str | None]]]] = {}

    @classmethod
    def _plan(cls) -> list[tuple[str, Any, str | None]]:
        plan = PrebuiltFieldsMixin._prebuilt.get(cls)
        if plan is None:
            plan = []
            for name, field in cls().fields.items():  # type: ignore[attr-defined]
                if field.write_only:
                    continue
                method = field.method_name if isinstance(field, serializers.SerializerMethodField) else None
                plan.append((name, field, method))
            PrebuiltFieldsMixin._prebuilt[cls] = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field, method in self._plan():
            if method is not None:
                out[name] = getattr(self, method)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            out[name] = None if check is None else field.to_representation(attribute)
        return out


class DefaultPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class BigCursorPagination(CursorPagination):
    page_size = 25
    ordering = "-pk"


NOT_FOUND = {"code": "not_found", "message": "未找到", "fields": {}}
MSG_NUL = "输入含有不允许的字符（NUL）"


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(x) for x in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as {"code", "message", "fields"}; 404 for what the caller may not see."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DataError) and "NUL (0x00)" in str(exc):
        # PostgreSQL text cannot hold NUL; psycopg refuses it before sending the query (a search or filter
        # value from the query string). Bad input, not a server error.
        return Response({"code": "invalid", "message": MSG_NUL, "fields": {}}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()))[0] if fields else "输入有误"
        response.data = {"code": "invalid", "message": first, "fields": fields}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "message": str(exc.detail),
            "fields": {},
        }
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an /api/ address that matches no route (a malformed id or case number) answers in the API's
    error shape, like every other API error; pages keep Django's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
