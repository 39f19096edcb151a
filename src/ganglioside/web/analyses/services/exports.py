"""Exports of a finished analysis (CSV, XLSX, JSON, HTML report), rendered once and kept.

:func:`analysis_export` raises :class:`UnknownExportFormat` or :class:`ExportNotReady`; the
entry points answer them through one mapping (``api.errors.service_error_answer``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection

from django.db import IntegrityError

import ganglioside

from ..artifacts import build_artifacts
from ..models import Analysis, AnalysisStatus, Artifact, ArtifactKind
from .inputs import analyze_stored

log = logging.getLogger(__name__)


class ExportError(Exception):
    """An export that cannot be given; the message says why, for the user."""


class UnknownExportFormat(ExportError):
    """The format asked for is none of :class:`ArtifactKind`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        expected = ", ".join(ArtifactKind.values)
        super().__init__(f"unknown export format {kind!r}; expected one of {expected}")


class ExportNotReady(ExportError):
    """The analysis has not succeeded (yet), so there is nothing to export."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__("the analysis has not succeeded, so it has nothing to export")


def analysis_export(*, analysis: Analysis, kind: str) -> Artifact:
    """The stored export ``kind`` of a succeeded analysis, rendering it when missing.

    The kinds in ``GANGLIOSIDE_EAGER_EXPORTS`` are rendered right after a run succeeds; any
    other (or one whose download comes first) is rendered on its first download by analysing
    the stored input again with the stored parameters, which reproduces the stored result,
    and is kept for the next download.

    Raises
    ------
    UnknownExportFormat
        ``kind`` is not one of the export formats.
    ExportNotReady
        The analysis has not succeeded.
    """
    if kind not in ArtifactKind.values:
        raise UnknownExportFormat(kind)
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ExportNotReady(analysis.status)
    found = Artifact.objects.filter(analysis=analysis, kind=kind).first()
    if found is not None:
        return found
    store_artifacts(analysis, analyze_stored(analysis), kinds={kind}, raise_errors=True)
    return Artifact.objects.get(analysis=analysis, kind=kind)


def store_artifacts(
    analysis: Analysis,
    result: ganglioside.AnalysisResult,
    *,
    kinds: Collection[str],
    raise_errors: bool,
) -> None:
    """Render the exports ``kinds`` of ``result`` that are not stored yet, and store them.

    A rendering error is logged, and raised only when ``raise_errors``: a broken export must
    not undo a stored result (a download tries again).
    """
    existing = set(Artifact.objects.filter(analysis_id=analysis.pk).values_list("kind", flat=True))
    wanted = set(kinds) - existing
    if not wanted:
        return
    try:
        files = build_artifacts(result, basename=f"analysis_{analysis.pk}", kinds=wanted)
    except Exception:
        log.exception("analysis %s: rendering the exports failed", analysis.pk)
        if raise_errors:
            raise
        return
    for item in files:
        try:
            Artifact.objects.bulk_create(
                [
                    Artifact(
                        analysis_id=analysis.pk,
                        kind=item["kind"],
                        filename=item["filename"],
                        content_type=item["content_type"],
                        content=item["content"],
                        size=len(item["content"]),
                        sha256=hashlib.sha256(item["content"]).hexdigest(),
                    )
                ],
                ignore_conflicts=True,  # rendered meanwhile by a download request
            )
        except IntegrityError:  # the analysis was deleted meanwhile
            return
