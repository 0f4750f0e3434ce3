"""The one response envelope: {code, message, success, content}, for successes and errors."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from hub.core.exceptions import Conflict, DomainError

logger = logging.getLogger(__name__)


def envelope(content: Any, *, code: int = 200, message: str = "ok") -> dict[str, Any]:
    return {"code": code, "message": message, "success": code < 400, "content": content}


def is_envelope(data: Any) -> bool:
    return isinstance(data, dict) and {"code", "message", "success", "content"} <= data.keys()


class EnvelopeRenderer(JSONRenderer):
    """Wraps every DRF response body in the envelope unless it is one already."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and not is_envelope(data):
            code = response.status_code
            data = envelope(data, code=code, message="ok" if code < 400 else "error")
        return super().render(data, accepted_media_type, renderer_context)


def _flatten_message(errors: Any, prefix: str = "") -> str:
    """First human-readable message, prefixed with the field path it belongs to."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key in ("non_field_errors", "detail"):
                path = prefix
            return _flatten_message(value, path)
    if isinstance(errors, list) and errors:
        for index, item in enumerate(errors):
            if item:
                nested = isinstance(item, dict | list)
                return _flatten_message(item, f"{prefix}[{index}]" if nested else prefix)
    text = str(errors)
    return f"{prefix}: {text}" if prefix else text


def _as_field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"detail": [detail]}


def _in_use(exc: ProtectedError | RestrictedError) -> Conflict:
    """409 naming what still refers to the object, instead of a 500 from on_delete=PROTECT."""
    blockers = list(
        getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or []
    )
    names = ", ".join(f"{b._meta.verbose_name} '{b}'" for b in blockers[:5])
    more = f" and {len(blockers) - 5} more" if len(blockers) > 5 else ""
    return Conflict(
        f"Cannot delete: it is still used by {names}{more}. Remove or reassign those first.",
        field="detail",
    )


def _request_limit(exc: Exception) -> exceptions.APIException:
    """Django's body limits (raised while DRF parses) as the 400/413 they mean."""
    error = exceptions.APIException({"body": [str(exc)]})
    error.status_code = 413 if isinstance(exc, RequestDataTooBig) else 400
    return error


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Maps DRF, Django and domain exceptions to 4xx envelopes naming the field."""
    extra = exc.extra if isinstance(exc, DomainError) else {}
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        exc = _request_limit(exc)
    elif isinstance(exc, OverflowError):
        # SQLite cannot bind an integer past 64 bits: an input number no field bounded.
        exc = exceptions.ValidationError(
            {"non_field_errors": ["A number in the request is out of the 64-bit range."]}
        )
    elif isinstance(exc, DomainError):
        exc = exc.as_api_exception()
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = _in_use(exc).as_api_exception()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            envelope(
                {"errors": {"detail": ["Internal server error."]}},
                code=500,
                message="Internal server error.",
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    errors = _as_field_errors(response.data)
    if isinstance(exc, exceptions.ParseError):
        errors = {"body": [str(exc.detail)]}
    message = _flatten_message(errors)
    errors = {**errors, **extra}
    response.data = envelope({"errors": errors}, code=response.status_code, message=message)
    return response
