"""Where a queued analysis runs: a Celery worker, a thread of this process, or right here.

``GANGLIOSIDE_EXECUTOR`` chooses (see :mod:`ganglioside.web.dispatch`).  Every path runs the
same service, :func:`.services.running.analysis_run`, with the
id only.  With Celery, the message names the task (:data:`RUN_ANALYSIS_TASK`, defined in
:mod:`.tasks`), so this module does not import the tasks, and nothing here writes to the
database: the submission service records the task id this returns.
"""

from __future__ import annotations

from ganglioside.web.dispatch import dispatch, shutdown

from .services.exports import exports_render
from .services.running import analysis_fail_stopped, analysis_run

__all__ = ["RENDER_EXPORTS_TASK", "RUN_ANALYSIS_TASK", "enqueue", "enqueue_exports", "shutdown"]

# The Celery task that runs one analysis; its name is kept stable for queued messages.
RUN_ANALYSIS_TASK = "ganglioside.web.analyses.tasks.analysis_run"
# The Celery task that writes the export files of a succeeded analysis again.
RENDER_EXPORTS_TASK = "ganglioside.web.analyses.tasks.exports_render"


def enqueue(analysis_id: int) -> str | None:
    """Start the run of ``analysis_id`` in the configured executor.

    Call it after the transaction that queued the analysis commits
    (``transaction.on_commit``), so the worker finds the row.

    Returns
    -------
    str or None
        The id of the Celery task, or ``None`` when the run happens in this process.
    """
    return dispatch(
        RUN_ANALYSIS_TASK,
        analysis_id,
        lambda i: analysis_run(analysis_id=i),
        lambda i, reason: analysis_fail_stopped(analysis_id=i, reason=reason),
    )


def enqueue_exports(analysis_id: int) -> None:
    """Have the export files of ``analysis_id`` written by the configured executor (a worker,
    a thread of this process, or right here with ``inline``)."""
    dispatch(RENDER_EXPORTS_TASK, analysis_id, lambda i: exports_render(analysis_id=i))
