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
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..report.safe import safe_csv
from .mztab import study_mztab
from .pdf import write_study_pdf
from .plots import study_figures
from .report import study_report_html
from .result import MATRIX_COLUMNS, StudyResult, extra_tables
from .run import write_compounds_csv
from .workbook import write_study_workbook

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


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    path.write_text(safe_csv(frame), encoding="utf-8", newline="")
    return path


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


def write_study(
    result: StudyResult,
    outdir: str | Path,
    *,
    images: bool = True,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write every file of the study into ``outdir`` (created if needed); returns name → path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _step: None)
    paths: dict[str, Path] = {}
    say("tables")
    paths["matrix.csv"] = _csv(matrix_frame(result), outdir / "matrix.csv")
    if result.quantities.imputation != "none":
        paths["matrix_imputed.csv"] = _csv(
            matrix_frame(result, True), outdir / "matrix_imputed.csv"
        )
    for name, frame in extra_tables(result).items():
        paths[name] = _csv(frame, outdir / name)
    paths["statistics.csv"] = _csv(statistics_frame(result), outdir / "statistics.csv")
    paths["samples.csv"] = _csv(result.samples, outdir / "samples.csv")
    paths["pca.csv"] = _csv(result.pca.scores, outdir / "pca.csv")
    say("samples")
    paths.update(write_sample_compounds(result, outdir / "samples"))
    say("workbook")
    write_study_workbook(result, outdir / "study.xlsx")
    paths["study.xlsx"] = outdir / "study.xlsx"
    say("mztab")
    paths["study.mztab"] = outdir / "study.mztab"
    paths["study.mztab"].write_text(study_mztab(result), encoding="utf-8", newline="\n")
    paths["study_summary.json"] = outdir / "study_summary.json"
    paths["study_summary.json"].write_text(
        json.dumps(result.summary, indent=2, default=str), encoding="utf-8"
    )
    paths.update(write_shared_model(result, outdir))
    say("report")
    paths["study_report.html"] = outdir / "study_report.html"
    paths["study_report.html"].write_text(study_report_html(result), encoding="utf-8")
    paths["study_report.pdf"] = write_study_pdf(result, outdir / "study_report.pdf")
    if images:
        paths.update(write_images(result, outdir / "figures"))
    return paths


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


def write_shared_model(result: StudyResult, outdir: Path) -> dict[str, Path]:
    """Write :func:`shared_model_texts` into ``outdir``; name → path."""
    paths = {}
    for name, text in shared_model_texts(result).items():
        paths[name] = outdir / name
        paths[name].write_text(text, encoding="utf-8", newline="")
    return paths


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
