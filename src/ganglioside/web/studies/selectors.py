"""Read-only queries of studies, scoped to their owner (someone else's study is a 404)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from ganglioside.studies.compare import StudyComparison, StudySide, compare_studies

from .models import Study, StudyFile, StudySample, StudyStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_LIST_DEFERRED = (
    "design",
    "parameters",
    "summary",
    "warnings",
    "figures",
    "shared_anchors",
    "error_details",
)
#: Studies offered on a study page to compare it with (the newest).
COMPARE_CHOICES = 200


class StudyNotReady(Exception):
    """A study to compare has not succeeded (still running, waiting or failed)."""


def study_list(*, user: User) -> QuerySet[Study]:
    """The user's studies, newest first, without the heavy columns."""
    return Study.objects.filter(owner=user).defer(*_LIST_DEFERRED)


def study_with_samples(*, study: Study) -> Study:
    """``study`` read again with its samples (their stored tables left out)."""
    return Study.objects.prefetch_related(
        Prefetch("samples", queryset=StudySample.objects.defer("compounds"))
    ).get(pk=study.pk)


def study_get(*, user: User, study_id: int | str) -> Study:
    """The user's study ``study_id``.

    Raises
    ------
    django.http.Http404
        When it does not exist or belongs to someone else (the two look the same).
    """
    try:
        return Study.objects.get(pk=int(study_id), owner=user)
    except (Study.DoesNotExist, ValueError, TypeError):
        raise Http404("no such study") from None


def sample_list(*, study: Study) -> QuerySet[StudySample]:
    """The study's samples in design order, without their stored compounds."""
    return study.samples.defer("compounds").order_by("position")


def sample_get(*, study: Study, sample_id: int | str) -> StudySample:
    try:
        return study.samples.get(pk=int(sample_id))
    except (StudySample.DoesNotExist, ValueError, TypeError):
        raise Http404("no such sample in this study") from None


def study_file(*, study: Study, name: str) -> StudyFile:
    try:
        return study.files.get(name=name)
    except StudyFile.DoesNotExist:
        raise Http404(f"the study has no file {name!r} (yet)") from None


#: Media type of a design file, by its extension.
DESIGN_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def design_file(*, study: Study) -> tuple[str, bytes, str]:
    """The study's design as it was sent (or built from its export): name, bytes, media type.

    Raises
    ------
    django.http.Http404
        When the study's folder no longer holds it.
    """
    path = Path(settings.MEDIA_ROOT) / study.folder / study.design_filename
    try:
        content = path.read_bytes()
    except OSError:
        raise Http404("the study's design file is no longer stored") from None
    kind = DESIGN_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return study.design_filename, content, kind


def file_names(*, study: Study) -> list[str]:
    return list(study.files.order_by("name").values_list("name", flat=True))


#: Columns of the study tables that hold text, whatever they look like.
TEXT_COLUMNS = (
    *("feature_id", "contrast", "species", "name", "isomer_track", "category", "test"),
    *("outlier_in", "fragment_in", "filter"),
)


def table_of(*, study: Study, name: str) -> pd.DataFrame:
    """A stored CSV file of the study (``matrix.csv``, ``statistics.csv`` …) as a frame."""
    content = bytes(study_file(study=study, name=name).content)
    text = dict.fromkeys(TEXT_COLUMNS, str)  # a sample named 12 stays the text "12"
    return pd.read_csv(io.BytesIO(content), keep_default_na=False, na_values=[""], dtype=text)


def species_rows(
    *,
    study: Study,
    search: str = "",
    category: str = "",
    q_max: float | None = None,
    direction: str = "",
    contrast: str = "",
) -> pd.DataFrame:
    """The rows of ``statistics.csv`` kept by the filters: name or species containing
    ``search``, the ganglioside ``category`` (GM, GD …), ``q_value ≤ q_max``, the
    ``direction`` of the fold change (``up`` or ``down``) and the ``contrast``."""
    frame = table_of(study=study, name="statistics.csv")
    keep = pd.Series(True, index=frame.index)
    if contrast and "contrast" in frame.columns:
        keep &= frame["contrast"].astype(str) == contrast
    if search:
        text = frame["name"].astype(str) + " " + frame["species"].astype(str)
        keep &= text.str.contains(search, case=False, regex=False)
    if category:
        keep &= frame["category"].astype(str).str.upper() == category.upper()
    if q_max is not None:
        keep &= pd.to_numeric(frame["q_value"], errors="coerce") <= q_max
    fold = pd.to_numeric(frame["log2_fold_change"], errors="coerce")
    if direction == "up":
        keep &= fold > 0
    elif direction == "down":
        keep &= fold < 0
    return frame[keep]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dictionaries (missing values as null)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def comparable_studies(*, user: User, exclude: Study | None = None) -> QuerySet[Study]:
    """The user's succeeded studies, newest first, but ``exclude`` (light columns only)."""
    studies = Study.objects.filter(owner=user, status=StudyStatus.SUCCEEDED)
    if exclude is not None:
        studies = studies.exclude(pk=exclude.pk)
    return studies.only("id", "name", "comparison", "created_at", "status")[:COMPARE_CHOICES]


def study_side(*, study: Study) -> StudySide:
    """A succeeded study as one side of a comparison: its stored ``statistics.csv``, the groups
    it compared and its parameters."""
    statistics = table_of(study=study, name="statistics.csv")
    return StudySide(statistics, study.comparison, dict(study.parameters or {}))


def study_comparison(
    *, user: User, study_id: int | str, other_id: int | str
) -> tuple[Study, Study, StudyComparison]:
    """The user's studies ``study_id`` (A) and ``other_id`` (B), and their comparison.

    Raises
    ------
    django.http.Http404
        When either does not exist or belongs to someone else.
    StudyNotReady
        When either has not succeeded.
    """
    a = study_get(user=user, study_id=study_id)
    b = study_get(user=user, study_id=other_id)
    unfinished = [s for s in (a, b) if s.status != StudyStatus.SUCCEEDED]
    if unfinished:
        names = ", ".join(f"#{s.pk} ({s.get_status_display().lower()})" for s in unfinished)
        raise StudyNotReady(f"both studies must have succeeded to be compared; not {names}")
    return a, b, compare_studies(study_side(study=a), study_side(study=b))


def comparison_rows(comparison: StudyComparison, agreement: str = "") -> pd.DataFrame:
    """The comparison's rows, only those with the ``agreement`` label when given."""
    rows = comparison.rows
    return rows[rows["agreement"] == agreement] if agreement else rows
