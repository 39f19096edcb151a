"""Deleting an analysis with its results, exports and input file."""

from __future__ import annotations

import logging
import os
from contextlib import suppress

from django.conf import settings
from django.core.files.storage import Storage
from django.db import DatabaseError, connection, transaction

from ..models import Analysis

log = logging.getLogger(__name__)


class AnalysisBusy(Exception):
    """The analysis's results are being stored right now; deleting it must wait."""

    def __init__(self, seconds: float) -> None:
        self.retry_after = max(1, round(seconds))
        super().__init__(
            "the results of this analysis are being stored right now; "
            f"try deleting it again in {self.retry_after} s"
        )


def analysis_delete(*, analysis: Analysis) -> None:
    """Delete an analysis, its results, its exports and its input file.

    The analysis row is locked first: a worker storing the results holds that lock, so the
    delete waits for it up to ``GANGLIOSIDE_DELETE_WAIT`` seconds (PostgreSQL) and then
    raises :class:`AnalysisBusy` instead of racing the rows being stored.  A run still
    computing notices at its end that the analysis is gone and drops its result.

    Raises
    ------
    AnalysisBusy
        The results are still being stored after the wait.
    """
    storage, path = analysis.input_file.storage, analysis.input_file.name
    wait = float(settings.GANGLIOSIDE_DELETE_WAIT)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)", [f"{wait * 1000:.0f}ms"]
                )
        try:
            locked = Analysis.objects.select_for_update().filter(pk=analysis.pk).first()
        except DatabaseError as exc:  # lock_timeout: the worker still holds the row
            raise AnalysisBusy(wait) from exc
        if locked is None:
            return
        from .exports import export_files_delete

        folder = export_files_delete(analysis.pk, on_commit=True)
        locked.delete()
        if path:
            transaction.on_commit(lambda: _delete_file(storage, path))
        log.debug("analysis %s deleted (exports in %s)", analysis.pk, folder)


def _delete_file(storage: Storage, path: str) -> None:
    try:
        storage.delete(path)
        folder = os.path.dirname(path)
        # Uploads live in a folder of their own; remove it when it is empty.
        if folder and hasattr(storage, "path"):
            with suppress(OSError):
                os.rmdir(storage.path(folder))
    except Exception:
        log.warning("could not delete the input file %s", path, exc_info=True)
