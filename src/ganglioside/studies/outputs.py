"""Every file of ``ganglioside study``, written into one folder.

=============================  ===============================================================
file                           what it holds
=============================  ===============================================================
``matrix.csv``                 one row per aligned compound: feature_id, species, name,
                               isomer_track, one
                               column per sample (the chosen quantity; empty = missing)
``matrix_imputed.csv``         the same after imputation (only when imputation was asked)
``imputed_cells.csv``          ``true`` where a cell of ``matrix_imputed.csv`` was filled
``matrix_batch_corrected.csv`` the study samples with each batch's location and scale per
                               compound removed (for pictures; only with two or more batches)
``amounts.csv``                 pmol per sample amount per compound from the spiked internal
                               standards (only when the design gives ``istd_pmol_<category>``)
``indices.csv``                ganglioside-level indices per sample (sialylation index,
                               O-acetylated fraction, a-/b-series ratio, category shares)
``index_statistics.csv``       their tests per contrast (same model, no moderation)
``qc.csv``                     per compound: QC RSD before/after the drift correction,
                               D-ratio, blank ratio, detection rate, filter reasons
``statistics.csv``             one row per compound and contrast: fold change, tests, q values,
                               means, found fractions, QC filter
``samples.csv``                one row per sample: counts, anchors, drift, design columns
``pca.csv``                    PCA scores of the samples
``samples/<sample>/compounds.csv``  each sample's own analysis, as ``analyze`` writes it
``study.xlsx``                 the tables above in one workbook
``study_report.html``          the self-contained report with its figures
``study_report.pdf``           the report on A4 pages (matplotlib): summary, figures, heatmap
                               with every row labelled, compounds by q value, samples
``study.mztab``                mzTab-M 2.0 (MTD, SML, SMF)
``study_summary.json``         counts, comparison, quantity notes, RT anchoring, parameters
``shared_anchors.csv``         the study's pooled anchors (species, name, RT on the common scale,
                               samples anchoring it); only when the samples shared anchors
``calibration.json``           the RT model fitted on those pooled anchors, as a calibration
                               file (``ganglioside analyze --calibration``); only with them
``figures/*.svg``, ``*.png``   the figures as images, only when kaleido can draw them
=============================  ===============================================================
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..report.outputs import CSV, JSON
from ..report.safe import safe_csv
from .background import Pending, finish_file, start_file
from .impute import FILLS_NOTHING
from .mztab import study_mztab
from .pdf import study_pdf_bytes
from .plots import study_figures
from .report import study_report_html
from .result import MATRIX_COLUMNS, StudyResult, extra_tables
from .run import write_compounds_csv
from .workbook import study_workbook_bytes

#: Leading columns of ``statistics.csv``; the tests' own columns and group columns follow.
STATISTICS_LEAD = (
    "feature_id",
    "contrast",
    "species",
    "name",
    "isomer_track",
    "category",
    "rt",
    "log2_fold_change",
    "p_value",
    "q_value",
    "test",
)

Progress = Callable[[str], None]
#: The study's Plotly figures by name, when already made (the report reuses them).
Figures = Mapping[str, Any] | None


def _csv(frame: pd.DataFrame) -> bytes:
    return safe_csv(frame).encode("utf-8")


def matrix_frame(result: StudyResult, imputed: bool = False) -> pd.DataFrame:
    """``matrix.csv``'s rows: species, name, isomer_track and one column per sample."""
    if not imputed:
        return result.matrix.drop(columns=["feature"])
    head = result.matrix.set_index("feature")[list(MATRIX_COLUMNS)]
    return head.join(result.quantities.imputed).reset_index(drop=True)


def statistics_frame(result: StudyResult) -> pd.DataFrame:
    """``statistics.csv``'s rows, lead columns first."""
    stats = result.statistics
    rest = [c for c in stats.columns if c not in STATISTICS_LEAD and c != "feature"]
    return stats[[*STATISTICS_LEAD, *rest]]


@dataclass(frozen=True)
class StudyOutput:
    """One file of a study: its name, media type, what it holds, and its writer —
    ``render(result, figures)`` gives its bytes, or None when this study has no such file."""

    filename: str
    media_type: str
    description: str
    render: Callable[[StudyResult, Figures], bytes | None]
    step: str  # the progress step it is written in


def _imputed(result: StudyResult, _: Figures) -> bytes | None:
    if result.quantities.imputation in FILLS_NOTHING:
        return None
    return _csv(matrix_frame(result, True))


def _extra(name: str) -> Callable[[StudyResult, Figures], bytes | None]:
    def render(result: StudyResult, _: Figures) -> bytes | None:
        frame = extra_tables(result).get(name)
        return None if frame is None else _csv(frame)

    return render


def _shared(name: str) -> Callable[[StudyResult, Figures], bytes | None]:
    def render(result: StudyResult, _: Figures) -> bytes | None:
        text = shared_model_texts(result).get(name)
        return None if text is None else text.encode("utf-8")

    return render


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Every file a finished study offers, in the order they are written (``samples/`` and
#: ``figures/`` are folders of files, written by :func:`write_study` beside them).
STUDY_OUTPUTS: dict[str, StudyOutput] = {
    o.filename: o
    for o in (
        StudyOutput("matrix.csv", CSV, "one row per aligned compound, one column per sample",
                    lambda r, _: _csv(matrix_frame(r)), "tables"),
        StudyOutput("matrix_imputed.csv", CSV, "the matrix after imputation (when asked)",
                    _imputed, "tables"),
        StudyOutput("imputed_cells.csv", CSV, "true where a cell of the imputed matrix was filled",
                    _extra("imputed_cells.csv"), "tables"),
        StudyOutput("matrix_batch_corrected.csv", CSV, "the matrix with batch effects removed",
                    _extra("matrix_batch_corrected.csv"), "tables"),
        StudyOutput("amounts.csv", CSV, "pmol per sample amount from the spiked standards",
                    _extra("amounts.csv"), "tables"),
        StudyOutput("qc.csv", CSV, "per compound: QC RSD, D-ratio, blank ratio, filters",
                    _extra("qc.csv"), "tables"),
        StudyOutput("indices.csv", CSV, "ganglioside-level indices per sample",
                    _extra("indices.csv"), "tables"),
        StudyOutput("index_statistics.csv", CSV, "the indices' tests per contrast",
                    _extra("index_statistics.csv"), "tables"),
        StudyOutput("statistics.csv", CSV,
                    "one row per compound and contrast: fold change, tests, q values",
                    lambda r, _: _csv(statistics_frame(r)), "tables"),
        StudyOutput("samples.csv", CSV, "one row per sample: counts, anchors, drift, design",
                    lambda r, _: _csv(r.samples), "tables"),
        StudyOutput("pca.csv", CSV, "PCA scores of the samples",
                    lambda r, _: _csv(r.pca.scores), "tables"),
        StudyOutput("study.xlsx", XLSX, "the tables in one workbook",
                    lambda r, _: study_workbook_bytes(r), "workbook"),
        StudyOutput("study.mztab", "text/tab-separated-values; charset=utf-8", "mzTab-M 2.0",
                    lambda r, _: study_mztab(r).encode("utf-8"), "mztab"),
        StudyOutput("study_summary.json", JSON, "counts, comparison, notes, parameters",
                    lambda r, _: json.dumps(r.summary, indent=2, default=str).encode("utf-8"),
                    "mztab"),
        StudyOutput("shared_anchors.csv", CSV, "the pooled anchors (when the samples shared)",
                    _shared("shared_anchors.csv"), "mztab"),
        StudyOutput("calibration.json", JSON, "the RT model of the pooled anchors",
                    _shared("calibration.json"), "mztab"),
        StudyOutput("study_report.html", "text/html; charset=utf-8", "the report",
                    lambda r, figures: study_report_html(r, figures).encode("utf-8"), "report"),
        StudyOutput("study_report.pdf", "application/pdf", "the report on A4 pages",
                    lambda r, _: study_pdf_bytes(r), "report"),
    )
}  # fmt: skip


def render_study(result: StudyResult, figures: Figures = None) -> dict[str, bytes]:
    """Name → content of every file of :data:`STUDY_OUTPUTS` this study has."""
    files = {}
    for name, output in STUDY_OUTPUTS.items():
        content = output.render(result, figures)
        if content is not None:
            files[name] = content
    return files


def write_study(
    result: StudyResult,
    outdir: str | Path,
    *,
    images: bool = True,
    progress: Progress | None = None,
    jobs: int = 1,
) -> dict[str, Path]:
    """Write every file of the study into ``outdir`` (created if needed): the files of
    :data:`STUDY_OUTPUTS`, each sample's ``samples/<sample>/compounds.csv`` and, with
    ``images``, ``figures/``; returns name → path.  With ``jobs > 1`` the study PDF is
    written by a forked process meanwhile (:mod:`.background`; the same bytes)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _step: None)
    aside = _start_aside(result, outdir) if jobs > 1 else {}
    paths: dict[str, Path] = {}
    step = ""
    for name, output in STUDY_OUTPUTS.items():
        if output.step != step:
            if step == "tables":
                say("samples")
                paths.update(write_sample_compounds(result, outdir / "samples"))
            step = output.step
            say(step)
        if name in aside:
            continue
        content = output.render(result, None)
        if content is not None:
            paths[name] = outdir / name
            paths[name].write_bytes(content)
    for name, pending in aside.items():
        if finish_file(pending):
            paths[name] = pending.path
    if images:
        paths.update(write_images(result, outdir / "figures"))
    return paths


#: Files written by a forked process while the others are written (``jobs > 1``); the last
#: of :data:`STUDY_OUTPUTS`, so that the paths come back in the same order.
ASIDE = ("study_report.pdf",)


def _start_aside(result: StudyResult, outdir: Path) -> dict[str, Pending]:
    return {
        name: start_file(outdir / name, partial(STUDY_OUTPUTS[name].render, result, None))
        for name in ASIDE
    }


def shared_model_texts(result: StudyResult) -> dict[str, str]:
    """``shared_anchors.csv`` and ``calibration.json`` (name → text) when the samples shared
    anchors; nothing otherwise."""
    shared = result.shared_model
    if shared is None:
        return {}
    texts = {"shared_anchors.csv": safe_csv(shared.anchors)}
    if shared.calibration is not None:
        texts["calibration.json"] = json.dumps(shared.calibration, indent=1, sort_keys=True) + "\n"
    return texts


def write_sample_compounds(result: StudyResult, folder: Path) -> dict[str, Path]:
    """``<folder>/<sample>/compounds.csv`` for every sample (kept when its worker already wrote
    it there)."""
    paths = {}
    for sample, analysis in result.analyses.items():
        if analysis.compounds is None:
            continue
        target = folder / sample / "compounds.csv"
        written = analysis.compounds_csv and Path(analysis.compounds_csv) == target
        if not (written and target.is_file()):
            write_compounds_csv(analysis.compounds, target)
        paths[f"samples/{sample}/compounds.csv"] = target
    return paths


def images_available() -> bool:
    """Whether kaleido (the optional image writer of Plotly) is installed."""
    return importlib.util.find_spec("kaleido") is not None


def write_images(result: StudyResult, folder: Path) -> dict[str, Path]:
    """Each figure as SVG and PNG when kaleido can draw them; nothing otherwise."""
    if not images_available():
        return {}
    paths: dict[str, Path] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, fig in study_figures(result).items():
        for suffix in ("svg", "png"):
            path = folder / f"{name}.{suffix}"
            try:
                fig.write_image(path)
            except Exception:  # kaleido present but unable to start its browser: no images
                return paths
            paths[f"figures/{name}.{suffix}"] = path
    return paths
