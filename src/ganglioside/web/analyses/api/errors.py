"""One error shape for the whole API: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from ganglioside import ConfigError, InputError

from ...outages import ServiceUnavailable, outage_errors
from ..services.curation import CurationNotReady, DecisionError
from ..services.deletion import AnalysisBusy
from ..services.exports import ExportFailed, ExportNotReady, ExportPending, UnknownExportFormat

log = logging.getLogger(__name__)


class ErrorAnswer(NamedTuple):
    """The HTTP status and error code an exception of the services is answered with."""

    status: int
    code: str


#: The errors the services raise on purpose, each mapped here once (the pages use it too).
SERVICE_ERRORS: tuple[tuple[type[Exception], ErrorAnswer], ...] = (
    (InputError, ErrorAnswer(status.HTTP_400_BAD_REQUEST, "invalid_input")),
    (ConfigError, ErrorAnswer(status.HTTP_400_BAD_REQUEST, "invalid_parameters")),
    (UnknownExportFormat, ErrorAnswer(status.HTTP_404_NOT_FOUND, "not_found")),
    (ExportNotReady, ErrorAnswer(status.HTTP_409_CONFLICT, "not_ready")),
    (DecisionError, ErrorAnswer(status.HTTP_400_BAD_REQUEST, "invalid_decision")),
    (CurationNotReady, ErrorAnswer(status.HTTP_409_CONFLICT, "not_ready")),
    # A file being written is a job under way: 202, Retry-After and where to ask again.
    (ExportPending, ErrorAnswer(status.HTTP_202_ACCEPTED, "being_written")),
    # Writing it failed: the stored reason, until a POST asks for it again.
    (ExportFailed, ErrorAnswer(status.HTTP_422_UNPROCESSABLE_ENTITY, "export_failed")),
    (AnalysisBusy, ErrorAnswer(status.HTTP_409_CONFLICT, "busy")),
)


def service_error_answer(exc: Exception) -> ErrorAnswer | None:
    """How the web answers ``exc``; ``None`` for an exception that is not a service's error."""
    for kind, answer in SERVICE_ERRORS:
        if isinstance(exc, kind):
            return answer
    return None


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler answering every error in the one shape."""
    headers: dict[str, str] = {}
    answer = service_error_answer(exc)
    if answer is not None:
        return _service_error_response(exc, answer, context)
    if isinstance(exc, outage_errors()):
        log.warning("Redis unreachable in %s: %s", type(context.get("view")).__name__, exc)
        exc = ServiceUnavailable()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        log.error("unhandled error in %s", type(view).__name__, exc_info=exc)
        return Response(
            error_body("server_error", "an unexpected error occurred; it has been logged"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _first_message(exc.detail), exc.detail)
    elif isinstance(exc, exceptions.Throttled):
        body = error_body(
            "throttled",
            f"too many requests; try again in {int(wait or 1)} s",
            {"retry_after": int(wait or 1)},
        )
    else:
        code = exc.get_codes()
        body = error_body(code if isinstance(code, str) else exc.default_code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def _service_error_response(
    exc: Exception, answer: ErrorAnswer, context: dict[str, Any]
) -> Response:
    """A service's error in the one shape; a file being written also says where to poll."""
    headers: dict[str, str] = {}
    details = exc.to_dict() if isinstance(exc, InputError) else None
    retry = getattr(exc, "retry_after", None)
    if retry is not None:
        headers["Retry-After"] = str(retry)
    request = context.get("request")
    if isinstance(exc, ExportPending) and request is not None:
        headers["Location"] = request.build_absolute_uri()
        details = {"poll": headers["Location"], "retry_after": exc.retry_after}
    return Response(
        error_body(answer.code, str(exc), details), status=answer.status, headers=headers
    )


def _first_message(detail: Any, prefix: str = "") -> str:
    """The first validation message, prefixed with the field it is about."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            label = key if key != "non_field_errors" else ""
            return _first_message(value, f"{prefix}{label}: " if label else prefix)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], prefix)
    return f"{prefix}{detail}" if detail else "the request is not valid"


def json_not_found(request: Any, exception: Exception | None = None) -> JsonResponse:
    """404 for any URL under /api/ that matches nothing."""
    return JsonResponse(error_body("not_found", "no such URL"), status=404)


def json_server_error(request: Any) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", "an unexpected error occurred; it has been logged"), status=500
    )
