"""A download of an export: the stored file, or the worker asked to write it.

Kept apart from :mod:`.exports` because it sends work to the executor, which imports the run
service, which imports :mod:`.exports`.
"""

from __future__ import annotations

import time

from django.core.cache import cache

from .. import execution
from ..models import Analysis, Artifact, ArtifactKind
from .exports import (
    ExportPending,
    UnknownExportFormat,
    analysis_export,
    export_failure_clear,
)

#: Seconds a page's download waits for files being written (the API answers 202 at once).
PAGE_WAIT_SECONDS = 15.0


def analysis_download(*, analysis: Analysis, kind: str, wait: float = 0.0) -> Artifact:
    """The export ``kind`` of ``analysis``; when its file is missing, the worker is asked
    (once a minute at most) to write it and :class:`~.exports.ExportPending` is raised.

    ``wait``: seconds to wait for the file first (a click on a download link right after the
    run finished, while the worker writes the files, gets the file a moment later rather than
    a message).  With the ``inline`` executor (tests) the file is written right here.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            return analysis_export(analysis=analysis, kind=kind)
        except ExportPending:
            # The light exports exist once the run succeeded: a file missing now was dropped
            # by a decision, lost, or is the PDF never asked for.  The worker is asked once.
            if cache.add(f"exports-requested:{analysis.pk}", 1, timeout=60):
                execution.enqueue_exports(analysis.pk)
            elif time.monotonic() >= deadline:
                raise
            else:
                time.sleep(0.25)
            # the worker may have written the file, or recorded that writing it failed
            analysis.refresh_from_db(fields=["export_failures"])
            if time.monotonic() >= deadline:
                return analysis_export(analysis=analysis, kind=kind)


def analysis_export_again(*, analysis: Analysis, kind: str, wait: float = 0.0) -> Artifact:
    """Forget that writing ``kind`` failed and have it written again (as :func:`analysis_download`
    does for a missing file: the file at once when the executor is inline, else ExportPending)."""
    if kind not in ArtifactKind.values:
        raise UnknownExportFormat(kind)
    export_failure_clear(analysis=analysis, kind=kind)
    cache.delete(f"exports-requested:{analysis.pk}")
    return analysis_download(analysis=analysis, kind=kind, wait=wait)
