"""WebSocket origin check and authentication by API token.

Browsers authenticate the WebSocket with their session cookie (``AuthMiddlewareStack``); API
clients send the same header as for HTTP, ``Authorization: Token <key>``.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings


class SiteOriginValidator(OriginValidator):
    """Refuse a browser connection from another site (cross-site WebSocket hijacking).

    A browser always sends ``Origin``; it must name one of ``ALLOWED_HOSTS`` or
    ``CSRF_TRUSTED_ORIGINS``.  A connection without ``Origin`` comes from a program, which
    cannot carry a victim's session cookie, so it is let through to authentication.
    """

    def __init__(self, application: Any) -> None:
        allowed = [*settings.ALLOWED_HOSTS, *settings.CSRF_TRUSTED_ORIGINS]
        if settings.DEBUG and not settings.ALLOWED_HOSTS:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed)

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    try:
        token = Token.objects.select_related("user").get(key=key)
    except Token.DoesNotExist:
        return None
    return token.user if token.user.is_active else None


class TokenAuthMiddleware(BaseMiddleware):
    """Set ``scope["user"]`` from an ``Authorization: Token`` header, when one is sent."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        header = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        if scheme.lower() == "token" and key.strip():
            user = await _user_for_token(key.strip())
            if user is not None:
                scope = {**scope, "user": user}
        return await super().__call__(scope, receive, send)
