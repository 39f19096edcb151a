"""Where a queued analysis runs: a Celery worker, a thread of this process, or right here.

``GANGLIOSIDE_EXECUTOR`` chooses (by default ``celery`` when ``REDIS_URL`` is set, ``threads``
otherwise).  Every path calls the same service, :func:`services.analysis_run`, with the id only.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

log = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def enqueue(analysis_id: int) -> Future | None:
    """Start the run of ``analysis_id`` in the configured executor.

    Call it after the transaction that queued the analysis commits
    (``transaction.on_commit``), so the worker finds the row.
    """
    mode = settings.GANGLIOSIDE_EXECUTOR
    if mode == "celery":
        from .models import Analysis
        from .tasks import run_analysis

        result = run_analysis.delay(analysis_id)
        Analysis.objects.filter(pk=analysis_id).update(task_id=result.id)
        return None
    if mode == "threads":
        return _thread_pool().submit(_run_in_thread, analysis_id)
    from .services import analysis_run

    analysis_run(analysis_id=analysis_id)
    return None


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Bounded: at most GANGLIOSIDE_THREADS analyses run at once; others wait in line.
            _pool = ThreadPoolExecutor(
                max_workers=settings.GANGLIOSIDE_THREADS, thread_name_prefix="ganglioside-run"
            )
        return _pool


def _run_in_thread(analysis_id: int) -> None:
    from .services import analysis_run

    close_old_connections()
    try:
        analysis_run(analysis_id=analysis_id)
    except Exception:
        log.exception("background run of analysis %s failed", analysis_id)
    finally:
        # Each pool thread has its own connection; do not leave it open between runs.
        connection.close()


def shutdown(wait: bool = True) -> None:
    """Stop the thread pool (tests and server shutdown)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=wait, cancel_futures=True)
            _pool = None
