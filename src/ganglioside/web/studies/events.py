"""Push a study's live progress to its channel-layer group.

Consumers of ``/ws/studies/<id>/`` join the group ``study_<id>``.  The services that run the
study (:mod:`.services.running`) send, from plain synchronous code (a Celery worker, a thread of
the server, a test), ``study.sample`` when a sample starts running, succeeds or fails, and
``study.status`` when the study itself changes state (combining, waiting, succeeded, failed).
The messages carry the same fields as the consumer's ``state`` message on connect.
"""

from __future__ import annotations

from typing import Any

from ganglioside.web.common.events import send_to_group

SAMPLE = "study.sample"
STATUS = "study.status"


def group_name(study_id: int) -> str:
    return f"study_{study_id}"


def publish(study_id: int, kind: str, fields: dict[str, Any]) -> None:
    """Send one event (``kind``: :data:`SAMPLE` or :data:`STATUS`); never raises."""
    send_to_group(group_name(study_id), {**fields, "type": kind, "study": study_id})
