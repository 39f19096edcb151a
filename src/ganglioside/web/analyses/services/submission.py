"""Submitting analyses: an upload or a re-run stored as a queued analysis, sent to the executor."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction

import ganglioside
from ganglioside import AnalysisConfig, InputError
from ganglioside.inputs.columns import map_columns
from ganglioside.inputs.files import ReadLimits, check_upload
from ganglioside.inputs.formats import read_export

from ... import outages
from .. import execution
from ..models import Analysis
from .inputs import as_local_file, renamed
from .persistence import clean_text, json_safe

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


def analysis_create(
    *,
    owner: User,
    file: File,
    name: str = "",
    parameters: Mapping[str, Any] | None = None,
    start: bool = True,
) -> Analysis:
    """Validate an uploaded table and its parameters, store them and queue the analysis.

    Parameters
    ----------
    owner:
        The user the analysis belongs to.
    file:
        The uploaded CSV, TSV or XLSX table; stored untouched.
    name:
        A label; the file name when empty.
    parameters:
        Values for :class:`ganglioside.AnalysisConfig`; missing ones take their defaults.
    start:
        Send the run to the executor when the transaction commits (``False``: the caller
        runs it with :func:`.running.analysis_run`).

    Returns
    -------
    Analysis
        The stored analysis, status ``queued``; its run starts when the transaction commits.

    Raises
    ------
    ganglioside.ConfigError
        A parameter is unknown or out of range.
    ganglioside.InputError
        The table cannot be analysed (format, encoding, columns, size); nothing is stored.
        Only cheap checks run here (the zip directory of a workbook, the header and the first
        rows of a text table); the table is read in the worker.
    """
    config = AnalysisConfig.from_mapping(dict(parameters or {}))
    filename = clean_text(PurePath(getattr(file, "name", "") or "input").name) or "input"
    content = _read_upload(file, filename)
    _check_table(content, filename)
    return _store_new_analysis(
        owner=owner, filename=filename, content=content, name=name, config=config, start=start
    )


def analysis_rerun(
    *,
    analysis: Analysis,
    changes: Mapping[str, Any] | None = None,
    name: str = "",
) -> Analysis:
    """Queue a new analysis of the same input file with some parameters changed.

    The original analysis is left as it is; the new one starts from its parameters with
    ``changes`` applied.

    Raises
    ------
    ganglioside.ConfigError
        A changed parameter is unknown or out of range.
    """
    base = AnalysisConfig.from_mapping(analysis.parameters or {})
    config = base.replace(**dict(changes or {})) if changes else base
    with analysis.input_file.open("rb") as handle:
        content = handle.read()
    return _store_new_analysis(
        owner=analysis.owner,
        filename=analysis.input_filename,
        content=content,
        name=name or analysis.name,
        config=config,
    )


def analysis_send(*, analysis_id: int) -> bool:
    """Send a queued analysis to the executor; with Celery, record the id of its task.

    Call it after the transaction that queued the analysis commits
    (``transaction.on_commit``), so the worker finds the row.  When the broker cannot be
    reached the analysis stays queued without a task id, and the sweep
    (:func:`.recovery.analyses_sweep_stuck`, every ``GANGLIOSIDE_SWEEP_EVERY`` seconds) sends
    it again once ``GANGLIOSIDE_RESEND_AFTER`` seconds have passed; ``False`` then.
    """
    try:
        task_id = execution.enqueue(analysis_id)
    except outages.outage_errors() as exc:
        log.warning(
            "analysis %s: the broker is unreachable (%s); the sweep sends it", analysis_id, exc
        )
        return False
    if task_id is not None:
        Analysis.objects.filter(pk=analysis_id).update(task_id=task_id)
    return True


def _store_new_analysis(
    *,
    owner: User,
    filename: str,
    content: bytes,
    name: str,
    config: AnalysisConfig,
    start: bool = True,
) -> Analysis:
    name = clean_text(name)
    analysis = Analysis(
        owner=owner,
        name=(name or filename).strip()[:200] or filename,
        parameters=json_safe(config.to_dict()),
        software_version=ganglioside.__version__,
        input_filename=filename[:255],
        input_size=len(content),
        input_sha256=hashlib.sha256(content).hexdigest(),
    )
    with transaction.atomic():
        analysis.input_file.save(filename, ContentFile(content), save=False)
        try:
            analysis.save()
        except Exception:
            analysis.input_file.delete(save=False)
            raise
        if start:
            transaction.on_commit(lambda: analysis_send(analysis_id=analysis.pk))
    return analysis


def _read_upload(file: File, filename: str) -> bytes:
    limit_mb = settings.GANGLIOSIDE_MAX_UPLOAD_MB
    limit = int(limit_mb * 1024 * 1024)
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise InputError(
            f"the file is {size / 1024 / 1024:.1f} MB; the largest accepted is {limit_mb:g} MB",
            file=filename,
        )
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(limit + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > limit:
        raise InputError(f"the file is larger than {limit_mb:g} MB", file=filename)
    if not content:
        raise InputError("the file is empty; expected a CSV, TSV or XLSX table", file=filename)
    return content


def _check_table(content: bytes, filename: str) -> None:
    """The cheap checks of the core's reader (:func:`~ganglioside.inputs.files.check_upload`),
    and the columns of a text table read from its first 256 KB as the worker will read it; the
    whole table is read by the worker."""
    try:
        head = check_upload(content, filename, limits=ReadLimits.from_environ())
        if head is not None:
            with as_local_file(head, filename) as path:
                map_columns(read_export(path).table())
    except InputError as exc:
        raise renamed(exc, filename) from None
