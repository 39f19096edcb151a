"""Limits on password guessing, shared by every way to sign in: the sign-in page
(``/accounts/login/``), the admin's (``/admin/login/``) and the API token endpoint.

Failed attempts are counted per account (the user name, whatever its case) and per client
address, in the cache (Redis in production), by Django's ``user_login_failed`` signal, which
every one of those paths sends.  Once an account has ``GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES``
failures, or an address ``GANGLIOSIDE_SIGNIN_ADDRESS_FAILURES``, within
``GANGLIOSIDE_SIGNIN_COOLOFF`` seconds, a sign-in attempt for it is answered 429 with the
minutes to wait, before the password is even checked; the lock ends by itself after the
cool-off (the real user is never locked out for good), and a successful sign-in clears the
account's count.  When the cache is unreachable, sign-ins are answered 503 (fail closed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

log = logging.getLogger(__name__)

SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/", "/api/v1/auth/token/")


def _keys(request: HttpRequest | None, username: str) -> list[str]:
    keys = []
    if username:
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        keys.append(f"signin-fail:account:{digest}")
    if request is not None:
        keys.append(f"signin-fail:address:{request.META.get('REMOTE_ADDR', '')}")
    return keys


def _limits() -> dict[str, int]:
    return {
        "account": settings.GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES,
        "address": settings.GANGLIOSIDE_SIGNIN_ADDRESS_FAILURES,
    }


def blocked_for(request: HttpRequest, username: str) -> float | None:
    """Seconds until ``username`` or the request's address may try again; ``None`` if now."""
    limits = _limits()
    for key in _keys(request, username):
        counted = cache.get_many([key, f"{key}:since"])
        if counted.get(key, 0) >= limits[key.split(":")[1]]:
            since = counted.get(f"{key}:since", time.time())
            return max(since + settings.GANGLIOSIDE_SIGNIN_COOLOFF - time.time(), 1.0)
    return None


@receiver(user_login_failed)
def _count_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    """One more failure for the account and the address; the cool-off runs from the first."""
    cooloff = settings.GANGLIOSIDE_SIGNIN_COOLOFF
    for key in _keys(request, str(credentials.get("username") or "")):
        cache.add(f"{key}:since", time.time(), timeout=cooloff)
        cache.add(key, 0, timeout=cooloff)
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=cooloff)
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    log.warning("failed sign-in from %s", address)


@receiver(user_logged_in)
def _clear_account(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    for key in _keys(None, user.get_username()):
        cache.delete_many([key, f"{key}:since"])


def _username(request: HttpRequest) -> str:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return ""
        return str(data.get("username") or "") if isinstance(data, dict) else ""
    if request.path.startswith("/api/"):
        # The API reads JSON only: reading a form here would use up the body, and the token
        # view would then see no fields instead of answering 415 (unsupported media type).
        return ""
    return str(request.POST.get("username") or "")


class SignInLimitMiddleware:
    """Answers a sign-in attempt 429 while its account or address is cooling off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "POST" and request.path in SIGN_IN_PATHS:
            wait = blocked_for(request, _username(request))
            if wait is not None:
                return _too_many(request, wait)
        return self.get_response(request)


def _too_many(request: HttpRequest, wait: float) -> HttpResponseBase:
    minutes = math.ceil(wait / 60)
    message = (
        "Too many failed sign-in attempts for this account or from this address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
    response: HttpResponseBase
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "error": {
                    "code": "throttled",
                    "message": message,
                    "details": {"retry_after": int(wait)},
                }
            },
            status=429,
        )
    else:
        response = HttpResponse(
            "<!doctype html><title>Sign-in paused</title>"
            f'<p>{message}</p><p><a href="{request.path}">Back to sign-in</a></p>',
            status=429,
        )
    response["Retry-After"] = str(math.ceil(wait))
    return response
