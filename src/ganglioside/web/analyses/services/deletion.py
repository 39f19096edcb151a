"""Deleting an analysis with its results, exports and input file."""

from __future__ import annotations

import logging
import os
from contextlib import suppress

from django.core.files.storage import Storage
from django.db import transaction

from ..models import Analysis

log = logging.getLogger(__name__)


def analysis_delete(*, analysis: Analysis) -> None:
    """Delete an analysis, its results and its input file.

    A run still going on notices at its end and drops its result.
    """
    storage, path = analysis.input_file.storage, analysis.input_file.name
    with transaction.atomic():
        analysis.delete()
        if path:
            transaction.on_commit(lambda: _delete_file(storage, path))


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
