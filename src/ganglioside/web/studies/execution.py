"""Where a study's work runs: Celery workers, a thread pool of this process, or right here.

The same setting as for analyses (``GANGLIOSIDE_EXECUTOR``) chooses.  With Celery each sample
is a task of its own (:data:`RUN_SAMPLE_TASK`), sent all at once so that every worker takes
samples in parallel; the last sample to finish sends the study step (:data:`COMBINE_TASK`) —
the fan-in of a chord, decided in the database (see :mod:`.services.running`), so it needs no
result backend and works the same after a sample is re-run.  Messages name the tasks, so this
module imports no task and writes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

from ganglioside.web.celery import app

log = logging.getLogger(__name__)

RUN_SAMPLE_TASK = "ganglioside.web.studies.tasks.run_study_sample"
COMBINE_TASK = "ganglioside.web.studies.tasks.combine_study"

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def enqueue_samples(sample_ids: Sequence[int], run: Callable[[int], None]) -> dict[int, str]:
    """Start every sample's analysis; returns sample id → Celery task id (empty in-process).

    ``run`` is the service that analyses one sample (used by the in-process executors).
    """
    mode = settings.GANGLIOSIDE_EXECUTOR
    if mode == "celery":
        return {sid: str(app.send_task(RUN_SAMPLE_TASK, args=[sid]).id) for sid in sample_ids}
    for sid in sample_ids:
        if mode == "threads":
            _thread_pool().submit(_in_thread, run, sid)
        else:
            run(sid)
    return {}


def enqueue_combine(study_id: int, run: Callable[[int], None]) -> str | None:
    """Start the study step of ``study_id``; the Celery task id, or ``None`` in-process."""
    mode = settings.GANGLIOSIDE_EXECUTOR
    if mode == "celery":
        return str(app.send_task(COMBINE_TASK, args=[study_id]).id)
    if mode == "threads":
        _thread_pool().submit(_in_thread, run, study_id)
        return None
    run(study_id)
    return None


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=settings.GANGLIOSIDE_THREADS, thread_name_prefix="ganglioside-study"
            )
        return _pool


def _in_thread(run: Callable[[int], None], object_id: int) -> None:
    close_old_connections()
    try:
        run(object_id)
    except Exception:
        log.exception("background study work on %s failed", object_id)
    finally:
        connection.close()


def shutdown(wait: bool = True) -> None:
    """Stop the thread pool (tests and server shutdown)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=wait, cancel_futures=True)
            _pool = None
