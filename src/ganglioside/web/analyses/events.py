"""Push an analysis's progress and final status to its channel-layer group.

Consumers of ``/ws/analyses/<id>/`` join the group ``analysis_<id>``; the service that runs the
analysis calls :func:`publish` from plain synchronous code (a Celery worker, a background
thread, a test); :func:`ganglioside.web.common.events.send_to_group` sends it.
"""

from __future__ import annotations

from typing import Any

from ganglioside.web.common.events import send_to_group


def group_name(analysis_id: int) -> str:
    return f"analysis_{analysis_id}"


def publish(analysis_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` (a dict with a ``type`` such as ``analysis.progress``) to the group.

    Never raises: live progress is a convenience, the database holds the truth.
    """
    send_to_group(group_name(analysis_id), {**event, "analysis": analysis_id})
