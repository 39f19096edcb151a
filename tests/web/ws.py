"""A WebSocket test client over asgiref's ApplicationCommunicator.

``channels.testing`` would do the same but imports Daphne (and Twisted) at package import; the
platform serves with uvicorn, so the tests do not pull in Daphne for this.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async


class WebsocketClient(ApplicationCommunicator):
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = 5) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] == "websocket.close":
            return False, answer.get("code")
        return True, answer.get("subprotocol")

    async def receive_json_from(self, timeout: float = 5) -> Any:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def send_json_to(self, content: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(content)})

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


@database_sync_to_async
def token_of(user: Any) -> str:
    """The user's API token (made on first use), fetched from async test code."""
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def socket_to(path: str, token: str | None = None, origin: str | None = None) -> WebsocketClient:
    """A client for the platform's ASGI application at ``path``, signed in with ``token`` and
    sent from ``origin`` when given."""
    from ganglioside.web.asgi import application

    headers = []
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketClient(application, path, headers)
