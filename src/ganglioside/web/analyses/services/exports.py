"""Exports of a finished analysis (CSV, XLSX, JSON, HTML and PDF reports): files written once,
by the worker, and served as files.

The worker writes the light ones (:data:`AFTER_RUN_KINDS`) right after a run, with the result
still in memory and before the analysis is stored as succeeded (:func:`exports_prepare`, then
:func:`exports_record` in the same transaction): ``succeeded`` means downloadable.  The PDF
report is written the first time someone asks for it.  The files go into
``MEDIA_ROOT/exports/<analysis id>/<random>/``, each recorded in an :class:`Artifact` row.  A
download only looks the row up (:func:`analysis_export`): the web process never renders an
export nor holds a whole analysis in memory.  An export that is missing (the PDF not yet asked
for, files dropped by a curation decision, or lost) is rendered again by the worker from the
stored input (:func:`exports_render`), sent by :mod:`.downloads`.  A writer that fails records
its reason in ``Analysis.export_failures``: the download answers that reason
(:class:`ExportFailed`) instead of retrying, until :func:`export_failure_clear` is asked for.

:func:`analysis_export` raises :class:`UnknownExportFormat`, :class:`ExportNotReady`,
:class:`ExportPending` or :class:`ExportFailed`; the entry points answer them through one mapping
(``analyses.errors``, read by ``common.errors.service_error_answer``).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.db import transaction

import ganglioside
from ganglioside import report
from ganglioside.errors import excerpt

from ..models import Analysis, AnalysisStatus, Artifact, ArtifactKind
from .inputs import analyze_stored

log = logging.getLogger(__name__)

#: Folder of the export files, under MEDIA_ROOT.
EXPORTS_FOLDER = "exports"
#: The exports the worker writes right after every run; the others (the PDF report, whose
#: writer takes seconds) are written the first time someone asks for them.
AFTER_RUN_KINDS: tuple[str, ...] = tuple(k for k in ArtifactKind.values if k != ArtifactKind.PDF)

#: Seconds a client is asked to wait for an export being written.
PENDING_RETRY_AFTER = 5


class ExportError(Exception):
    """An export that cannot be given; the message says why, for the user."""


class UnknownExportFormat(ExportError):
    """The format asked for is none of :class:`ArtifactKind`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        expected = ", ".join(ArtifactKind.values)
        super().__init__(f"unknown export format {kind[:40]!r}; expected one of {expected}")


class ExportNotReady(ExportError):
    """The analysis has not succeeded (yet), so there is nothing to export."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__("the analysis has not succeeded, so it has nothing to export")


class ExportPending(ExportError):
    """The analysis succeeded but the worker has not written its exports yet."""

    retry_after = PENDING_RETRY_AFTER

    def __init__(self) -> None:
        super().__init__(
            f"the exports of this analysis are being written; try again in {PENDING_RETRY_AFTER} s"
        )


class ExportFailed(ExportError):
    """Writing the export failed; the reason is stored and shown until it is written again."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(
            f"writing the {kind} export of this analysis failed: {reason}; ask for it to be "
            "written again (POST to this URL, or the page's button) once the cause is fixed"
        )


def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER


def export_path(artifact: Artifact) -> Path:
    """The file of an export on this machine."""
    return Path(settings.MEDIA_ROOT) / artifact.path


def analysis_export(*, analysis: Analysis, kind: str) -> Artifact:
    """The stored export ``kind`` of a succeeded analysis.

    Raises
    ------
    UnknownExportFormat
        ``kind`` is not one of the export formats.
    ExportNotReady
        The analysis has not succeeded.
    ExportPending
        The worker has not written the file (yet).
    ExportFailed
        Writing the file failed (the reason is stored); nothing is retried until asked.
    """
    if kind not in ArtifactKind.values:
        raise UnknownExportFormat(kind)
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ExportNotReady(analysis.status)
    found = Artifact.objects.filter(analysis=analysis, kind=kind).first()
    if found is not None and export_path(found).is_file():
        return found
    failures = analysis.export_failures or {}
    if kind in failures:
        raise ExportFailed(kind, str(failures[kind]))
    raise ExportPending()


def exports_render(*, analysis_id: int) -> bool:
    """Write the exports of a succeeded analysis whose files are missing (in the worker).

    The stored input is analysed again with the stored parameters, which reproduces the
    stored result.  ``False`` when there was nothing to do.
    """
    analysis = Analysis.objects.filter(pk=analysis_id, status=AnalysisStatus.SUCCEEDED).first()
    if analysis is None:
        return False
    present = {
        a.kind for a in Artifact.objects.filter(analysis_id=analysis_id) if export_path(a).is_file()
    }
    failed = set(analysis.export_failures or {})
    missing = tuple(k for k in ArtifactKind.values if k not in present and k not in failed)
    if not missing:
        return False
    return exports_write(analysis, analyze_stored(analysis), kinds=missing)


def exports_write(
    analysis: Analysis,
    result: ganglioside.AnalysisResult,
    kinds: tuple[str, ...] = AFTER_RUN_KINDS,
) -> bool:
    """Write the exports ``kinds`` of ``result`` as files and record them (replacing older files
    of those kinds); a kind whose writer fails is recorded as failed with its reason.

    ``False`` when nothing was recorded (the analysis is no longer succeeded).
    """
    written = exports_prepare(analysis, result, kinds)
    with transaction.atomic():
        # The analysis row lock orders this against a delete or a second writer.
        still = Analysis.objects.select_for_update().filter(
            pk=analysis.pk, status=AnalysisStatus.SUCCEEDED
        )
        if not still.exists():
            transaction.on_commit(lambda: shutil.rmtree(written.folder, ignore_errors=True))
            return False
        exports_record(analysis.pk, written)
    return not written.failures


@dataclass
class WrittenExports:
    """Export files written in a new folder, not yet recorded; the kinds that failed, why."""

    kinds: tuple[str, ...]
    folder: Path
    rows: list[Artifact] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def exports_prepare(
    analysis: Analysis, result: ganglioside.AnalysisResult, kinds: tuple[str, ...]
) -> WrittenExports:
    """Write the files of ``kinds`` into a new folder, one kind at a time (one that fails does
    not sink the others; its reason is kept).  Nothing is recorded in the database."""
    relative = PurePath(EXPORTS_FOLDER, str(analysis.pk), uuid.uuid4().hex)
    out = WrittenExports(kinds=kinds, folder=Path(settings.MEDIA_ROOT) / relative)
    media_types = {o.filename: o.media_type for o in report.OUTPUTS.values()}
    for kind in kinds:
        try:
            files = _write_files(result, out.folder, (kind,))
        except Exception as exc:
            log.exception("analysis %s: writing the %s export failed", analysis.pk, kind)
            out.failures[kind] = f"{type(exc).__name__}: {excerpt(exc, 300)}"
            continue
        out.rows += [
            Artifact(
                analysis_id=analysis.pk,
                kind=kind,
                filename=f"analysis_{analysis.pk}_{name}",
                content_type=media_types.get(name, "application/octet-stream"),
                path=str(relative / name),
                size=path.stat().st_size,
                sha256=_sha256(path),
            )
            for name, path in files.items()
            if PurePath(name).suffix.lstrip(".") == kind
        ]
    return out


def exports_record(analysis_id: int, written: WrittenExports) -> None:
    """Record ``written`` (inside the caller's transaction, the analysis row locked): its rows
    replace those of its kinds, its failures replace theirs; old folders go after the commit."""
    replaced = Artifact.objects.filter(analysis_id=analysis_id, kind__in=written.kinds)
    old = {PurePath(p).parent for p in replaced.values_list("path", flat=True)}
    replaced.delete()
    Artifact.objects.bulk_create(written.rows)
    failures = dict(
        Analysis.objects.filter(pk=analysis_id).values_list("export_failures", flat=True).first()
        or {}
    )
    for kind in written.kinds:
        failures.pop(kind, None)
    failures.update(written.failures)
    Analysis.objects.filter(pk=analysis_id).update(export_failures=failures)
    kept = {
        PurePath(p).parent
        for p in Artifact.objects.filter(analysis_id=analysis_id).values_list("path", flat=True)
    }
    transaction.on_commit(lambda: _remove_folders(old - kept))


def export_failure_clear(*, analysis: Analysis, kind: str) -> None:
    """Forget that writing ``kind`` failed, so that the next download writes it again."""
    with transaction.atomic():
        locked = Analysis.objects.select_for_update().filter(pk=analysis.pk).first()
        if locked is None:
            return
        failures = dict(locked.export_failures or {})
        if failures.pop(kind, None) is not None:
            Analysis.objects.filter(pk=analysis.pk).update(export_failures=failures)
    analysis.export_failures = failures


def _write_files(
    result: ganglioside.AnalysisResult, folder: Path, kinds: tuple[str, ...]
) -> dict[str, Path]:
    """The one call into the core's writers: the exports ``kinds`` into ``folder``
    (``ArtifactKind``'s values are names of the core's outputs: csv, xlsx, json, html, pdf)."""
    return report.write_all(result, folder, outputs=kinds)


def export_files_delete(
    analysis_id: int, *, on_commit: bool = False, keep: Path | None = None
) -> Path:
    """Remove the export files of an analysis (after the transaction commits when asked),
    all but the folder ``keep`` (files written for the result being stored)."""
    folder = exports_root() / str(analysis_id)

    def remove() -> None:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
            return
        for child in folder.iterdir() if folder.is_dir() else ():
            if child != keep:
                shutil.rmtree(child, ignore_errors=True)

    if on_commit:
        transaction.on_commit(remove)
    else:
        remove()
    return folder


def _remove_folders(relatives: set[PurePath]) -> None:
    for relative in relatives:
        shutil.rmtree(Path(settings.MEDIA_ROOT) / relative, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
