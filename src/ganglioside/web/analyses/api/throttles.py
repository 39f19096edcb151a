"""Rate limits, read from ``settings.GANGLIOSIDE_RATES`` when a request comes in (so tests and
deployments can change them without restarting class definitions)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    scope: str  # each throttle names its entry of GANGLIOSIDE_RATES

    def get_rate(self) -> str:
        return settings.GANGLIOSIDE_RATES[self.scope]

    def get_cache_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiRateThrottle(_SettingsRateThrottle):
    """Every API request, per user (``GANGLIOSIDE_API_RATE``, default 10/s)."""

    scope = "api"


class UploadRateThrottle(_SettingsRateThrottle):
    """Requests that start an analysis, per user (``GANGLIOSIDE_UPLOAD_RATE``, default 2/min)."""

    scope = "uploads"


class AuthRateThrottle(_SettingsRateThrottle):
    """Token requests, per client address (``GANGLIOSIDE_AUTH_RATE``, default 10/min)."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
