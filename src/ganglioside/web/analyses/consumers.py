"""The live-progress WebSocket ``/ws/analyses/<id>/``.

The rules of :mod:`ganglioside.web.owned_socket` (the owner only: 4401 anonymous, 4404 anyone
else).  On connect the current state is sent; then every progress event and the final status of
the run, as JSON objects with a ``type`` of ``state``, ``progress`` or ``status``.
"""

from __future__ import annotations

from typing import Any

from ganglioside.web.owned_socket import OwnedProgressConsumer

from . import selectors
from .events import group_name
from .models import Analysis
from .services.running import analysis_snapshot


def analysis_state(analysis: Analysis) -> dict[str, Any]:
    """The state message sent on connect (the same fields the API shows)."""
    return {"type": "state", "analysis": analysis.pk, **analysis_snapshot(analysis)}


class AnalysisProgressConsumer(OwnedProgressConsumer):
    url_kwarg = "analysis_id"

    def group_for(self, object_id: int) -> str:
        return group_name(object_id)

    def state_for(self, user: Any, object_id: int) -> dict[str, Any]:
        return analysis_state(selectors.analysis_get(user=user, analysis_id=object_id))

    async def analysis_progress(self, event: dict[str, Any]) -> None:
        await self.send_json({**_public(event), "type": "progress"})

    async def analysis_status(self, event: dict[str, Any]) -> None:
        await self.send_json({**_public(event), "type": "status"})


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "type"}
