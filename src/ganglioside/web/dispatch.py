"""Where background work runs: a Celery worker, the thread pool of this process, or right here.

``GANGLIOSIDE_EXECUTOR`` chooses (by default ``celery`` when ``REDIS_URL`` is set, ``threads``
otherwise).  Work is named by its Celery task and handed an object id only; with Celery the
message names the task, so callers import no task module.  The analyses and the studies share
one bounded thread pool (``GANGLIOSIDE_THREADS``), which server shutdown stops.

Under the ``threads`` executor, a job of the thread pool may hand pure CPU work to
:func:`compute`, which runs it in a pool of processes of this server
(``GANGLIOSIDE_PROCESSES``, one per CPU by default; the GIL makes threads run Python one at a
time).  The pool is created on first use and stopped with the thread pool (its processes
ended at once when the server stops).  Its processes are forked from a fork server
(``forkserver``), a small process started clean, not from this one: a fork of the server would
copy its threads' locks and its open database connections.  Each process loads the analysis
once, as it starts.  With Celery each worker already is a process, and the ``inline`` executor
(tests) stays in this one: there :func:`compute` calls the function here.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections, connection

from ganglioside.web.celery import app

log = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_processes: ProcessPoolExecutor | None = None
_processes_lock = threading.Lock()
#: Pools stopped by :func:`shutdown`: a process of theirs that ended was ended on purpose.
_stopped: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()

_jobs: set[Future[None]] = set()  # the thread pool's jobs not yet done
_jobs_lock = threading.Lock()

#: Seconds a stopping server gives its jobs to record that their work was stopped.
STOP_GRACE_SECONDS = 5.0

#: What the fork server imports once, before it forks the pool's processes.
PROCESS_PRELOAD = ["ganglioside.studies.run"]

Argument = TypeVar("Argument")
Result = TypeVar("Result")


class WorkStopped(Exception):
    """The server is stopping: work handed to :func:`compute` was cancelled before it ran."""


def dispatch(
    task: str,
    object_id: int,
    run: Callable[[int], object],
    failed: Callable[[int, str], object] | None = None,
) -> str | None:
    """Start ``run(object_id)`` where the settings say.

    In the thread pool, a job that raises (a database error its service could not record,
    say) is logged and ``failed(object_id, reason)`` records its failure, so that nothing
    stays ``running``; with Celery the tasks and the sweep of stuck work do that.

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
        job = _thread_pool().submit(_in_thread, task, run, object_id, failed)
        with _jobs_lock:
            _jobs.add(job)
        job.add_done_callback(_job_done)
    else:
        run(object_id)
    return None


def _job_done(job: Future[None]) -> None:
    with _jobs_lock:
        _jobs.discard(job)


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Bounded: at most GANGLIOSIDE_THREADS jobs run at once; the others wait in line.
            _pool = ThreadPoolExecutor(
                max_workers=settings.GANGLIOSIDE_THREADS, thread_name_prefix="ganglioside-run"
            )
        return _pool


def _in_thread(
    task: str,
    run: Callable[[int], object],
    object_id: int,
    failed: Callable[[int, str], object] | None,
) -> None:
    from . import heartbeats

    close_old_connections()
    try:
        heartbeats.run_in_thread(run, object_id)
    except Exception as exc:
        log.exception("background job %s of %s failed", task.rsplit(".", 1)[-1], object_id)
        if failed is not None:
            _record_failure(failed, object_id, exc)
    finally:
        # Each pool thread has its own connection; do not leave it open between jobs.
        connection.close()


def failure_reason(exc: BaseException) -> str:
    """The reason a job stopped, as its failed object shows it."""
    return f"the background job stopped on an unexpected error ({type(exc).__name__}: {exc})"


def _record_failure(failed: Callable[[int, str], object], object_id: int, exc: Exception) -> None:
    """``failed(object_id, reason)`` on a fresh connection (the job's may be broken)."""
    connection.close()
    try:
        failed(object_id, failure_reason(exc)[:2000])
    except Exception:
        log.exception("could not record the failure of %s", object_id)


def compute(function: Callable[[Argument], Result], arguments: Sequence[Argument]) -> list[Result]:
    """``[function(a) for a in arguments]``, in the process pool when there is one.

    ``function`` and the arguments must be picklable (a module's function and plain data) and
    ``function`` pure: it runs in another process, which writes nothing to the database.
    Without a process pool (Celery, ``inline``, ``GANGLIOSIDE_PROCESSES=0``) it runs here.

    Raises
    ------
    WorkStopped
        The pool was stopped (server shutdown) before the work ran.
    concurrent.futures.process.BrokenProcessPool
        A process of the pool died (killed, out of memory); the next call starts a new pool.
    """
    pool = _process_pool()
    if pool is None:
        return [function(a) for a in arguments]
    try:
        futures = [pool.submit(function, a) for a in arguments]
        return [f.result() for f in futures]
    except CancelledError as exc:
        raise WorkStopped("the server is stopping") from exc
    except BrokenProcessPool as exc:
        if pool in _stopped:  # its processes were ended with the server
            raise WorkStopped("the server is stopping") from exc
        _forget_broken(pool)
        raise
    except RuntimeError as exc:  # submitted after shutdown
        if pool in _stopped:
            raise WorkStopped("the server is stopping") from exc
        raise


def process_pool_pids() -> frozenset[int]:
    """The process ids of the process pool's workers (empty when it is not running)."""
    with _processes_lock:
        if _processes is None:
            return frozenset()
        workers = _processes._processes or {}  # the executor's own table of its processes
        return frozenset(p.pid for p in workers.values() if p.pid)


def _process_pool() -> ProcessPoolExecutor | None:
    global _processes
    size = settings.GANGLIOSIDE_PROCESSES
    if settings.GANGLIOSIDE_EXECUTOR != "threads" or size < 1:
        return None
    with _processes_lock:
        if _processes is None:
            from ganglioside.studies.run import warm_up

            _processes = ProcessPoolExecutor(
                max_workers=size, mp_context=_clean_start(), initializer=warm_up
            )
        return _processes


def _clean_start() -> multiprocessing.context.BaseContext:
    """Processes started clean: from the fork server (the analysis imported once), or each
    started afresh where there is none (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # pragma: no cover - not on Linux
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PROCESS_PRELOAD)
    return context


def _forget_broken(pool: ProcessPoolExecutor) -> None:
    global _processes
    log.error("a process of the pool died; the next job starts a new pool")
    with _processes_lock:
        if _processes is pool:
            _processes = None
    pool.shutdown(wait=False, cancel_futures=True)


def _stop_processes(workers: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """End the pool's processes now: the server is stopping and may not live long enough to
    tell them (uvicorn ends with the signal it received, which skips the exit handlers), and an
    orphaned process would wait for work forever.  Their work is pure computation: nothing is
    lost, its sample goes back in the queue."""
    for process in workers:
        process.terminate()


def shutdown(wait: bool = True) -> None:
    """Stop the thread pool and the process pool (tests and server shutdown); queued work stays
    in the database.

    Work not started is cancelled (a thread waiting in :func:`compute` sees
    :class:`WorkStopped`).  With ``wait`` (tests) this returns once the running work has ended,
    and the next work starts new pools.  Without (the server stopping) the processes are ended
    at once, the jobs get up to :data:`STOP_GRACE_SECONDS` to record it, and any work handed to
    :func:`compute` later is refused.  The locks are not held while waiting, so a job ending
    meanwhile is not blocked.
    """
    global _pool, _processes
    with _pool_lock:
        threads = _pool
    with _processes_lock:
        processes = _processes
    if threads is not None:
        threads.shutdown(wait=False, cancel_futures=True)
    if processes is not None:
        _stopped.add(processes)
        workers = list((processes._processes or {}).values())  # forgotten by its shutdown
        processes.shutdown(wait=wait, cancel_futures=True)
        if not wait:
            _stop_processes(workers)
    if threads is not None and not wait:
        # The jobs whose work was stopped put their sample back in the queue (a moment's
        # work); a job analysing in its own thread (an analysis) is not waited for long.
        with _jobs_lock:
            running = list(_jobs)
        futures_wait(running, timeout=STOP_GRACE_SECONDS)
    if threads is not None and wait:
        threads.shutdown(wait=True)
    with _pool_lock:
        if _pool is threads:
            _pool = None
    with _processes_lock:
        # A stopping server keeps its stopped pool: work sent meanwhile is refused
        # (WorkStopped) instead of starting a new pool that nothing would stop.
        if _processes is processes and wait:
            _processes = None
