"""The study's shared anchors, pooled once, by the first of its samples to run.

Before a sample is analysed its task asks for the study's shared anchors
(:mod:`ganglioside.studies.shared_model`): the first to ask reads every sample's table, pools
the anchors and stores them in :attr:`Study.shared_anchors`; the others wait and read what it
stored. They wait on the study row (``SELECT … FOR UPDATE``) where the database has row locks
(PostgreSQL: Celery workers on any machine); on SQLite (the embedded server: one process) on a
lock of this process, so that no write transaction is held while the tables are read. Nothing
needs a step of its own (a lost message or a stopped worker changes nothing: whichever sample
runs first pools them), and every sample, a re-run one too, takes the same anchors.
``{"pooled": false}`` is stored when the study has too few anchors to share (its samples then
keep to their own, and the study step lets the poor ones borrow).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connection, transaction

from ganglioside.errors import GangliosideError
from ganglioside.studies.shared_model import shared_calibration

from ..models import Study
from . import stored

log = logging.getLogger(__name__)


#: Pools one study at a time in this process (databases without row locks).
_POOLING = threading.Lock()


def shared_anchors_ensure(study_id: int) -> dict[str, Any]:
    """The study's shared anchors as stored, pooled now if no sample has pooled them yet."""
    found = Study.objects.filter(pk=study_id).values_list("shared_anchors", flat=True).first()
    if found:
        return dict(found)
    if connection.features.has_select_for_update:
        with transaction.atomic():
            return _pool_once(Study.objects.select_for_update().get(pk=study_id))
    with _POOLING:
        return _pool_once(Study.objects.get(pk=study_id))


def _pool_once(study: Study) -> dict[str, Any]:
    if study.shared_anchors:  # pooled while this one waited
        return dict(study.shared_anchors)
    pooled = _pooled(study)
    Study.objects.filter(pk=study.pk).update(shared_anchors=pooled)
    return pooled


def _pooled(study: Study) -> dict[str, Any]:
    config = stored.study_config(study)
    try:
        design = stored.study_design(study)
        shared = shared_calibration(stored.tasks_for(study, design), config)
    except GangliosideError as exc:  # a sample's own analysis will report what is wrong
        log.info("study %s: no shared anchors (%s)", study.pk, exc)
        shared = None
    if shared is None:
        return {"pooled": False}
    return {"pooled": True, **shared.to_dict()}
