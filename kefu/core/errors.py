"""Application errors raised by services; views and the API turn them into messages and responses."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the action. `message` is shown to users (Chinese)."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(ApplicationError):
    code = "invalid"
    status = 400


class Conflict(ApplicationError):
    """Illegal state change or a concurrent edit (someone else saved first)."""

    code = "conflict"
    status = 409


class NotFound(ApplicationError):
    """Missing, or not visible to the asker: the two look the same."""

    code = "not_found"
    status = 404


class Forbidden(ApplicationError):
    code = "forbidden"
    status = 403


def from_django_validation(exc: Any) -> ValidationFailed:
    """Turn a django.core.exceptions.ValidationError into our error."""
    if hasattr(exc, "message_dict"):
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(fields.values()))[0] if fields else "输入有误"
        return ValidationFailed(first, fields=fields)
    return ValidationFailed("；".join(str(m) for m in exc.messages))
