"""The live-progress WebSocket ``/ws/analyses/<id>/``.

Only the owner may connect; anyone else (and any unknown id) is closed with code 4404, the
WebSocket's 404.  On connect the current state is sent; then every progress event and the final
status of the run, as JSON objects with a ``type`` of ``state``, ``progress`` or ``status``.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from . import selectors
from .events import group_name
from .models import Analysis
from .services.running import analysis_snapshot

CLOSE_NOT_FOUND = 4404
CLOSE_NOT_SIGNED_IN = 4401


def analysis_state(analysis: Analysis) -> dict[str, Any]:
    """The state message sent on connect (the same fields the API shows)."""
    return {"type": "state", "analysis": analysis.pk, **analysis_snapshot(analysis)}


class AnalysisProgressConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        analysis_id = self.scope["url_route"]["kwargs"]["analysis_id"]
        # Join first, then read the state: an event sent in between is not lost.
        self.group = group_name(int(analysis_id))
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await self._state(user, analysis_id)
        if state is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_json(state)

    @database_sync_to_async
    def _state(self, user: Any, analysis_id: str) -> dict[str, Any] | None:
        try:
            return analysis_state(selectors.analysis_get(user=user, analysis_id=analysis_id))
        except Http404:
            return None

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The socket only reports; a client message is answered with the current state, which
        # lets a client poll over the same connection.
        user = self.scope["user"]
        analysis_id = self.scope["url_route"]["kwargs"]["analysis_id"]
        state = await self._state(user, analysis_id)
        if state is not None:
            await self.send_json(state)

    async def analysis_progress(self, event: dict[str, Any]) -> None:
        await self.send_json({**_public(event), "type": "progress"})

    async def analysis_status(self, event: dict[str, Any]) -> None:
        await self.send_json({**_public(event), "type": "status"})


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "type"}
