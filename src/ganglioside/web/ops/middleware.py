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
from django.http import HttpRequest, HttpResponseBase
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
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = getattr(settings, "GANGLIOSIDE_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
