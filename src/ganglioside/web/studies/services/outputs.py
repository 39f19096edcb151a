"""The files of a finished study (as ``ganglioside study`` writes them) and its figures, made
by the library's writers and stored as bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ganglioside.studies.outputs import STUDY_OUTPUTS, render_study
from ganglioside.studies.plots import study_figures
from ganglioside.studies.result import StudyResult

from ..models import Study, StudyFile

#: Every file a finished study offers (the core's study output registry), with its media type.
CONTENT_TYPES = {name: output.media_type for name, output in STUDY_OUTPUTS.items()}


def output_files(result: StudyResult, figures: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Name → content of every file of the study (``figures``: the study's Plotly figures,
    when already made)."""
    return render_study(result, figures)


def figures_of(result: StudyResult) -> dict[str, Any]:
    """The study report's Plotly figures, by name (made once for the report and the page)."""
    return dict(study_figures(result))


def figures_json(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as plain JSON (for the study page)."""
    return {name: json.loads(fig.to_json()) for name, fig in figures.items()}


def study_files_store(study: Study, files: dict[str, bytes]) -> None:
    StudyFile.objects.bulk_create(
        StudyFile(
            study=study,
            name=name,
            content_type=CONTENT_TYPES[name],
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        for name, content in files.items()
    )
