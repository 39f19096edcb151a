"""Where background work runs: a Celery worker, the thread pool of this process, or right here.

``GANGLIOSIDE_EXECUTOR`` chooses (by default ``celery`` when ``REDIS_URL`` is set, ``threads``
otherwise).  Work is named by its Celery task and handed an object id only; with Celery the
message names the task, so callers import no task module.  The analyses and the studies share
one bounded thread pool (``GANGLIOSIDE_THREADS``), which server shutdown stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

from ganglioside.web.celery import app

log = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def dispatch(task: str, object_id: int, run: Callable[[int], object]) -> str | None:
    """Start ``run(object_id)`` where the settings say.

    Returns
    -------
    str or None
        The id of the Celery task sent as ``task``, or ``None`` when the work runs in this
        process (in the thread pool, or at once with the ``inline`` executor).
    """
    mode = settings.GANGLIOSIDE_EXECUTOR
    if mode == "celery":
        return str(app.send_task(task, args=[object_id]).id)
    if mode == "threads":
        _thread_pool().submit(_in_thread, task, run, object_id)
    else:
        run(object_id)
    return None


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Bounded: at most GANGLIOSIDE_THREADS jobs run at once; the others wait in line.
            _pool = ThreadPoolExecutor(
                max_workers=settings.GANGLIOSIDE_THREADS, thread_name_prefix="ganglioside-run"
            )
        return _pool


def _in_thread(task: str, run: Callable[[int], object], object_id: int) -> None:
    close_old_connections()
    try:
        run(object_id)
    except Exception:
        log.exception("background job %s of %s failed", task.rsplit(".", 1)[-1], object_id)
    finally:
        # Each pool thread has its own connection; do not leave it open between jobs.
        connection.close()


def shutdown(wait: bool = True) -> None:
    """Stop the thread pool (tests and server shutdown); queued work stays in the database."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=wait, cancel_futures=True)
            _pool = None
