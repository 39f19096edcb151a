"""Studies: many samples analysed at once, aligned, quantified and compared between groups.

::

    import ganglioside
    result = ganglioside.study("design.csv")          # or study(design, config, jobs=4)
    result.matrix        # one row per aligned compound, one column per sample
    result.statistics    # fold change, Welch / Mann–Whitney (or ANOVA / Kruskal–Wallis), q values
    result.drift         # RT shift (and slope) per sample
    result.samples       # counts, anchors and drift per sample

The steps, each a module of its own:

``design``
    read and check the design table (every problem reported before anything runs);
``run``
    the per-sample work: :func:`analyze_sample` (a pure function of a :class:`SampleTask`, for a
    process pool or a Celery task) and :func:`run_samples`;
``shared_model``
    the anchors of all samples pooled on one time scale, taken by every sample (each then
    fits its model on the study-wide anchor set in its own time; :func:`shared_calibration`);
``peaks``, ``drift``, ``borrow``
    the peaks of all samples keyed by species; run-to-run RT drift per sample (the shared
    model's shifts, or consensus RTs without one); without a shared model, anchors borrowed
    by samples with too few;
``align``, ``quantify``, ``statistics``
    aligned compounds; raw, total-normalised or internal-standard quantities and imputation;
    tests between groups, q values and PCA;
``step``
    the study step from stored per-sample results (:func:`combine`);
``plots``, ``report``, ``workbook``, ``mztab``, ``outputs``
    figures, the HTML report, the workbook, mzTab-M and every file of ``ganglioside study``.

Run elsewhere (e.g. one Celery task per sample), the same steps are::

    design = read_design(path)                                # DesignError before anything runs
    tasks = sample_tasks(design, config.analysis)            # plain, picklable
    shared = shared_calibration(tasks, config)                # None: too few anchors
    tasks = with_shared_anchors(tasks, shared)                # every sample: shared anchors
    results = [analyze_sample(t) for t in tasks]              # anywhere; store the compounds
    # later, from what was stored:
    results = [SampleResult(sample, source, compounds, summary, warnings) ...]
    again = borrow_tasks(design, tasks, results, config)      # no shared model: borrow anchors
    result = combine(design, results, config, shared)         # the study step
    study_report_html(result), study_mztab(result), study_workbook_bytes(result)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._lazy import lazy_names, names_of
from ..config import AnalysisConfig
from .config import StudyConfig, resolve_study_config
from .design import Design, DesignError, SampleSpec, read_design
from .result import StudyResult

if TYPE_CHECKING:
    from .run import SampleProgress, SampleResult, SampleTask

#: Names read from their modules on first use, so that ``import ganglioside`` stays quick
#: (the statistics and plots need scipy.stats, statsmodels and Plotly).
_LAZY: dict[str, tuple[str, ...]] = {
    ".run": (
        "SampleResult",
        "SampleTask",
        "analyze_sample",
        "default_jobs",
        "run_samples",
        "sample_tasks",
    ),
    ".step": ("combine",),
    ".shared_model": ("shared_calibration", "with_shared_anchors"),
}

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "Design",
    "DesignError",
    "SampleSpec",
    "StudyConfig",
    "StudyResult",
    "borrow_tasks",
    "read_design",
    "study",
    *names_of(_LAZY),
]


def study(
    design: str | Path | pd.DataFrame | Design,
    config: StudyConfig | AnalysisConfig | Mapping[str, Any] | None = None,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
    export: str | Path | None = None,
    jobs: int = 1,
    progress: SampleProgress | None = None,
    export_reader: Callable[[Path], Mapping[str, pd.DataFrame]] | None = None,
    compounds_folder: str | Path | None = None,
    calibrants: str | Path | pd.DataFrame | None = None,
) -> StudyResult:
    """Analyse every sample of a design and compare the groups.

    Parameters
    ----------
    design:
        The design table (path, DataFrame or :class:`Design`); see :mod:`.design`.
    config:
        A :class:`StudyConfig`, an :class:`~ganglioside.AnalysisConfig` (study defaults), a
        mapping of parameters of either, or None.
    tables:
        Tables in memory by sample name (they win over the design's files).
    export:
        A multi-sample export holding the samples whose design row has no file.
    jobs:
        Processes analysing samples at once (1: in this process).
    progress:
        Called as ``progress(done, total, sample)`` after each sample's analysis.
    export_reader:
        Reads a multi-sample export into sample → table (default: ``ganglioside.read_export``).
    compounds_folder:
        Let each worker write ``<folder>/<sample>/compounds.csv`` as soon as its sample is
        analysed (the command passes ``DIR/samples``).
    calibrants:
        The lab's standards (a file or DataFrame with ``name``, optional ``rt`` and
        ``tolerance``; see :mod:`ganglioside.calibrants`), matched in every sample: the rows
        they match are anchors there, and go into the study's shared anchors.

    Raises
    ------
    DesignError
        When the design has problems (all are listed), or too few samples are left;
        ``ConfigError`` when a parameter is unknown or out of range.
    """
    from ..calibrants import read_calibrants
    from .run import run_samples, sample_tasks
    from .shared_model import shared_calibration, with_shared_anchors
    from .step import combine

    cfg = resolve_study_config(config)
    standards = read_calibrants(calibrants) if calibrants is not None else None
    checked = read_design(design, export=export, in_memory=tables)
    folder = None if compounds_folder is None else Path(compounds_folder)
    tasks = sample_tasks(checked, cfg.analysis, tables, export_reader, folder, standards)
    shared = shared_calibration(tasks, cfg, jobs)
    results = run_samples(with_shared_anchors(tasks, shared), jobs=jobs, progress=progress)
    if shared is None:
        results = _with_borrowed_anchors(checked, tasks, results, cfg, jobs)
    return combine(checked, results, cfg, shared)


def _with_borrowed_anchors(
    design: Design,
    tasks: list[SampleTask],
    results: list[SampleResult],
    cfg: StudyConfig,
    jobs: int,
) -> list[SampleResult]:
    """The results, those of samples with too few anchors of their own analysed again with
    anchors borrowed from the others (only without shared anchors: with them every sample
    already has the others' anchors)."""
    from .run import run_samples

    again = borrow_tasks(design, tasks, results, cfg)
    if not again:
        return results
    redone = {r.sample: r for r in run_samples(again, jobs=jobs)}
    return [redone.get(r.sample, r) for r in results]


def borrow_tasks(
    design: Design,
    tasks: list[SampleTask],
    results: list[SampleResult],
    config: StudyConfig,
) -> list[SampleTask]:
    """The tasks to run again with borrowed anchors (samples with too few of their own, when
    no shared anchors were given to them before their analysis)."""
    from .borrow import borrowed_anchor_rows
    from .drift import estimate_drift
    from .peaks import peak_table
    from .step import usable_design

    usable, _ = usable_design(design, results)
    ok = {r.sample: r for r in results if r.ok}
    names = [s.sample for s in usable.samples]
    peaks = peak_table({s: ok[s].compounds for s in names})  # type: ignore[misc]
    drift = estimate_drift(peaks, names, config)
    rows = borrowed_anchor_rows(peaks, names, drift, config)
    return [replace(t, borrowed_anchor_rows=rows[t.sample]) for t in tasks if t.sample in rows]
