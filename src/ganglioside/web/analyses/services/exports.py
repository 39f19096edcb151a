"""Exports of a finished analysis (CSV, XLSX, JSON, HTML and PDF reports): files written once,
by the worker, and served as files.

The worker writes them right after a run succeeds (:func:`exports_write`, with the result still
in memory; the PDF report when it is first asked for), into
``MEDIA_ROOT/exports/<analysis id>/<random>/``, and records each file's path in an
:class:`Artifact` row.  A download only looks the row up (:func:`analysis_export`): the
web process never renders an export nor holds a whole analysis in memory.  An export that is
missing (still being written, or lost) is rendered again by the worker from the stored input
(:func:`exports_render`), sent by :mod:`.downloads`.

:func:`analysis_export` raises :class:`UnknownExportFormat`, :class:`ExportNotReady` or
:class:`ExportPending`; the entry points answer them through one mapping
(``api.errors.service_error_answer``).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from pathlib import Path, PurePath

from django.conf import settings
from django.db import transaction

import ganglioside
from ganglioside import report

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
    """
    if kind not in ArtifactKind.values:
        raise UnknownExportFormat(kind)
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ExportNotReady(analysis.status)
    found = Artifact.objects.filter(analysis=analysis, kind=kind).first()
    if found is None or not export_path(found).is_file():
        raise ExportPending()
    return found


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
    missing = tuple(k for k in ArtifactKind.values if k not in present)
    if not missing:
        return False
    return exports_write(analysis, analyze_stored(analysis), kinds=missing)


def exports_write(
    analysis: Analysis,
    result: ganglioside.AnalysisResult,
    kinds: tuple[str, ...] = AFTER_RUN_KINDS,
) -> bool:
    """Write the exports ``kinds`` of ``result`` as files and record them (replacing older files
    of those kinds).

    A writing error is logged and ``False`` returned: a broken export must not undo a stored
    result (a download asks the worker again).
    """
    relative = PurePath(EXPORTS_FOLDER, str(analysis.pk), uuid.uuid4().hex)
    folder = Path(settings.MEDIA_ROOT) / relative
    try:
        written = _write_files(result, folder, kinds)
    except Exception:
        log.exception("analysis %s: writing the exports failed", analysis.pk)
        shutil.rmtree(folder, ignore_errors=True)
        return False
    media_types = {o.filename: o.media_type for o in report.OUTPUTS.values()}
    rows = [
        Artifact(
            analysis_id=analysis.pk,
            kind=kind,
            filename=f"analysis_{analysis.pk}_{name}",
            content_type=media_types.get(name, "application/octet-stream"),
            path=str(relative / name),
            size=path.stat().st_size,
            sha256=_sha256(path),
        )
        for name, path in written.items()
        if (kind := PurePath(name).suffix.lstrip(".")) in ArtifactKind.values
    ]
    with transaction.atomic():
        # The analysis row lock orders this against a delete or a second writer.
        still = Analysis.objects.select_for_update().filter(
            pk=analysis.pk, status=AnalysisStatus.SUCCEEDED
        )
        if not still.exists():
            transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
            return False
        replaced = Artifact.objects.filter(analysis_id=analysis.pk, kind__in=kinds)
        old = {PurePath(p).parent for p in replaced.values_list("path", flat=True)}
        replaced.delete()
        Artifact.objects.bulk_create(rows)
        kept = {
            PurePath(p).parent
            for p in Artifact.objects.filter(analysis_id=analysis.pk).values_list("path", flat=True)
        }
        transaction.on_commit(lambda: _remove_folders(old - kept))
    return True


def _write_files(
    result: ganglioside.AnalysisResult, folder: Path, kinds: tuple[str, ...]
) -> dict[str, Path]:
    """The one call into the core's writers: the exports ``kinds`` into ``folder``
    (``ArtifactKind``'s values are names of the core's outputs: csv, xlsx, json, html, pdf)."""
    return report.write_all(result, folder, outputs=kinds)


def export_files_delete(analysis_id: int, *, on_commit: bool = False) -> Path:
    """Remove the export files of an analysis (after the transaction commits when asked)."""
    folder = exports_root() / str(analysis_id)
    if on_commit:
        transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
    else:
        shutil.rmtree(folder, ignore_errors=True)
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
