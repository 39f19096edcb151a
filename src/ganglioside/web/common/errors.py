"""One error shape for every API: ``{"error": {"code", "message", "details"}}``.

The core's errors are answered here; each app adds the errors its services raise on purpose with
:func:`answer_service_errors` (from its ``AppConfig.ready``), so that this module imports none of
the apps.  The pages use the same mapping (:func:`service_error_answer`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from ganglioside import ConfigError, InputError

from ..outages import ServiceUnavailable, outage_errors

log = logging.getLogger(__name__)


class ErrorAnswer(NamedTuple):
    """The HTTP status and error code an exception of the services is answered with."""

    status: int
    code: str


#: The errors raised on purpose, each mapped once: the core's here, the apps' added at start-up.
SERVICE_ERRORS: list[tuple[type[Exception], ErrorAnswer]] = [
    (InputError, ErrorAnswer(status.HTTP_400_BAD_REQUEST, "invalid_input")),
    (ConfigError, ErrorAnswer(status.HTTP_400_BAD_REQUEST, "invalid_parameters")),
]


def answer_service_errors(pairs: Iterable[tuple[type[Exception], ErrorAnswer]]) -> None:
    """Add an app's service errors to :data:`SERVICE_ERRORS` (once each)."""
    for pair in pairs:
        if pair not in SERVICE_ERRORS:
            SERVICE_ERRORS.append(pair)


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
    answer = service_error_answer(exc)
    if answer is not None:
        return _service_error_response(exc, answer, context)
    api_exc = _as_api_exception(exc, context)
    if api_exc is None:
        view = context.get("view")
        log.error("unhandled error in %s", type(view).__name__, exc_info=exc)
        return Response(
            error_body("server_error", "an unexpected error occurred; it has been logged"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return Response(_api_body(api_exc), status=api_exc.status_code, headers=_headers(api_exc))


def _as_api_exception(exc: Exception, context: dict[str, Any]) -> exceptions.APIException | None:
    """``exc`` as DRF's exception (Redis out of reach is a 503); ``None`` for a defect."""
    if isinstance(exc, outage_errors()):
        log.warning("Redis unreachable in %s: %s", type(context.get("view")).__name__, exc)
        return ServiceUnavailable()
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc if isinstance(exc, exceptions.APIException) else None


def _headers(exc: exceptions.APIException) -> dict[str, str]:
    """``WWW-Authenticate`` and ``Retry-After`` when the exception has them."""
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    return headers


def _api_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return error_body("invalid", _first_message(exc.detail), exc.detail)
    if isinstance(exc, exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        return error_body(
            "throttled", f"too many requests; try again in {wait} s", {"retry_after": wait}
        )
    code = exc.get_codes()
    return error_body(code if isinstance(code, str) else exc.default_code, str(exc.detail))


def _service_error_response(
    exc: Exception, answer: ErrorAnswer, context: dict[str, Any]
) -> Response:
    """A service's error in the one shape; a job under way (202) also says where to poll."""
    headers: dict[str, str] = {}
    details = exc.to_dict() if isinstance(exc, InputError) else None
    retry = getattr(exc, "retry_after", None)
    if retry is not None:
        headers["Retry-After"] = str(retry)
    request = context.get("request")
    if answer.status == status.HTTP_202_ACCEPTED and request is not None:
        headers["Location"] = request.build_absolute_uri()
        details = {"poll": headers["Location"], "retry_after": retry}
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
