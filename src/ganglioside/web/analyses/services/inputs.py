"""The stored input of an analysis handed to the core, and the core's errors renamed for users."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

import ganglioside
from ganglioside import AnalysisConfig, InputError
from ganglioside.web.common.files import as_local_file

from ...methods.models import AnalysisInput
from ..models import Analysis
from .curation import analyze_with_decisions

# What the core calls with each step's progress: (step, fraction done, message).
ProgressCallback = Callable[[str, float, str], None]


@contextmanager
def input_path(analysis: Analysis) -> Iterator[Path]:
    """A local path of the analysis's input file (a temporary copy for remote storages)."""
    try:
        path = analysis.input_file.path
    except NotImplementedError:  # a storage without local paths (object storage)
        path = None
    if path and os.path.exists(path):
        yield Path(path)
        return
    with analysis.input_file.open("rb") as handle:
        content = handle.read()
    with as_local_file(content, analysis.input_filename) as local:
        yield local


def analyze_stored(
    analysis: Analysis, progress: ProgressCallback | None = None
) -> ganglioside.AnalysisResult:
    """Run the core on the stored input with the stored parameters, input choice (the sample of
    an export, a column mapping, a method's calibrants) and the analysis's applied decisions
    (:func:`.curation.analyze_with_decisions`)."""
    config = AnalysisConfig.from_mapping(analysis.parameters or {})
    choice = AnalysisInput.objects.filter(analysis=analysis).first()
    options: dict = {}
    if choice is not None:
        calibrants = pd.DataFrame(choice.calibrants) if choice.calibrants else None
        if calibrants is not None:
            calibrants.attrs["source"] = f"method {choice.method_name!r}"
        options = {
            "sample": choice.sample or None,
            "columns": choice.columns or None,
            "calibrants": calibrants,
        }
    with input_path(analysis) as path:
        result = analyze_with_decisions(analysis, path, config, progress, **options)
    result.source = analysis.input_filename
    return result


def renamed(exc: InputError, filename: str) -> InputError:
    """The same error, naming the uploaded file instead of a temporary path."""
    return InputError(exc.message, file=filename, row=exc.row, column=exc.column, value=exc.value)
