"""ASGI entry point: HTTP (Django) and the WebSocket (Channels) in one application.

WebSocket connections pass the origin check (``ALLOWED_HOSTS``), then session authentication,
then token authentication, then the URL router (``/ws/analyses/<id>/``, ``/ws/studies/<id>/``).
"""

from __future__ import annotations

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganglioside.web.settings")

# Django must be set up before the consumers (which import models) are imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from ganglioside.web.analyses.routing import websocket_urlpatterns as analyses_sockets  # noqa: E402
from ganglioside.web.common.events import remember_server_loop  # noqa: E402
from ganglioside.web.studies.routing import websocket_urlpatterns as studies_sockets  # noqa: E402
from ganglioside.web.ws_auth import SiteOriginValidator, TokenAuthMiddleware  # noqa: E402

websocket_urlpatterns = [*analyses_sockets, *studies_sockets]

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginValidator(
            AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)


async def application(scope, receive, send):
    # Background threads hand their progress events to this loop (see analyses.events).
    remember_server_loop(asyncio.get_running_loop())
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return None
    return await router(scope, receive, send)


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            from asgiref.sync import sync_to_async

            from ganglioside.web.dispatch import shutdown

            # Waiting analyses and study samples stay queued in the database; the next start
            # picks them up.
            await sync_to_async(shutdown, thread_sensitive=False)(wait=False)
            await send({"type": "lifespan.shutdown.complete"})
            return
