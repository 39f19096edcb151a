"""Exports and plots of an :class:`~ganglioside.Analysis`: pure writers, no web imports.

Each export has a form that returns text or bytes (for storage in a database) and a form that
writes a file::

    from ganglioside.report import write_all
    paths = write_all(result, "results")   # compounds.csv, summary.json, workbook.xlsx, report.html

========================  =========================  ==========================
file                      returns text or bytes       writes a file
========================  =========================  ==========================
``compounds.csv``         :func:`compounds_csv`       :func:`write_compounds_csv`
``summary.json``          :func:`summary_json`        :func:`write_summary_json`
``workbook.xlsx``         :func:`workbook_bytes`      :func:`write_workbook`
``report.html``           :func:`report_html`         :func:`write_report_html`
========================  =========================  ==========================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..result import Analysis
from .abundance import LEVELS, abundance_table
from .html import report_html, write_report_html
from .plots import (
    abundance_figure,
    all_figures,
    observed_predicted_figure,
    residual_figure,
    rt_logp_figure,
)
from .safe import neutralise, safe_frame
from .summary_json import summary_document, summary_json, write_summary_json
from .tables import compounds_csv, models_table, write_compounds_csv
from .workbook import SHEETS, build_workbook, workbook_bytes, write_workbook


@dataclass(frozen=True)
class Artifact:
    """One export: its file name, media type and the function that renders it to bytes."""

    filename: str
    media_type: str
    render: Callable[[Analysis], bytes]


def _utf8(render: Callable[[Analysis], str]) -> Callable[[Analysis], bytes]:
    def encoded(analysis: Analysis) -> bytes:
        return render(analysis).encode("utf-8")

    return encoded


#: Every export, in the order they are written.
ARTIFACTS: tuple[Artifact, ...] = (
    Artifact("compounds.csv", "text/csv; charset=utf-8", _utf8(compounds_csv)),
    Artifact("summary.json", "application/json", _utf8(summary_json)),
    Artifact(
        "workbook.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        workbook_bytes,
    ),
    Artifact("report.html", "text/html; charset=utf-8", _utf8(report_html)),
)


def render_all(analysis: Analysis) -> dict[str, bytes]:
    """Every export as bytes, keyed by file name (``compounds.csv``, ``summary.json``, ...)."""
    return {a.filename: a.render(analysis) for a in ARTIFACTS}


def write_all(
    analysis: Analysis,
    outdir: str | Path,
    progress: Callable[[str, float, str], None] | None = None,
) -> dict[str, Path]:
    """Write every export into ``outdir`` (created if needed).

    Parameters
    ----------
    analysis:
        The result to export.
    outdir:
        Folder for ``compounds.csv``, ``summary.json``, ``workbook.xlsx`` and ``report.html``.
    progress:
        Optional ``progress(step, fraction, message)`` called before each file with step
        ``"export"``, as :func:`ganglioside.analyze` does for its steps.

    Returns
    -------
    dict[str, pathlib.Path]
        The written paths keyed by file name.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, artifact in enumerate(ARTIFACTS):
        if progress is not None:
            progress("export", i / len(ARTIFACTS), f"writing {artifact.filename}")
        path = outdir / artifact.filename
        path.write_bytes(artifact.render(analysis))
        paths[artifact.filename] = path
    if progress is not None:
        progress("export", 1.0, "done")
    return paths


__all__ = [
    "ARTIFACTS",
    "LEVELS",
    "SHEETS",
    "Artifact",
    "abundance_figure",
    "abundance_table",
    "all_figures",
    "build_workbook",
    "compounds_csv",
    "models_table",
    "neutralise",
    "observed_predicted_figure",
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
    "write_report_html",
    "write_summary_json",
    "write_workbook",
]
