"""A download of an export: the stored file, or the worker asked to write it.

Kept apart from :mod:`.exports` because it sends work to the executor, which imports the run
service, which imports :mod:`.exports`.
"""

from __future__ import annotations

import time

from django.core.cache import cache

from .. import execution
from ..models import Analysis, Artifact
from .exports import AFTER_RUN_KINDS, ExportPending, analysis_export

#: Seconds a page's download waits for files being written (the API answers 409 at once).
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
            # Asked of the worker only when the run's own writing is not under way.
            if not _written_after_run(analysis, kind) and cache.add(
                f"exports-requested:{analysis.pk}", 1, timeout=60
            ):
                execution.enqueue_exports(analysis.pk)
                return analysis_export(analysis=analysis, kind=kind)
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.25)


def _written_after_run(analysis: Analysis, kind: str) -> bool:
    """``kind`` is one the worker writes after every run and the run finished within the last
    minute: that writing is under way.  Not so after a decision, which drops the files."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    finished, curated = analysis.finished_at, analysis.curated_at
    return bool(
        settings.GANGLIOSIDE_EXPORTS_AFTER_RUN
        and kind in AFTER_RUN_KINDS
        and finished is not None
        and (curated is None or curated < finished)
        and timezone.now() - finished < timedelta(seconds=60)
    )
