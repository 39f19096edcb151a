"""Rate limits, read from ``settings.GANGLIOSIDE_RATES`` when a request comes in (so tests and
deployments can change them without restarting class definitions).

Counting is atomic: one counter per client and fixed window, created with ``cache.add`` and
raised with ``cache.incr`` (Redis ``SET NX`` and ``INCR``), so simultaneous requests cannot all
read the same old count and pass together.

When the counters' store (Redis) cannot be reached, reads (GET, HEAD, OPTIONS) pass unlimited,
and anything else is answered 503 with ``Retry-After``: an upload or a sign-in is never let
through unlimited, while reading one's results keeps working during a Redis outage.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from ..outages import OUTAGE_RETRY_AFTER, ServiceUnavailable, outage_errors

__all__ = ["OUTAGE_RETRY_AFTER", "ServiceUnavailable", "outage_errors"]

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def window_count(key: str, duration: int) -> tuple[int, float]:
    """Count one more event under ``key`` in the current fixed window of ``duration`` seconds.

    Returns the count so far (this one included) and the seconds left in the window.
    """
    now = time.time()
    start = int(now // duration) * duration
    slot = f"{key}:{start}"
    cache.add(slot, 0, timeout=duration + 1)
    try:
        count = cache.incr(slot)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.add(slot, 1, timeout=duration + 1)
        count = 1
    return int(count), start + duration - now


def window_uncount(key: str, duration: int) -> None:
    """Take back one event counted by :func:`window_count` in the current window (a request
    that was counted and then refused, say a file found unreadable); never below zero."""
    start = int(time.time() // duration) * duration
    slot = f"{key}:{start}"
    try:
        if int(cache.decr(slot)) < 0:
            cache.set(slot, 0, timeout=duration + 1)
    except ValueError:  # the window ended meanwhile: nothing left to take back
        pass


class _SettingsRateThrottle(SimpleRateThrottle):
    scope: str  # each throttle names its entry of GANGLIOSIDE_RATES
    num_requests: int  # set by SimpleRateThrottle from the rate
    duration: int

    def get_rate(self) -> str:
        return settings.GANGLIOSIDE_RATES[self.scope]

    def get_cache_key(self, request: Any, view: Any) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            count, self._left = window_count(self.key, int(self.duration))
        except outage_errors():
            if request.method in SAFE_METHODS:
                log.warning(
                    "rate-limit store unreachable: %s %s let through", request.method, self.scope
                )
                return True
            raise ServiceUnavailable() from None
        return count <= int(self.num_requests)

    def wait(self) -> float:
        return max(getattr(self, "_left", 1.0), 1.0)

    def refund(self) -> None:
        """Take back the request :meth:`allow_request` counted (it was refused after all)."""
        key = getattr(self, "key", None)
        if self.rate is None or key is None:
            return
        try:
            window_uncount(key, int(self.duration))
        except outage_errors():
            log.warning("rate-limit store unreachable: a refused %s not taken back", self.scope)


class ApiRateThrottle(_SettingsRateThrottle):
    """Every API request, per user (``GANGLIOSIDE_API_RATE``, default 10/s)."""

    scope = "api"


def upload_limit_message(wait: float) -> str:
    """The pages' words for an upload over the limit."""
    return (
        f"You reached the upload limit ({settings.GANGLIOSIDE_RATES['uploads']}); "
        f"try again in {wait:.0f} s."
    )


class UploadRateThrottle(_SettingsRateThrottle):
    """Requests that start an analysis, per user (``GANGLIOSIDE_UPLOAD_RATE``, default 2/min)."""

    scope = "uploads"


class AuthRateThrottle(_SettingsRateThrottle):
    """Token requests, per client address (``GANGLIOSIDE_AUTH_RATE``, default 10/min)."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
