"""Where a queued analysis runs: a Celery worker, a thread of this process, or right here.

``GANGLIOSIDE_EXECUTOR`` chooses (by default ``celery`` when ``REDIS_URL`` is set, ``threads``
otherwise).  Every path runs the same service, :func:`.services.running.analysis_run`, with the
id only.  With Celery, the message names the task (:data:`RUN_ANALYSIS_TASK`, defined in
:mod:`.tasks`), so this module does not import the tasks, and nothing here writes to the
database: the submission service records the task id this returns.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

from ganglioside.web.celery import app

from .services.exports import exports_render
from .services.running import analysis_run

log = logging.getLogger(__name__)

# The Celery task that runs one analysis; its name is kept stable for queued messages.
RUN_ANALYSIS_TASK = "ganglioside.web.analyses.tasks.run_analysis"
# The Celery task that writes the export files of a succeeded analysis again.
RENDER_EXPORTS_TASK = "ganglioside.web.analyses.tasks.render_exports"

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def enqueue(analysis_id: int) -> str | None:
    """Start the run of ``analysis_id`` in the configured executor.

    Call it after the transaction that queued the analysis commits
    (``transaction.on_commit``), so the worker finds the row.

    Returns
    -------
    str or None
        The id of the Celery task, or ``None`` when the run happens in this process.
    """
    mode = settings.GANGLIOSIDE_EXECUTOR
    if mode == "celery":
        return str(app.send_task(RUN_ANALYSIS_TASK, args=[analysis_id]).id)
    if mode == "threads":
        _thread_pool().submit(_run_in_thread, analysis_id)
        return None
    analysis_run(analysis_id=analysis_id)
    return None


def enqueue_exports(analysis_id: int) -> None:
    """Have the export files of ``analysis_id`` written by the configured executor (a worker,
    a thread of this process, or right here with ``inline``)."""
    mode = settings.GANGLIOSIDE_EXECUTOR
    if mode == "celery":
        app.send_task(RENDER_EXPORTS_TASK, args=[analysis_id])
    elif mode == "threads":
        _thread_pool().submit(_in_thread, exports_render, analysis_id)
    else:
        exports_render(analysis_id=analysis_id)


def _in_thread(job: object, analysis_id: int) -> None:
    close_old_connections()
    try:
        job(analysis_id=analysis_id)  # type: ignore[operator]
    except Exception:
        log.exception("background job %s of analysis %s failed", job, analysis_id)
    finally:
        connection.close()


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
