"""Sending live events to a channel-layer group from plain synchronous code (a Celery worker, a
background thread of the server, a test); each app names its groups and events (the analyses'
:mod:`ganglioside.web.analyses.events`, the studies' :mod:`ganglioside.web.studies.events`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Record the event loop of the ASGI server (called by the ASGI application).

    The in-memory channel layer keeps asyncio queues that belong to the server's loop; a
    background thread must hand its messages to that loop instead of running a loop of its own.
    """
    global _server_loop
    _server_loop = loop


def send_to_group(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to a channel-layer group from synchronous code; never raises (the
    studies' live progress sends through it too)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = _server_loop
        if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
                future.result(timeout=5)
                return
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.warning("could not publish an event to %s", group, exc_info=True)
