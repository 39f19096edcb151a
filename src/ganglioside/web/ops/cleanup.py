"""Clean-up by the retention policy: finished analyses older than
``GANGLIOSIDE_RETENTION_DAYS`` are deleted with their input file, results and exports; upload
folders no analysis refers to are removed.

Runs daily from celery beat (``tasks.analyses_purge_expired``) or on demand
(``ganglioside manage purge_expired``).  ``GANGLIOSIDE_RETENTION_DAYS=0`` keeps analyses
forever; the orphan clean-up runs either way.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ganglioside.web.analyses.models import Analysis, AnalysisStatus
from ganglioside.web.analyses.services.deletion import analysis_delete

log = logging.getLogger(__name__)

# An upload folder is written just before its analysis row is committed; one younger than
# this may belong to an upload in progress and is left alone.
ORPHAN_GRACE = timedelta(hours=1)
INPUTS_FOLDER = "inputs"


@dataclass
class PurgeReport:
    """What :func:`analyses_purge_expired` removed."""

    analyses: list[int] = field(default_factory=list)
    orphan_folders: list[str] = field(default_factory=list)


def analyses_purge_expired(*, now: datetime | None = None) -> PurgeReport:
    """Delete expired finished analyses and orphaned upload folders."""
    now = now or timezone.now()
    report = PurgeReport()
    # Added by ops.conf with the other operations settings (0 when a settings module lacks it).
    days = getattr(settings, "GANGLIOSIDE_RETENTION_DAYS", 0)
    if days > 0:
        cutoff = now - timedelta(days=days)
        # Queued and running analyses are never purged, however old: the sweep handles those.
        expired = Analysis.objects.filter(
            Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff),
            status__in=[AnalysisStatus.SUCCEEDED, AnalysisStatus.FAILED],
        ).order_by("pk")
        for analysis in expired.iterator(chunk_size=200):
            report.analyses.append(analysis.pk)  # before delete(), which clears it
            analysis_delete(analysis=analysis)
    report.orphan_folders = _purge_orphan_inputs(now)
    if report.analyses or report.orphan_folders:
        log.info(
            "retention: deleted %d analyses, %d orphaned upload folders",
            len(report.analyses),
            len(report.orphan_folders),
            extra={"analyses": report.analyses, "orphan_folders": report.orphan_folders},
        )
    return report


def _purge_orphan_inputs(now: datetime) -> list[str]:
    root = Path(settings.MEDIA_ROOT) / INPUTS_FOLDER
    if not root.is_dir():
        return []
    referenced = {
        Path(name).parts[1]
        for name in Analysis.objects.values_list("input_file", flat=True)
        if name and len(Path(name).parts) > 2 and Path(name).parts[0] == INPUTS_FOLDER
    }
    newest_allowed = now.timestamp() - ORPHAN_GRACE.total_seconds()
    removed = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name in referenced:
            continue
        if _latest_change(folder) > newest_allowed:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(f"{INPUTS_FOLDER}/{folder.name}")
    return removed


def _latest_change(folder: Path) -> float:
    stamps = [folder.stat().st_mtime]
    stamps.extend(child.stat().st_mtime for child in folder.rglob("*"))
    return max(stamps)
