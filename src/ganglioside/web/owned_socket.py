"""The live-progress WebSocket of one object (an analysis, a study), for its owner only.

An anonymous connection is closed with :data:`CLOSE_NOT_SIGNED_IN` (4401); an object of someone
else, or an unknown id, with :data:`CLOSE_NOT_FOUND` (4404, the WebSocket's 404).  The socket
joins the object's channel group first and reads the state after, so that no event sent in
between is lost; on connect the owner gets the state (``type`` ``state``), and a message from
the client is answered with the state again, which lets a client poll over the same connection.
A subclass names the URL's id (:attr:`url_kwarg`), the group (:meth:`group_for`) and the state
(:meth:`state_for`), and has one handler per event type it forwards.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

CLOSE_NOT_FOUND = 4404
CLOSE_NOT_SIGNED_IN = 4401


class OwnedProgressConsumer(AsyncJsonWebsocketConsumer):
    """See the module."""

    #: The URL route's keyword holding the object's id.
    url_kwarg = ""
    group: str | None = None

    def group_for(self, object_id: int) -> str:
        """The channel group the object's events are sent to."""
        raise NotImplementedError

    def state_for(self, user: Any, object_id: int) -> dict[str, Any]:
        """The state message of the user's object (raises ``Http404`` when it is not theirs)."""
        raise NotImplementedError

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.group = self.group_for(self._object_id())
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await self._state()
        if state is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_json(state)

    def _object_id(self) -> int:
        return int(self.scope["url_route"]["kwargs"][self.url_kwarg])

    @database_sync_to_async
    def _state(self) -> dict[str, Any] | None:
        try:
            return self.state_for(self.scope["user"], self._object_id())
        except Http404:
            return None

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.group is None:
            return
        state = await self._state()
        if state is not None:
            await self.send_json(state)
