"""The per-sample work of a study: one pure function per sample, and running many of them.

:func:`analyze_sample` takes a :class:`SampleTask` (plain, picklable data: a path or a table, the
analysis parameters as a mapping, rows to take as borrowed anchors) and returns a
:class:`SampleResult`.  It touches no shared state, so it runs as it is in a process pool, a
Celery task or a loop.  :func:`run_samples` runs a list of tasks, in a process pool when asked;
the pool's workers are forked after the name parser has been set up, so no worker sets it up
again, and each worker parses a name once for all the samples it analyses.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AnalysisConfig
from ..errors import GangliosideError, InputError
from ..inputs import read_export
from ..inputs.columns import map_columns
from ..inputs.files import read_cells
from ..pipeline import analyze
from ..report.safe import safe_csv
from .design import Design, DesignError, SampleSpec

#: Columns of a sample's compounds frame the study step reads.
STUDY_INPUT_COLUMNS = (
    "row",
    "name",
    "rt",
    "volume",
    "status",
    "is_anchor",
    "isomer_track",
    "category",
    "volume_consolidated",
)

#: Called as ``progress(done, total, sample)`` after each sample.
SampleProgress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SampleTask:
    """What one sample's analysis needs, as plain data.

    ``table`` is a path (CSV, TSV or XLSX) or a DataFrame already read (a sample of a
    multi-sample export); ``config`` the analysis parameters as a mapping
    (:meth:`AnalysisConfig.to_dict`); ``borrowed_anchor_rows`` the 1-based data rows to take as
    anchors on top of the table's own; ``compounds_csv`` a path where the worker writes the
    sample's ``compounds.csv`` itself (empty: not written); ``calibrants`` the study's checked
    calibrant list (:func:`ganglioside.calibrants.read_calibrants`), matched in every sample.
    """

    sample: str
    table: str | Path | pd.DataFrame
    config: Mapping[str, Any] = field(default_factory=dict)
    borrowed_anchor_rows: tuple[int, ...] = ()
    source: str = ""
    compounds_csv: str = ""
    calibrants: pd.DataFrame | None = None


@dataclass
class SampleResult:
    """One sample's analysis, as the study step reads it.

    ``compounds`` is the analysis's compound frame (``None`` when the table could not be
    analysed: ``error`` then says why); ``summary`` its summary; ``warnings`` its file-level
    warnings; ``borrowed_anchors`` how many anchors were borrowed from the other samples.
    """

    sample: str
    source: str
    compounds: pd.DataFrame | None
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    borrowed_anchors: int = 0
    error: str = ""
    compounds_csv: str = ""  # where the worker wrote compounds.csv, if it did

    @property
    def ok(self) -> bool:
        return self.compounds is not None


def analyze_sample(task: SampleTask) -> SampleResult:
    """Analyse one sample's table; an input problem is returned in ``error``, never raised."""
    source = task.source or _label(task.table)
    try:
        table = task.table
        if task.borrowed_anchor_rows:
            table = with_anchors(table, task.borrowed_anchor_rows)
        result = analyze(
            table, AnalysisConfig.from_mapping(task.config), calibrants=task.calibrants
        )
    except GangliosideError as exc:
        return SampleResult(task.sample, source, None, error=str(exc))
    if task.compounds_csv:
        write_compounds_csv(result.compounds, Path(task.compounds_csv))
    return SampleResult(
        sample=task.sample,
        source=source,
        compounds=result.compounds,
        summary=result.summary,
        warnings=list(result.warnings),
        borrowed_anchors=len(task.borrowed_anchor_rows),
        compounds_csv=task.compounds_csv,
    )


def write_compounds_csv(compounds: pd.DataFrame, path: Path) -> Path:
    """A sample's compounds as ``analyze`` writes them (formulas neutralised), folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = safe_csv(compounds)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _label(table: str | Path | pd.DataFrame) -> str:
    return "<DataFrame>" if isinstance(table, pd.DataFrame) else Path(table).name


def with_anchors(table: str | Path | pd.DataFrame, rows: Iterable[int]) -> pd.DataFrame:
    """The table as a DataFrame of its cells, with ``rows`` (1-based data rows) marked anchors."""
    raw = read_cells(table)
    mapping = map_columns(raw)
    cells = raw.cells.copy()
    cells.columns = list(raw.header) if not isinstance(table, pd.DataFrame) else cells.columns
    index = [r - 1 for r in rows if 1 <= r <= len(cells)]
    if "anchor" in mapping:
        column = cells.columns[mapping["anchor"]]
        flags = cells[column].astype(object)
    else:
        column = "Anchor"
        flags = pd.Series(["F"] * len(cells), index=cells.index, dtype=object)
    flags.iloc[index] = "T"
    cells[column] = flags
    return cells


# -- building tasks ---------------------------------------------------------------------------


def sample_tasks(
    design: Design,
    config: AnalysisConfig,
    tables: Mapping[str, pd.DataFrame] | None = None,
    export_reader: Callable[[Path], Mapping[str, pd.DataFrame]] | None = None,
    compounds_folder: Path | None = None,
    calibrants: pd.DataFrame | None = None,
) -> list[SampleTask]:
    """One task per sample of the design.

    ``tables`` gives tables in memory by sample name (they win over the design's files);
    ``export_reader`` reads a multi-sample export into sample → table (each export is read
    once), by default :func:`read_export_tables`; with ``compounds_folder`` each worker writes
    ``<folder>/<sample>/compounds.csv`` as soon as its sample is analysed; ``calibrants`` (a
    checked calibrant list) is matched in every sample.

    Raises
    ------
    DesignError
        Listing every sample that an export does not hold (before any sample runs).
    """
    settings = config.to_dict()
    exports: dict[Path, Mapping[str, pd.DataFrame]] = {}
    tasks, problems = [], []
    for spec in design.samples:
        try:
            table = _table_of(spec, tables, exports, export_reader or read_export_tables)
        except DesignError:
            raise
        except InputError as exc:
            file = exc.file or design.source
            problems.append(
                InputError(exc.message, file=file, row=exc.row, column=exc.column, value=exc.value)
            )
            continue
        source = _label(table) if spec.source is None else spec.source.name
        csv = (
            ""
            if compounds_folder is None
            else str(compounds_folder / spec.sample / "compounds.csv")
        )
        tasks.append(
            SampleTask(
                spec.sample,
                table,
                settings,
                source=source,
                compounds_csv=csv,
                calibrants=calibrants,
            )
        )
    if problems:
        raise DesignError(problems, file=design.source)
    return tasks


def _table_of(
    spec: SampleSpec,
    tables: Mapping[str, pd.DataFrame] | None,
    exports: dict[Path, Mapping[str, pd.DataFrame]],
    reader: Callable[[Path], Mapping[str, pd.DataFrame]],
) -> str | Path | pd.DataFrame:
    if tables is not None and spec.sample in tables:
        return tables[spec.sample]
    if spec.source is None:
        raise InputError(f"no table for sample {spec.sample!r}", row=spec.row, column="file")
    if spec.export_sample is None:
        return spec.source
    if spec.source not in exports:
        exports[spec.source] = reader(spec.source)
    found = exports[spec.source]
    if spec.export_sample not in found:
        raise InputError(
            f"the export {spec.source.name} has no sample of this name (it has: "
            f"{', '.join(list(found)[:10])})",
            row=spec.row,
            column="sample",
            value=spec.export_sample,
        )
    return found[spec.export_sample]


def read_export_tables(path: Path) -> Mapping[str, pd.DataFrame]:
    """A multi-sample export (MS-DIAL, LipidSearch, MZmine, Skyline) as sample → its canonical
    table (Name, RT, Volume and the export's evidence columns), read once."""
    export = read_export(path)
    return {str(name): export.frame(name) for name in export.sample_names}


def default_jobs() -> int:
    """The CPU count available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def warm_up() -> None:
    """Set up what every sample shares (the name parser) once, before workers are forked."""
    from ..names import composition_frame

    composition_frame(["GM3(36:1;O2)", "GD1a(36:1;O2)", "GT1b+OAc(38:1;O2)"])


def pool_allowed() -> bool:
    """Whether this process may start a pool: not when it is itself a daemonic worker (a
    process pool's worker may not have children; the work then runs in it, in order)."""
    return not multiprocessing.current_process().daemon


def sample_pool(jobs: int, total: int) -> ProcessPoolExecutor:
    """A pool of ``min(jobs, total)`` processes (forked where the system can, after
    :func:`warm_up`) for per-sample work."""
    warm_up()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context)


def run_samples(
    tasks: Sequence[SampleTask],
    jobs: int = 1,
    progress: SampleProgress | None = None,
) -> list[SampleResult]:
    """Analyse every task, in order; ``jobs > 1`` runs them in a process pool (unless this
    process is a pool's worker itself: :func:`pool_allowed`)."""
    results: list[SampleResult] = []
    total = len(tasks)
    if jobs <= 1 or total <= 1 or not pool_allowed():
        for task in tasks:
            results.append(analyze_sample(task))
            if progress is not None:
                progress(len(results), total, task.sample)
        return results
    with sample_pool(jobs, total) as pool:
        chunk = max(1, min(8, total // (4 * jobs)))
        for result in pool.map(analyze_sample, tasks, chunksize=chunk):
            results.append(result)
            if progress is not None:
                progress(len(results), total, result.sample)
    return results
