"""Outputs and plots of an :class:`~ganglioside.AnalysisResult`: pure writers, no web imports.

The output registry (:data:`OUTPUTS`, :mod:`.outputs`) names every file an analysis can
write, with its media type, its writer (a file) and its renderer (text or bytes)::

    from ganglioside.report import OUTPUTS, write_all
    paths = write_all(result, "results")   # compounds.csv, fragments.csv, summary.json, report.html
    paths = write_all(result, "results", outputs=("xlsx", "parquet"))
    data = OUTPUTS["xlsx"].render(result)  # the workbook as bytes

The writers, renderers and plots below are imported on first use: ``from ganglioside.report
import write_all`` loads neither Plotly nor XlsxWriter nor pyarrow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._lazy import lazy_names, names_of
from .outputs import DEFAULT_OUTPUTS, OUTPUTS, Output, parse_outputs, write_outputs

# Imported now: the function ``summary_json`` shares its name with its module, which would
# otherwise hide it once the module is loaded.
from .summary_json import summary_document, summary_json, write_summary_json

if TYPE_CHECKING:  # pragma: no cover
    from ..result import AnalysisResult

#: Public names imported on first access, by the module that holds them.
_LAZY: dict[str, tuple[str, ...]] = {
    ".abundance": ("LEVELS", "abundance_table"),
    ".html": ("report_html", "write_report_html"),
    ".parquet": ("parquet_bytes", "write_parquet"),
    ".pdf": ("pdf_bytes", "write_pdf"),
    ".plots": (
        "abundance_figure",
        "all_figures",
        "observed_predicted_figure",
        "residual_figure",
        "rt_logp_figure",
    ),
    ".safe": ("neutralise", "safe_frame"),
    ".tables": (
        "compounds_csv",
        "fragments_csv",
        "models_table",
        "write_compounds_csv",
        "write_fragments_csv",
    ),
    ".workbook": ("SHEETS", "workbook_bytes", "write_workbook"),
}

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "DEFAULT_OUTPUTS",
    "OUTPUTS",
    "Output",
    "parse_outputs",
    "summary_document",
    "summary_json",
    "write_all",
    "write_summary_json",
    *names_of(_LAZY),
]


def write_all(
    analysis: AnalysisResult,
    outdir: str | Path,
    progress: Callable[[str, float, str], None] | None = None,
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
) -> dict[str, Path]:
    """Write the outputs ``outputs`` (names of :data:`OUTPUTS`) into ``outdir``.

    Parameters
    ----------
    analysis:
        The result to write.
    outdir:
        Folder for the files (created if needed).
    progress:
        Optional ``progress(step, fraction, message)`` with step ``"outputs"``, fraction of
        all the outputs (each file weighs the same) and message ``"writing <file>"`` before
        each file, as :func:`ganglioside.analyze` does for its steps; ``(..., 1.0, "done")`` last.
    outputs:
        Which files: by default :data:`DEFAULT_OUTPUTS` (``compounds.csv``,
        ``fragments.csv``, ``summary.json``, ``report.html``).

    Returns
    -------
    dict[str, pathlib.Path]
        The written paths keyed by file name.
    """
    if progress is None:
        return write_outputs(analysis, outdir, outputs)
    callback = progress
    order = [o.filename for o in OUTPUTS.values() if o.name in set(outputs)]

    def overall(step: str, fraction: float, message: str) -> None:
        start = order.index(step)
        if fraction == 0.0:
            message = f"writing {step}"
        callback("outputs", (start + min(fraction, 1.0)) / len(order), message)

    paths = write_outputs(analysis, outdir, outputs, overall)
    callback("outputs", 1.0, "done")
    return paths
