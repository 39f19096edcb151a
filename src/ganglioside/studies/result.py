"""The result of a study: samples, aligned compounds, matrix, statistics, drift and summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import StudyConfig
from .design import Design
from .impute import FILLS_NOTHING

if TYPE_CHECKING:
    from .quantify import Quantities
    from .run import SampleResult
    from .shared_model import SharedModel
    from .statistics import Comparison, Pca

#: The leading columns of :attr:`StudyResult.matrix`; one column per sample follows.
MATRIX_COLUMNS = ("feature_id", "species", "name", "isomer_track")

#: Columns of :attr:`StudyResult.samples` before the drift and the design's extra columns.
SAMPLE_COLUMNS: dict[str, str] = {
    "sample": "the sample's name in the design",
    "sample_type": "sample, qc, blank or the design's other word",
    "group": "its group",
    "batch": "its batch (empty when not given)",
    "injection_order": "its position in the injection sequence (empty when not given)",
    "replicate_of": "the sample it repeats (technical replicate), empty otherwise",
    "subject": "the subject measured more than once (paired designs), empty otherwise",
    "amount": "its known amount (the design's amount column), empty when not given",
    "source": "the table it was read from",
    "rows": "rows in its table",
    "valid": "rows valid",
    "outlier": "rows outlier",
    "fragment": "rows fragment",
    "unverified": "rows unverified",
    "invalid": "rows invalid",
    "anchors": "anchors of its own",
    "borrowed_anchors": "anchors borrowed from the other samples",
    "compounds_found": "aligned compounds valid in it",
    "valid_signal": "sum of the consolidated volumes of its valid rows (standards left out)",
    "warnings": "its file-level warnings (semicolon separated)",
    "error": "why its table could not be analysed (then left out of the study)",
}


@dataclass
class StudyResult:
    """Everything one run of :func:`ganglioside.study` produced.

    Attributes
    ----------
    design:
        The checked design.
    samples:
        One row per sample (:data:`SAMPLE_COLUMNS`, then the drift columns and the design's
        extra columns).
    analyses:
        Sample → its :class:`~.run.SampleResult` (with its compounds frame).
    features:
        One row per aligned compound (:data:`~.align.FEATURE_COLUMNS`).
    matrix:
        One row per aligned compound: ``species``, ``name`` (as most often written),
        ``isomer_track``, then one column per sample in the chosen quantity (empty where the
        compound was not valid in the sample).
    statistics:
        One row per compound that is no internal standard and contrast (``contrast``): fold
        change, tests, q values, group means and found fractions (measured values), QC
        measures and filter reasons; :attr:`main_statistics` holds the main contrast's.
    drift:
        One row per sample: RT shift, slope and the references they came from.
    pca:
        Scores of the samples and explained variance.
    abundance:
        Consolidated volumes, compounds × samples (index: the compound number of ``features``).
    quantities:
        The chosen quantity before and after imputation, with notes on how it was made.
    comparison:
        The groups compared (numerator over denominator).
    summary:
        Counts, the comparison, how quantities were made, parameters and version (JSON-ready).
    warnings:
        Study-level warnings, in plain words.
    peaks:
        Every peak of every sample with its species key, corrected RT and compound number.
    indices:
        Ganglioside-level indices (sialylation index, O-acetylated fraction, a-/b-series
        ratio, category shares) × samples; see :mod:`.indices`.
    index_statistics:
        Their tests between the groups, one row per index and contrast.
    shared_model:
        The study's shared RT model (its calibration and pooled anchors), or ``None`` when
        each sample fitted its own.
    """

    design: Design
    samples: pd.DataFrame
    analyses: dict[str, SampleResult]
    features: pd.DataFrame
    matrix: pd.DataFrame
    statistics: pd.DataFrame
    drift: pd.DataFrame
    pca: Pca
    abundance: pd.DataFrame
    quantities: Quantities
    comparison: Comparison
    summary: dict[str, Any]
    config: StudyConfig
    warnings: list[str] = field(default_factory=list)
    peaks: pd.DataFrame | None = None
    shared_model: SharedModel | None = None
    indices: pd.DataFrame | None = None
    index_statistics: pd.DataFrame | None = None

    @property
    def main_statistics(self) -> pd.DataFrame:
        """The statistics of the main contrast (:attr:`comparison`): one row per compound."""
        stats = self.statistics
        if "contrast" not in stats.columns:
            return stats
        return stats[stats["contrast"] == self.comparison.label].reset_index(drop=True)


def extra_tables(result: StudyResult) -> dict[str, pd.DataFrame]:
    """``imputed_cells.csv``, ``matrix_batch_corrected.csv``, ``amounts.csv``, ``qc.csv``,
    ``indices.csv`` and ``index_statistics.csv`` when they apply."""
    head = result.matrix.set_index("feature")[list(MATRIX_COLUMNS)]
    out: dict[str, pd.DataFrame] = {}
    q = result.quantities
    if q.imputation not in FILLS_NOTHING:
        out["imputed_cells.csv"] = head.join(q.imputed_cells).reset_index(drop=True)
    if q.batch_corrected is not None:
        out["matrix_batch_corrected.csv"] = head.join(q.batch_corrected).reset_index(drop=True)
    if q.amounts is not None:
        out["amounts.csv"] = head.join(q.amounts).reset_index(drop=True)
    if q.qc is not None:
        out["qc.csv"] = head.join(q.qc.table).reset_index(drop=True)
    if result.indices is not None:
        out["indices.csv"] = result.indices.reset_index()
    if result.index_statistics is not None:
        out["index_statistics.csv"] = result.index_statistics
    return out
