"""OpenAPI schema post-processing: the error answers every operation can give, in their one documented shape.

Every API error is {"code", "message", "fields"} (kefu.core.api.exception_handler). drf-spectacular documents
only the answers a view's annotations name, so an operation without annotations looked as if it could only
succeed. `document_errors` (a drf-spectacular POSTPROCESSING_HOOK) adds, to every operation, the 4xx answers
the API framework itself gives, each with the `Error` schema:

- 403 everywhere: not logged in (session and token authentication both answer 403) or not allowed;
- 404 where the path names an object (missing and not visible look the same) or the list is paged
  (a page or cursor past the end);
- 400 where there is input to refuse: a request body, a query filter, or any write.

Answers an operation already documents keep their description and get the schema. And the `page` of a paged
list starts at 1 (`minimum: 1`; any page past the end is the 404 above). Checked by
kefu/core/tests/test_api_fuzz.py (schemathesis: every answer is documented and matches its schema).
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "错误：code 为错误码（如 invalid、not_found、permission_denied、conflict），"
    "message 为给用户看的说明，fields 为逐个字段的错误",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["code", "message", "fields"],
}
DESCRIPTIONS = {
    "400": "输入有误：{code, message, fields}",
    "403": "未登录或无权执行此操作",
    "404": "对象不存在或不可见，或页码超出范围",
}
PAGING = {"page", "cursor"}
NOT_FILTERS = {"page", "page_size", "cursor"}
METHODS = {"get", "put", "post", "delete", "patch"}


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {})
    components["schemas"] = dict(sorted({**components.get("schemas", {}), "Error": ERROR_SCHEMA}.items()))
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            params = operation.get("parameters", [])
            query = {p["name"] for p in params if p["in"] == "query"}
            for p in params:
                if p["in"] == "query" and p["name"] == "page" and p.get("schema", {}).get("type") == "integer":
                    p["schema"]["minimum"] = 1
            codes = ["403"]
            if any(p["in"] == "path" for p in params) or query & PAGING:
                codes.append("404")
            if method != "get" or "requestBody" in operation or query - NOT_FILTERS:
                codes.append("400")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            operation["responses"] = {
                code: {"content": _error_content(), **response}
                if code.startswith("4") and "content" not in response
                else response
                for code, response in sorted(responses.items())
            }
    return result
