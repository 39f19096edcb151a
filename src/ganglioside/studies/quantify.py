"""Quantities of the aligned compounds: signal drift corrected from the pooled QCs, normalised,
QC-filtered and, when asked, imputed (each step stated with the result).

The steps, each a module of its own: :mod:`.qc` (drift correction, filters, batch correction),
:mod:`.normalise` (the quantity and the samples' dilution factors), :mod:`.impute`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .absolute import absolute_amounts
from .design import Design
from .impute import IMPUTATION_TEXT, impute
from .normalise import QUANTITY_TEXT, normalise
from .qc import QcReport, batch_corrected, drift_correct, qc_filters

if TYPE_CHECKING:
    from .config import StudyConfig

__all__ = ["IMPUTATION_TEXT", "QUANTITY_TEXT", "Quantities", "quantify"]


@dataclass(frozen=True)
class Quantities:
    """The matrix (compounds × samples) in the chosen quantity, before and after imputation.

    ``values`` holds what was measured (NaN where missing), drift-corrected and normalised;
    ``imputed`` the matrix the statistics use; ``n_missing`` per compound; ``notes`` how each
    step was done, in words; ``dilution`` each sample's normalisation factor; ``qc`` the QC
    filters' table; ``batch_corrected`` the study samples' values with batch location and scale
    removed (None with one batch); ``amounts`` pmol per sample (amount) from the spiked
    internal standards (None when the design gives none, see :mod:`.absolute`).
    """

    values: pd.DataFrame
    imputed: pd.DataFrame
    n_missing: pd.Series
    quantity: str
    imputation: str
    notes: list[str] = field(default_factory=list)
    dilution: pd.Series | None = None
    qc: QcReport | None = None
    batch_corrected: pd.DataFrame | None = None
    amounts: pd.DataFrame | None = None

    @property
    def imputed_cells(self) -> pd.DataFrame:
        """True where a cell of ``imputed`` was filled, not measured."""
        return self.values.isna() & self.imputed.notna()


def quantify(
    abundance: pd.DataFrame, features: pd.DataFrame, design: Design, config: StudyConfig
) -> Quantities:
    """Correct, express, filter and fill the abundances as the config asks."""
    notes: list[str] = []
    corrected = abundance.astype(float)
    if config.qc_drift:
        corrected, more = drift_correct(corrected, design)
        notes.extend(more)
    values, factors, more = normalise(corrected, features, design, config.quantity)
    notes = more + notes
    limits = {
        "qc_rsd": config.qc_rsd,
        "d_ratio": config.d_ratio,
        "blank_ratio": config.blank_ratio,
        "detection_rate": config.detection_rate,
    }
    qc = qc_filters(values, abundance.astype(float), design, limits)
    notes.extend(qc.notes)
    n_missing = values.isna().sum(axis=1)
    groups = {s.sample: s.group for s in design.biological}
    imputed = impute(values, config.imputation, groups)
    notes.append(f"imputation: {IMPUTATION_TEXT[config.imputation]}")
    batches = batch_corrected(imputed, design)
    amounts, more = absolute_amounts(corrected, features, design)
    notes.extend(more)
    return Quantities(
        values,
        imputed,
        n_missing,
        config.quantity,
        config.imputation,
        notes,
        factors,
        qc,
        batches,
        amounts,
    )
