"""Where a study's work runs: Celery workers, a thread pool of this process, or right here.

The same setting as for analyses (``GANGLIOSIDE_EXECUTOR``) chooses.  With Celery each sample
is a task of its own (:data:`RUN_SAMPLE_TASK`), sent all at once so that every worker takes
samples in parallel; the last sample to finish sends the study step (:data:`COMBINE_TASK`) —
the fan-in of a chord, decided in the database (see :mod:`.services.running`), so it needs no
result backend and works the same after a sample is re-run.  Messages name the tasks, so this
module imports no task and writes nothing.

Without a broker (the ``threads`` executor) a sample's service runs in the server's thread
pool, and hands the analysis itself, pure CPU work, to the server's process pool
(:func:`analyze`, see :func:`ganglioside.web.dispatch.compute`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ganglioside.studies.run import SampleResult, SampleTask
from ganglioside.web.dispatch import compute, dispatch

RUN_SAMPLE_TASK = "ganglioside.web.studies.tasks.study_sample_run"
COMBINE_TASK = "ganglioside.web.studies.tasks.study_combine"


def enqueue_samples(
    sample_ids: Sequence[int],
    run: Callable[[int], None],
    failed: Callable[[int, str], None] | None = None,
) -> dict[int, str]:
    """Start every sample's analysis; returns sample id → Celery task id (empty in-process).

    ``run`` is the service that analyses one sample, ``failed(sample_id, reason)`` the one
    that records that its job stopped on an error (used by the in-process executors).
    """
    sent = {sid: dispatch(RUN_SAMPLE_TASK, sid, run, failed) for sid in sample_ids}
    return {sid: task_id for sid, task_id in sent.items() if task_id is not None}


def enqueue_combine(
    study_id: int, run: Callable[[int], None], failed: Callable[[int, str], None] | None = None
) -> str | None:
    """Start the study step of ``study_id``; the Celery task id, or ``None`` in-process."""
    return dispatch(COMBINE_TASK, study_id, run, failed)


def analyze(
    analyze_sample: Callable[[SampleTask], SampleResult], tasks: Sequence[SampleTask]
) -> list[SampleResult]:
    """``analyze_sample`` of each task: in the server's process pool under the ``threads``
    executor, here otherwise (a Celery worker is a process already; ``inline`` is for tests).

    Raises
    ------
    ganglioside.web.dispatch.WorkStopped
        The server stopped before the work ran.
    """
    return compute(analyze_sample, tasks)
