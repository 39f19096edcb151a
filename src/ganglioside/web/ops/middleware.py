"""HTTP middleware of the operations app.

``RequestLogMiddleware`` (first in ``MIDDLEWARE``): gives each request an id (``X-Request-ID``
in and out), writes one access line per request to the ``ganglioside.access`` logger, and
records the request duration metric.

``ContentSecurityPolicyMiddleware``: adds the ``Content-Security-Policy`` header of
``GANGLIOSIDE_CSP`` to responses that do not set their own.  Django 5.2 has no CSP support of
its own; the policy is one string in the settings so a deployment can tighten it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.functional import LazyObject

from . import metrics, request_id

access_log = logging.getLogger("ganglioside.access")

# Probes and scrapes every few seconds would drown the access log; they are logged at DEBUG.
_QUIET_PREFIXES = ("/health/", "/metrics", "/static/")


class RequestLogMiddleware:
    # Synchronous only: WhiteNoise, further in, is synchronous anyway, so under ASGI Django runs
    # this chain in a worker thread (with the request's context, hence the request id).
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = self._begin(request)
        try:
            return self.after(request, self.get_response(request))
        finally:
            request_id.deactivate(token)

    @staticmethod
    def _begin(request: HttpRequest) -> Any:
        rid = request_id.accept(request.headers.get(request_id.HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        request._ganglioside_started = time.perf_counter()  # type: ignore[attr-defined]
        return request_id.activate(rid)

    def after(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        elapsed = time.perf_counter() - request._ganglioside_started  # type: ignore[attr-defined]
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "<unmatched>"
        metrics.REQUEST_DURATION.labels(request.method, route, str(response.status_code)).observe(
            elapsed
        )
        response[request_id.HEADER] = request.request_id  # type: ignore[attr-defined]
        # Only a user the request already loaded (by a view, or by DRF, which sets request.user
        # itself): evaluating the lazy request.user here would cost a query for nothing.
        user = request.__dict__.get("user")
        if isinstance(user, LazyObject):
            user = getattr(request, "_cached_user", None)
        access_log.log(
            logging.DEBUG if request.path.startswith(_QUIET_PREFIXES) else logging.INFO,
            "%s %s %s %.1fms",
            request.method,
            request.get_full_path(),
            response.status_code,
            elapsed * 1000,
            extra={
                "request_id": request.request_id,  # type: ignore[attr-defined]
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "client": request.META.get("REMOTE_ADDR"),
            },
        )
        return response


class ContentSecurityPolicyMiddleware:
    """``Content-Security-Policy`` (``GANGLIOSIDE_CSP``) and ``Permissions-Policy``
    (``GANGLIOSIDE_PERMISSIONS_POLICY``) on every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        for header, setting in (
            ("Content-Security-Policy", "GANGLIOSIDE_CSP"),
            ("Permissions-Policy", "GANGLIOSIDE_PERMISSIONS_POLICY"),
        ):
            policy = getattr(settings, setting, "")
            if policy and header not in response:
                response[header] = policy
        return response


class RefuseNulQueryMiddleware:
    """400 for a query string holding a NUL character: no database stores NUL in text, and
    PostgreSQL refuses a query that compares with it (which would surface as a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                shown = key.replace("\x00", "\\x00")[:40]
                return JsonResponse(
                    {
                        "error": {
                            "code": "invalid",
                            "message": f"query parameter {shown!r} holds a NUL character",
                            "details": {},
                        }
                    },
                    status=400,
                )
        return self.get_response(request)


class OutageMiddleware:
    """503 with ``Retry-After`` instead of a 500 when Redis (the rate-limit counters, the broker
    or the channel layer) cannot be reached while a page or an API request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        from ganglioside.web.outages import OUTAGE_RETRY_AFTER, ServiceUnavailable, outage_errors

        if not isinstance(exception, (ServiceUnavailable, *outage_errors())):
            return None
        logging.getLogger(__name__).warning(
            "Redis unreachable: %s %s", request.method, request.path
        )
        message = "The service is briefly unavailable; try again in a little while."
        response: HttpResponseBase
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"error": {"code": "unavailable", "message": message, "details": {}}}, status=503
            )
        else:
            response = HttpResponse(
                f"<!doctype html><title>Unavailable</title><p>{message}</p>", status=503
            )
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
