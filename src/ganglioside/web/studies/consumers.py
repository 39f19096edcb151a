"""The live-progress WebSocket ``/ws/studies/<id>/``.

The rules of :mod:`ganglioside.web.owned_socket`: an anonymous connection is closed with 4401,
and a study of someone else (or an unknown id) with 4404, the WebSocket's 404. On connect the
owner gets the study's state with every sample (``type`` ``state``); then, as they happen,
``sample`` (a sample running, succeeded or failed, with its reason) and ``status`` (the study
combining, waiting on a failed sample, succeeded or failed). A message from the client is
answered with the state again.
"""

from __future__ import annotations

from typing import Any

from ganglioside.web.owned_socket import OwnedProgressConsumer

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


class StudyProgressConsumer(OwnedProgressConsumer):
    url_kwarg = "study_id"

    def group_for(self, object_id: int) -> str:
        return group_name(object_id)

    def state_for(self, user: Any, object_id: int) -> dict[str, Any]:
        return study_state(user, object_id)

    async def study_sample(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "sample"})

    async def study_status(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "status"})
