"""Submitting analyses: an upload or a re-run stored as a queued analysis, sent to the executor."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction

import ganglioside
from ganglioside import AnalysisConfig, InputError
from ganglioside.inputs import files as input_files
from ganglioside.parameter_diff import changes_text, parameter_changes
from ganglioside.web.common.files import as_local_file
from ganglioside.web.common.json_safety import clean_text, json_safe

from ... import outages
from ...methods.models import AnalysisInput, Method
from ...methods.reading import SampleChoiceNeeded, UploadCheck, check_upload
from .. import execution
from ..models import Analysis
from . import curation
from .inputs import renamed

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
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
    method: Method | None = None,
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
    sample:
        The sample to analyse of an export with several.
    columns:
        An explicit column mapping (``{"name": …, "rt": …, "volume": …}``).
    method:
        A saved method: its parameters come first (``parameters`` override them) and its
        calibrants become anchors.

    Returns
    -------
    Analysis
        The stored analysis, status ``queued``; its run starts when the transaction commits.

    Raises
    ------
    ganglioside.ConfigError
        A parameter is unknown or out of range.
    ganglioside.InputError
        The table cannot be analysed (format, columns, size); nothing is stored.  An export
        with several samples and no ``sample`` raises ``SampleChoiceNeeded``, a table without
        recognised columns and no ``columns`` raises ``ColumnsNeeded`` (both in
        :mod:`ganglioside.web.methods.reading`, both ``InputError``).  Only cheap checks and
        the first rows of the file are read here (see :func:`_validate_table`); the whole
        table is read by the worker.
    """
    checked = upload_check(
        file=file, parameters=parameters, sample=sample, columns=columns, method=method
    )
    return analysis_create_checked(owner=owner, upload=checked, name=name, start=start)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose table and parameters passed the checks, ready to be stored."""

    filename: str
    content: bytes
    config: AnalysisConfig
    choice: AnalysisInput | None


def upload_check(
    *,
    file: File,
    parameters: Mapping[str, Any] | None = None,
    sample: str | None = None,
    columns: Mapping[str, str] | None = None,
    method: Method | None = None,
) -> CheckedUpload:
    """Check an uploaded table and its parameters without storing anything.

    Raises the errors of :func:`analysis_create`.
    """
    config = _config(parameters, method)
    filename = clean_text(PurePath(getattr(file, "name", "") or "input").name) or "input"
    content = _read_upload(file, filename)
    _validate_table(content, filename, max_rt=config.max_rt, sample=sample, columns=columns)
    return CheckedUpload(filename, content, config, _input_choice(sample, columns, method))


def analysis_create_checked(
    *, owner: User, upload: CheckedUpload, name: str = "", start: bool = True
) -> Analysis:
    """Store an upload that passed :func:`upload_check` and queue its analysis.

    The entry points check first and count the upload against the user's limit only once it
    is accepted, so a rejected file does not use up the limit.  Without ``name``, the analysis
    of one chosen sample of an export is named ``<file> · <sample>`` (as each analysis of
    :func:`analyses_create_per_sample`), so several of one file differ in the history.
    """
    sample = upload.choice.sample if upload.choice is not None else ""
    if not clean_text(name).strip() and sample:
        name = f"{upload.filename} · {sample}"
    return _store_new_analysis(
        owner=owner,
        filename=upload.filename,
        content=upload.content,
        name=name,
        config=upload.config,
        start=start,
        choice=upload.choice,
    )


def analyses_create_per_sample(
    *,
    owner: User,
    file: File,
    name: str = "",
    parameters: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
    method: Method | None = None,
) -> list[Analysis]:
    """One queued analysis per sample of an export, each named ``<name or file> · <sample>``.

    Raises the errors of :func:`analysis_create`; nothing is stored when one is raised.
    """
    config = _config(parameters, method)
    filename = PurePath(getattr(file, "name", "") or "input").name
    content = _read_upload(file, filename)
    checked = _validate_table(
        content, filename, max_rt=config.max_rt, sample=None, columns=columns, any_sample=True
    )
    samples = checked.samples or ("",)
    label = (name or filename).strip() or filename
    with transaction.atomic():
        return [
            _store_new_analysis(
                owner=owner,
                filename=filename,
                content=content,
                name=f"{label} · {sample}" if sample else label,
                config=config,
                choice=_input_choice(sample or None, columns, method),
            )
            for sample in samples
        ]


def rerun_config(*, analysis: Analysis, changes: Mapping[str, Any] | None = None) -> AnalysisConfig:
    """The parameters of a re-run: the analysis's, with ``changes`` applied.

    Raises
    ------
    ganglioside.ConfigError
        A changed parameter is unknown or out of range.
    """
    base = AnalysisConfig.from_mapping(analysis.parameters or {})
    return base.replace(**dict(changes or {})) if changes else base


def analysis_rerun(
    *,
    analysis: Analysis,
    changes: Mapping[str, Any] | None = None,
    name: str = "",
    start: bool = True,
) -> Analysis:
    """Queue a new analysis of the same input file with some parameters changed.

    The original analysis is left as it is; the new one starts from its parameters with
    ``changes`` applied, reads the file as it did (sample, column mapping, method), and carries
    a copy of its decisions (status overrides and anchor changes,
    :func:`.curation.decisions_copy`), which its run applies.  Without ``name`` it is named
    after the first analysis of the file and what changed since it, e.g.
    ``"sample (re-run 2: outlier_z 3.0)"``.

    Raises
    ------
    ganglioside.ConfigError
        A changed parameter is unknown or out of range.
    """
    config = rerun_config(analysis=analysis, changes=changes)
    with analysis.input_file.open("rb") as handle:
        content = handle.read()
    root = analysis.rerun_of or analysis
    with transaction.atomic():
        rerun = _store_new_analysis(
            owner=analysis.owner,
            filename=analysis.input_filename,
            content=content,
            name=name or rerun_name(root, config, n_decisions=analysis.decisions.count()),
            config=config,
            choice=_copied_choice(analysis),
            rerun_of=root,
            start=start,
            before_start=lambda new: curation.decisions_copy(source=analysis, target=new),
        )
    return rerun


def rerun_name(root: Analysis, config: AnalysisConfig, *, n_decisions: int = 0) -> str:
    """``"<first analysis's name> (re-run N: <what changed since it>)"``."""
    number = root.reruns.count() + 1
    changes = parameter_changes(root.parameters, json_safe(config.to_dict()))
    parts = [changes_text(changes)] if changes else []
    if n_decisions:
        parts.append(f"{n_decisions} decision{'s' if n_decisions != 1 else ''}")
    what = "; ".join(parts) or "same parameters"
    suffix = f" (re-run {number}: {what})"
    return root.name[: max(0, 200 - len(suffix))] + suffix[:200]


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
    choice: AnalysisInput | None = None,
    rerun_of: Analysis | None = None,
    before_start: Callable[[Analysis], object] | None = None,
) -> Analysis:
    name = clean_text(name)
    analysis = Analysis(
        owner=owner,
        rerun_of=rerun_of,
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
            if choice is not None:
                choice.analysis = analysis
                choice.save()
        except Exception:
            analysis.input_file.delete(save=False)
            raise
        if before_start is not None:
            before_start(analysis)
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


def _validate_table(
    content: bytes,
    filename: str,
    *,
    max_rt: float,
    sample: str | None,
    columns: Mapping[str, str] | None,
    any_sample: bool = False,
) -> UploadCheck:
    """The file checked cheaply, then its first rows read as the worker will read the file;
    ``any_sample``: every sample of an export will do.

    The core's cheap checks (:func:`ganglioside.inputs.files.check_upload`: size limits, a
    workbook's zip directory, the encoding, lines and width of a text table) come first; then
    only the first 256 KB of a text table, or a workbook unpacking to at most
    :data:`READ_WORKBOOK_UP_TO_MB`, are read here, so a request never reads a large table (a
    larger workbook is read, and its problems reported, by the worker).
    """
    try:
        head = input_files.check_upload(content, filename)
    except InputError as exc:
        raise renamed(exc, filename) from None
    if head is None and _unpacked_mb(content) <= READ_WORKBOOK_UP_TO_MB:
        head = content
    if head is None:
        return UploadCheck(format="", samples=(), header=())
    partial = len(head) < len(content)
    if partial:
        head = with_ganglioside_lines(head, content)
    with as_local_file(head, filename) as path:
        try:
            try:
                return check_upload(path, sample=sample, columns=columns, max_rt=max_rt)
            except SampleChoiceNeeded as exc:
                if not any_sample:
                    raise
                first = exc.samples[0]
                return check_upload(path, sample=first, columns=columns, max_rt=max_rt)
        except InputError as exc:
            exc.file = filename  # the upload's name, not the temporary copy's path
            if partial and exc.message.startswith("no ganglioside among "):
                exc.message = (
                    exc.message.replace(
                        "no ganglioside among ", "no ganglioside among the first ", 1
                    )
                    + "; and no line further down names a ganglioside"
                )
            raise


#: A line of a text table that may be a ganglioside row: a headgroup (``GM3``, ``GD1a`` …) or
#: the word, anywhere in the line.
_GANGLIOSIDE_LINE = re.compile(rb"^[^\n]*(?:G[AMDTQP][0-9]|[Gg]anglioside)[^\n]*\n?", re.MULTILINE)
#: Ganglioside lines from beyond the head added to it for the check.
GANGLIOSIDE_LINES_CHECKED = 500


def with_ganglioside_lines(head: bytes, content: bytes) -> bytes:
    """The head of a text table with the lines further down that may be ganglioside rows.

    The check reads only the head of a large table; a whole-lipidome export may list its
    first ganglioside thousands of rows down (LipidSearch sorts by class), so the rest of
    the file is scanned (a byte pattern, no parsing) for lines naming a ganglioside
    headgroup, and up to :data:`GANGLIOSIDE_LINES_CHECKED` of them are checked with the head.
    """
    found = []
    for match in _GANGLIOSIDE_LINE.finditer(content, len(head)):
        line = match.group()
        found.append(line if line.endswith(b"\n") else line + b"\n")
        if len(found) >= GANGLIOSIDE_LINES_CHECKED:
            break
    return head + b"".join(found)


#: A workbook unpacking to more than this is not read in the request (only checked).
READ_WORKBOOK_UP_TO_MB = 20.0


def _unpacked_mb(content: bytes) -> float:
    """MB a workbook's parts unpack to (its zip directory; inf when it is not a zip)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(i.file_size for i in archive.infolist()) / 2**20
    except (zipfile.BadZipFile, ValueError, OSError):
        return float("inf")


def _config(parameters: Mapping[str, Any] | None, method: Method | None) -> AnalysisConfig:
    base = dict(method.parameters) if method is not None else {}
    return AnalysisConfig.from_mapping({**base, **dict(parameters or {})})


def _input_choice(
    sample: str | None, columns: Mapping[str, str] | None, method: Method | None
) -> AnalysisInput | None:
    """How the analysis reads its file, or None for a plain table read as it is."""
    if not sample and not columns and method is None:
        return None
    return AnalysisInput(
        sample=sample or "",
        columns=dict(columns) if columns else None,
        calibrants=list(method.calibrants) if method is not None and method.calibrants else None,
        method_name=method.name if method is not None else "",
    )


def _copied_choice(analysis: Analysis) -> AnalysisInput | None:
    original = AnalysisInput.objects.filter(analysis=analysis).first()
    if original is None:
        return None
    return AnalysisInput(
        sample=original.sample,
        columns=original.columns,
        calibrants=original.calibrants,
        method_name=original.method_name,
    )
