"""``/metrics``: the Prometheus metrics, for the monitoring system only.

Not public: the request must carry ``Authorization: Bearer <GANGLIOSIDE_METRICS_TOKEN>``, and
with no token configured the endpoint does not exist (404).  nginx also refuses ``/metrics``
from outside (deploy/nginx), so Prometheus scrapes the application port on the private network.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from . import metrics as metrics_module


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "GANGLIOSIDE_METRICS_TOKEN", "") or ""
    if not token:
        raise Http404("metrics are disabled (GANGLIOSIDE_METRICS_TOKEN is not set)")
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    valid = hmac.compare_digest(offered.strip().encode(), token.encode())
    if scheme.lower() != "bearer" or not valid:
        response = HttpResponse("a valid bearer token is required\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_module.render(), content_type=CONTENT_TYPE_LATEST)
