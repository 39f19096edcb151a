"""The live-progress WebSocket ``/ws/studies/<id>/``.

The same rules as the analyses' socket: an anonymous connection is closed with 4401, and a study
of someone else (or an unknown id) with 4404, the WebSocket's 404.  On connect the owner gets
the study's state with every sample (``type`` ``state``); then, as they happen, ``sample`` (a
sample running, succeeded or failed, with its reason) and ``status`` (the study combining,
waiting on a failed sample, succeeded or failed).  A message from the client is answered with
the state again.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from ganglioside.web.analyses.consumers import CLOSE_NOT_FOUND, CLOSE_NOT_SIGNED_IN

from . import selectors
from .events import group_name
from .services.running import sample_snapshot, study_snapshot


def study_state(user: Any, study_id: int) -> dict[str, Any]:
    """The state message: the study and each of its samples, in design order.

    Raises
    ------
    django.http.Http404
        The study does not exist or belongs to someone else.
    """
    study = selectors.study_get(user=user, study_id=study_id)
    samples = [sample_snapshot(row) for row in selectors.sample_list(study=study)]
    return {"type": "state", "study": study.pk, **study_snapshot(study), "samples": samples}


class StudyProgressConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        # Join first, then read the state: an event sent in between is not lost.
        self.group = group_name(self._study_id())
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await self._state()
        if state is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_json(state)

    def _study_id(self) -> int:
        return int(self.scope["url_route"]["kwargs"]["study_id"])

    @database_sync_to_async
    def _state(self) -> dict[str, Any] | None:
        try:
            return study_state(self.scope["user"], self._study_id())
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

    async def study_sample(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "sample"})

    async def study_status(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "status"})
