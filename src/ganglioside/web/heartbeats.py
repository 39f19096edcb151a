"""Which worker holds which job, and transient database errors.

A running job (an analysis, a study's sample) names the process that runs it (``worker``:
host, process id, executor) and beats: a thread of that process stamps the row's
``heartbeat_at`` every ``GANGLIOSIDE_HEARTBEAT_EVERY`` seconds while the job runs, whatever
the analysis is doing.  A job is abandoned when its beat is older than
``GANGLIOSIDE_STALE_AFTER`` (a few beats), or when its process is gone from this machine; the
sweep and the claims use :func:`abandoned_filter`.  A task that meets a transient database
error (a dropped or terminated connection) closes the connection and is tried again after a
back-off (:func:`retry_delay`), instead of storing the error as the job's failure.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Model, Q
from django.utils import timezone

log = logging.getLogger(__name__)

#: Errors of the database connection that a new connection may not meet.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
#: Back-off of a task tried again after a transient error: 1, 2, 4 … seconds, at most this.
RETRY_DELAY_MAX = 16.0
#: Tries of a task after transient errors before it gives up (the sweep then takes over).
RETRY_MAX = 8


def worker_identity() -> str:
    """``host:pid:executor`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{settings.GANGLIOSIDE_EXECUTOR}"


def worker_is_dead(worker: str) -> bool:
    """True when ``worker`` names a process on this machine that no longer exists."""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def stale_before() -> datetime:
    """Jobs with no beat since this moment are abandoned."""
    return timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_STALE_AFTER)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_DB_ERRORS)


def retry_delay(tries: int) -> float:
    """Seconds before try ``tries + 1``: 1, 2, 4 … up to :data:`RETRY_DELAY_MAX`."""
    return float(min(2.0**tries, RETRY_DELAY_MAX))


def reset_connection() -> None:
    """Drop this thread's database connection: the next query opens a new one.  Left alone
    inside a transaction (the caller's to end: a task never runs in one; tests do)."""
    if connection.in_atomic_block:
        return
    try:
        connection.close()
    except Exception:
        log.debug("closing a broken database connection failed", exc_info=True)


def own_abandoned(worker: str) -> bool:
    """A job this very process holds but does not run: a Celery process runs one task at a
    time, so a task that finds its own name on a running job was stopped in it (a transient
    error, a retry) and may take it again."""
    return settings.GANGLIOSIDE_EXECUTOR == "celery" and worker == worker_identity()


def abandoned_filter(workers: list[str]) -> Q:
    """Running rows whose beat is stale, or whose worker (among ``workers``) is dead here or is
    this process abandoned (:func:`own_abandoned`)."""
    gone = [w for w in workers if w and (worker_is_dead(w) or own_abandoned(w))]
    cutoff = stale_before()
    # a row claimed before jobs beat: its start is its last sign of life
    never_beat = Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    return Q(heartbeat_at__lt=cutoff) | never_beat | Q(worker__in=gone)


@contextmanager
def beating(model: type[Model], pk: int, worker: str) -> Iterator[None]:
    """Stamp ``model`` row ``pk``'s ``heartbeat_at`` every ``GANGLIOSIDE_HEARTBEAT_EVERY``
    seconds while the block runs (as long as the row still names ``worker``)."""
    stop = threading.Event()
    every = float(settings.GANGLIOSIDE_HEARTBEAT_EVERY)

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    model.objects.filter(pk=pk, worker=worker).update(  # type: ignore[attr-defined]
                        heartbeat_at=timezone.now()
                    )
                except Exception:
                    log.debug("heartbeat of %s %s missed", model.__name__, pk, exc_info=True)
                    reset_connection()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def beat_fields(now: Any = None) -> dict[str, Any]:
    """The fields a claim sets: this worker, beating now."""
    return {"worker": worker_identity(), "heartbeat_at": now or timezone.now()}


def held_by_broker(task: str) -> set[int] | None:
    """The object ids of the ``task`` messages the broker holds: waiting in the queue, or
    delivered to a worker and not yet acknowledged (a job under way).  ``None`` when it cannot
    tell (no Celery, or Redis unreachable): then nothing should be sent again.

    The sweep sends a ``queued`` job again only when its message is in neither place (lost
    with a Redis that restarted without persistence): a job waiting its turn in a long queue is
    not sent twice.
    """
    if settings.GANGLIOSIDE_EXECUTOR != "celery":
        return None
    import redis

    try:
        client = redis.Redis.from_url(str(settings.CELERY_BROKER_URL), socket_timeout=3)
        waiting = client.lrange(settings.GANGLIOSIDE_QUEUE, 0, -1)
        delivered = [_first(m) for m in client.hvals("unacked")]
    except (redis.exceptions.RedisError, OSError, ValueError):  # ValueError: no Redis URL
        return None
    held: set[int] = set()
    for raw in [*waiting, *delivered]:
        object_id = _task_object(raw, task)
        if object_id is not None:
            held.add(object_id)
    return held


def _first(raw: bytes | str) -> bytes:
    """The message of an ``unacked`` entry (``[message, exchange, routing key]``)."""
    import json

    try:
        entry = json.loads(raw)
        return json.dumps(entry[0]).encode()
    except (ValueError, TypeError, IndexError, KeyError):
        return b""


def _task_object(raw: bytes | str, task: str) -> int | None:
    """The id argument of a Celery message of ``task`` (``None`` for another task)."""
    import base64
    import json

    try:
        message = json.loads(raw)
        if message.get("headers", {}).get("task") != task:
            return None
        args = json.loads(base64.b64decode(message["body"]))[0]
        return int(args[0])
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def run_task(task: Any, run: Any, object_id: int) -> None:
    """Run ``run(object_id)`` in the bound Celery ``task``; a transient database error closes
    the connection and sends the task again after :func:`retry_delay` (up to
    :data:`RETRY_MAX` times; after that the sweep takes the job back)."""
    try:
        run(object_id)
    except TRANSIENT_DB_ERRORS as exc:
        reset_connection()
        tries = int(task.request.retries or 0)
        log.warning(
            "task %s of %s: %s; tried again in %.0f s",
            task.name,
            object_id,
            exc,
            retry_delay(tries),
        )
        raise task.retry(exc=exc, countdown=retry_delay(tries), max_retries=RETRY_MAX) from exc


def run_in_thread(run: Any, object_id: int) -> None:
    """``run(object_id)`` in a thread of the server, tried again after a transient database
    error (the connection closed first), with the same back-off as a Celery task."""
    import time

    for tries in range(RETRY_MAX + 1):
        try:
            run(object_id)
            return
        except TRANSIENT_DB_ERRORS:
            reset_connection()
            if tries == RETRY_MAX:
                raise
            log.warning("background job of %s: database error; tried again", object_id)
            time.sleep(retry_delay(tries))
