"""One JSON error shape for the whole API: ``{detail, code, errors: [...]}``.

Domain errors from the services (:class:`planning_hub.errors.DomainError`) carry their
status and errors list, so views never translate them and this module imports no app. Nothing
else leaks: unexpected exceptions are logged and answered with a plain 500 body.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from planning_hub.db_busy import DatabaseBusy, is_locked, retry_after_seconds
from planning_hub.errors import DomainError

logger = logging.getLogger("planning_hub.api")


class ApiError(exceptions.APIException):
    """An API error with an explicit code and optional ``errors`` list."""

    def __init__(self, detail, code, status_code=400, errors=None):
        super().__init__(detail, code)
        self.status_code = status_code
        self.code = code
        self.errors = errors or []


def exception_handler(exc, context):
    if isinstance(exc, DatabaseBusy) or is_locked(exc):
        return _busy(exc)
    if isinstance(exc, DomainError):
        return _body(str(exc), exc.code, exc.http_status, exc.errors())
    if isinstance(exc, ApiError):
        return _body(str(exc.detail), exc.code, exc.status_code, exc.errors)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("api_unhandled_error", exc_info=exc)
        return _body(
            "Internal server error.", "server_error", status.HTTP_500_INTERNAL_SERVER_ERROR
        )
    if isinstance(exc, exceptions.ValidationError):
        return _body("Invalid request.", "invalid", response.status_code, _flatten(exc.detail))
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    response.data = {
        "detail": str(detail),
        "code": code if isinstance(code, str) else "error",
        "errors": [],
    }
    return response


def _busy(exc) -> Response:
    """503 with ``Retry-After`` for SQLite's "database is locked" after the retries
    (``planning_hub.db_busy``): the client may simply send the request again."""
    busy = exc if isinstance(exc, DatabaseBusy) else DatabaseBusy(retry_after_seconds())
    response = _body(str(busy), busy.code, status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(busy.retry_after)
    return response


def _body(detail, code, status_code, errors=None):
    return Response({"detail": detail, "code": code, "errors": errors or []}, status=status_code)


def _flatten(detail, field=None) -> list[dict]:
    """DRF's nested validation detail → ``[{field, code, message}]``."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if field is None else f"{field}.{key}"
            out.extend(_flatten(value, None if key == "non_field_errors" else name))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out.extend(_flatten(item, field))
        return out
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]
