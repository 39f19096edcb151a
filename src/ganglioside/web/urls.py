"""Root URLs: pages, the API and its schema, health, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import health
from .common.errors import json_not_found, json_server_error

urlpatterns = [
    path("", include("ganglioside.web.analyses.urls_pages")),
    path("", include("ganglioside.web.methods.urls")),
    path("", include("ganglioside.web.studies.urls")),
    path("api/v1/", include("ganglioside.web.analyses.api.urls")),
    path("api/v1/", include("ganglioside.web.methods.api_urls")),
    path("api/v1/", include("ganglioside.web.studies.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the Content-Security-Policy
    # allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    # /metrics (Prometheus; bearer token, see ganglioside.web.ops.views).
    path("", include("ganglioside.web.ops.urls")),
    path("admin/", admin.site.urls),
]


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return json_server_error(request)
    from django.views.defaults import server_error

    return server_error(request)
