"""Exports and plots of an :class:`~ganglioside.AnalysisResult`: pure writers, no web imports.

Each export has a form that writes a file and (for the web platform, which stores exports in
its database) a form that returns text or bytes::

    from ganglioside.report import write_all
    paths = write_all(result, "results")   # compounds.csv, fragments.csv, summary.json, report.html
    paths = write_all(result, "results", outputs=("xlsx", "parquet"))

=====================  ==========================  ==========================
file                   returns text or bytes        writes a file
=====================  ==========================  ==========================
``compounds.csv``      :func:`compounds_csv`        :func:`write_compounds_csv`
``fragments.csv``      :func:`fragments_csv`        :func:`write_fragments_csv`
``summary.json``       :func:`summary_json`         :func:`write_summary_json`
``workbook.xlsx``      :func:`workbook_bytes`       :func:`write_workbook`
``compounds.parquet``  :func:`parquet_bytes`        :func:`write_parquet`
``report.html``        :func:`report_html`          :func:`write_report_html`
=====================  ==========================  ==========================

Names are imported on first use: ``from ganglioside.report import write_all`` loads neither
Plotly nor XlsxWriter nor pyarrow; each writer module is loaded when its file is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .outputs import DEFAULT_OUTPUTS, OUTPUTS, Output, OutputUnavailable, parse_outputs

# Imported now: the function ``summary_json`` shares its name with its module, which would
# otherwise hide it once the module is loaded.
from .summary_json import summary_document, summary_json, write_summary_json

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from ..result import AnalysisResult
    from .abundance import LEVELS, abundance_table
    from .html import report_html, write_report_html
    from .parquet import parquet_bytes, write_parquet
    from .plots import (
        abundance_figure,
        all_figures,
        observed_predicted_figure,
        residual_figure,
        rt_logp_figure,
    )
    from .safe import neutralise, safe_frame
    from .tables import (
        compounds_csv,
        fragments_csv,
        models_table,
        write_compounds_csv,
        write_fragments_csv,
    )
    from .workbook import SHEETS, workbook_bytes, write_workbook

#: Public names and the module that holds each, imported on first access.
_LAZY: dict[str, str] = {
    "LEVELS": ".abundance",
    "abundance_table": ".abundance",
    "report_html": ".html",
    "write_report_html": ".html",
    "parquet_bytes": ".parquet",
    "write_parquet": ".parquet",
    "abundance_figure": ".plots",
    "all_figures": ".plots",
    "observed_predicted_figure": ".plots",
    "residual_figure": ".plots",
    "rt_logp_figure": ".plots",
    "neutralise": ".safe",
    "safe_frame": ".safe",
    "compounds_csv": ".tables",
    "fragments_csv": ".tables",
    "models_table": ".tables",
    "write_compounds_csv": ".tables",
    "write_fragments_csv": ".tables",
    "SHEETS": ".workbook",
    "workbook_bytes": ".workbook",
    "write_workbook": ".workbook",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ganglioside.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


@dataclass(frozen=True)
class Artifact:
    """One export: its file name, media type and the function that renders it to bytes."""

    filename: str
    media_type: str
    render: Callable[[AnalysisResult], bytes]


def _lazy_render(module: str, function: str, text: bool) -> Callable[[AnalysisResult], bytes]:
    """A renderer that imports its module when first called (text is encoded as UTF-8)."""

    def render(analysis: AnalysisResult) -> bytes:
        value = getattr(importlib.import_module(module, __name__), function)(analysis)
        return value.encode("utf-8") if text else bytes(value)

    return render


#: The exports the web platform stores for each analysis (one per kind), in this order.
ARTIFACTS: tuple[Artifact, ...] = (
    Artifact(
        "compounds.csv", "text/csv; charset=utf-8", _lazy_render(".tables", "compounds_csv", True)
    ),
    Artifact(
        "summary.json", "application/json", _lazy_render(".summary_json", "summary_json", True)
    ),
    Artifact(
        "workbook.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _lazy_render(".workbook", "workbook_bytes", False),
    ),
    Artifact("report.html", "text/html; charset=utf-8", _lazy_render(".html", "report_html", True)),
)


def render_all(analysis: AnalysisResult) -> dict[str, bytes]:
    """The exports of :data:`ARTIFACTS` as bytes, keyed by file name."""
    return {a.filename: a.render(analysis) for a in ARTIFACTS}


def write_all(
    analysis: AnalysisResult,
    outdir: str | Path,
    progress: Callable[[str, float, str], None] | None = None,
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
) -> dict[str, Path]:
    """Write the exports ``outputs`` (names of :data:`OUTPUTS`) into ``outdir``.

    Parameters
    ----------
    analysis:
        The result to export.
    outdir:
        Folder for the files (created if needed).
    progress:
        Optional ``progress(step, fraction, message)`` with step ``"export"``, fraction of the
        whole export (each file weighs the same) and message ``"writing <file>"`` before each
        file, as :func:`ganglioside.analyze` does for its steps; ``(..., 1.0, "done")`` last.
    outputs:
        Which files: by default :data:`DEFAULT_OUTPUTS` (``compounds.csv``,
        ``fragments.csv``, ``summary.json``, ``report.html``).

    Returns
    -------
    dict[str, pathlib.Path]
        The written paths keyed by file name.
    """
    from .outputs import write_outputs

    if progress is None:
        return write_outputs(analysis, outdir, outputs)
    callback = progress
    order = [o.filename for o in OUTPUTS.values() if o.name in set(outputs)]

    def overall(step: str, fraction: float, message: str) -> None:
        start = order.index(step)
        if fraction == 0.0:
            message = f"writing {step}"
        callback("export", (start + min(fraction, 1.0)) / len(order), message)

    paths = write_outputs(analysis, outdir, outputs, overall)
    callback("export", 1.0, "done")
    return paths


__all__ = [
    "ARTIFACTS",
    "DEFAULT_OUTPUTS",
    "LEVELS",
    "OUTPUTS",
    "SHEETS",
    "Artifact",
    "Output",
    "OutputUnavailable",
    "abundance_figure",
    "abundance_table",
    "all_figures",
    "compounds_csv",
    "fragments_csv",
    "models_table",
    "neutralise",
    "observed_predicted_figure",
    "parquet_bytes",
    "parse_outputs",
    "render_all",
    "report_html",
    "residual_figure",
    "rt_logp_figure",
    "safe_frame",
    "summary_document",
    "summary_json",
    "workbook_bytes",
    "write_all",
    "write_compounds_csv",
    "write_fragments_csv",
    "write_parquet",
    "write_report_html",
    "write_summary_json",
    "write_workbook",
]
