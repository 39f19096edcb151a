"""``analyze_samples``: every sample of an instrument export, each analysed on its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AnalysisConfig
from ..inputs import Export, read_export
from ..result import AnalysisResult
from . import analyze, resolve_config
from .progress import Progress


def analyze_samples(
    source: str | Path | pd.DataFrame | Export,
    config: AnalysisConfig | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    *,
    samples: Sequence[str] | None = None,
    columns: str | Mapping[str, str] | None = None,
    calibrants: str | Path | pd.DataFrame | None = None,
    calibration: str | Path | Mapping[str, Any] | None = None,
) -> dict[str, AnalysisResult]:
    """Analyse each sample of an export (a plain table counts as one sample named ``""``).

    Parameters
    ----------
    source, config, columns, calibrants, calibration:
        As for :func:`~ganglioside.analyze`; the file is read once, and the calibrant list or
        saved calibration serves every sample.
    progress:
        Optional ``progress(step, fraction, message)``; the fraction runs once from 0 to 1
        over all the samples, and the message starts with the sample's name.
    samples:
        The samples to analyse, in the order given; by default those the export's metadata
        type as samples (:attr:`~ganglioside.inputs.Export.analysed_samples`: QCs, blanks
        and standards are analysed only when named here).

    Returns
    -------
    dict[str, AnalysisResult]
        Sample name → its result, in the file's order (or the order of ``samples``).

    Raises
    ------
    InputError
        When the file cannot be read or a sample asked for is not in it (the message lists
        the samples).
    """
    cfg = resolve_config(config)
    export = read_export(source, columns)
    chosen = (
        [export.choose(s) for s in samples]
        if samples is not None
        else list(export.analysed_samples or export.samples)
    )
    results = {}
    for i, name in enumerate(chosen):
        results[name] = analyze(
            export,
            cfg,
            share_of_progress(progress, i, len(chosen), name),
            sample=name,
            calibrants=calibrants,
            calibration=calibration,
        )
    return results


def share_of_progress(progress: Progress | None, i: int, n: int, name: str) -> Progress | None:
    """The callback for sample ``i`` of ``n``: its fractions mapped onto its share of 0–1."""
    if progress is None:
        return None
    report = progress

    def scaled(step: str, fraction: float, message: str) -> None:
        report(step, (i + fraction) / n, f"{name}: {message}" if name else message)

    return scaled
