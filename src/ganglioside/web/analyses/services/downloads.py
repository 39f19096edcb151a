"""A download of an export: the stored file, or the worker asked to write it.

Kept apart from :mod:`.exports` because it sends work to the executor, which imports the run
service, which imports :mod:`.exports`.
"""

from __future__ import annotations

from django.core.cache import cache

from .. import execution
from ..models import Analysis, Artifact
from .exports import ExportPending, analysis_export


def analysis_download(*, analysis: Analysis, kind: str) -> Artifact:
    """The export ``kind`` of ``analysis``; when its file is missing, the worker is asked
    (once a minute at most) to write it and :class:`~.exports.ExportPending` is raised.

    With the ``inline`` executor (tests) the file is written right here and returned.
    """
    try:
        return analysis_export(analysis=analysis, kind=kind)
    except ExportPending:
        if not cache.add(f"exports-requested:{analysis.pk}", 1, timeout=60):
            raise
        execution.enqueue_exports(analysis.pk)
        return analysis_export(analysis=analysis, kind=kind)
