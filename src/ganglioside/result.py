"""The result of one analysis: per-row records, model reports, fragment events, summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .config import AnalysisConfig

#: Row statuses.  ``istd`` is a labelled internal standard (e.g. a d5 or 13C form): recognised
#: by its name, never checked by the rules nor counted as an endogenous species.
STATUSES = ("valid", "outlier", "fragment", "unverified", "invalid", "istd")
CATEGORIES = ("GA", "GM", "GD", "GT", "GQ", "GP")
PROGRESS_STEPS = (
    "read",
    "parse",
    "fragments",
    "isomers",
    "retention",
    "acetylation",
    "categories",
    "summary",
)

#: Columns of :attr:`AnalysisResult.compounds`, in order, with their meaning.  Extra input columns
#: follow these, unchanged.  Text columns with few distinct values are pandas categoricals,
#: counts are 16-bit integers and row references nullable 32-bit integers.
COMPOUND_COLUMNS: dict[str, str] = {
    "row": "1-based data row number in the input table (the identity of a peak)",
    "name": "annotated name as given",
    "species": "normalised species (LIPID MAPS species level, isomer letter when known, e.g. "
    "GD1a 36:1;O2): the same species whatever the name's dialect",
    "rt": "retention time (min)",
    "volume": "peak volume as given",
    "log_p": "Log P used (given, or estimated from composition when missing)",
    "log_p_source": "given | estimated | missing",
    "log_p_expected": "Log P estimated from composition (for the mismatch check)",
    "is_anchor": "the lab confirmed this peak (standard)",
    "is_internal_standard": "a labelled internal standard (d5, 13C, ...), recognised by its name",
    "group_key": "core + isomer + sorted modifications: the RT model group",
    "core": "headgroup core, e.g. GD1",
    "category": "GA | GM | GD | GT | GQ | GP",
    "isomer": "isomer letter from the name (a, b, c, α…), empty if none",
    "modifications": "canonical modification string, e.g. +dHex+OAc",
    "ceramide": "ceramide key a:b;Oc",
    "carbons": "ceramide carbons",
    "double_bonds": "ceramide double bonds",
    "oxygens": "ceramide oxygens",
    "neuac": "N-acetylneuraminic acids (core and modifications)",
    "neugc": "N-glycolylneuraminic acids",
    "hex": "hexoses (core and modifications)",
    "hexnac": "N-acetylhexosamines",
    "dhex": "deoxyhexoses",
    "oac": "O-acetyl groups",
    "sugar_count": "total sugar residues (OAc is not a sugar)",
    "formula": "sum formula of the neutral molecule",
    "mass": "monoisotopic mass (Da)",
    "mz_h": "m/z of [M-H]-",
    "mz_2h": "m/z of [M-2H]2-",
    "status": "valid | outlier | fragment | unverified | invalid | istd",
    "reasons": "why the status was given, in words (the numbers are in their own columns)",
    "evidence": "checks passed and failed, e.g. rt_model:pass;oac:consistent",
    "warnings": "warnings attached to the row (semicolon separated)",
    "predicted_rt": "RT predicted by the model (min)",
    "residual": "rt - predicted_rt (min)",
    "z": "residual / prediction SD (s * sqrt(1 + leverage), with the intercept's uncertainty); "
    "a non-anchor row whose |z| reaches outlier_z is an outlier",
    "pi_low": "lower end of the 95 % prediction interval of the row's RT, calibrated on the "
    "file's own peaks (decides nothing: the outlier test reads z)",
    "pi_high": "upper end of the 95 % prediction interval (see pi_low)",
    "model_level": "group | pooled | composition | self_calibrated | transferred | empty when "
    "no model",
    "model_id": "id of the model report used",
    "isomer_track": "isomer track the peak was scored against (letter, early/late, or empty)",
    "oac_label": "consistent | coeluting | reversed | too_large | not_validated | empty",
    "oac_base_row": "row of the base peak paired with an O-acetylated peak",
    "oac_shift": "RT(OAc peak) - RT(base peak) (min)",
    "fragment_of": "row of the root parent when status is fragment",
    "fragment_parent": "row of the direct parent",
    "fragment_delta_rt": "RT(fragment) - RT(parent) (min)",
    "fragment_lost": "residues lost from the parent, e.g. NeuAc or 2NeuAc+Hex (no sign)",
    "volume_consolidated": "own volume plus the volumes of its fragments (roots); 0 for fragments",
    "identification_level": "1 standard | 2 MS/MS + RT | 3 RT-consistent MS1 | 4 composition "
    "only | 5 contradicted (docs/ALGORITHM.md, Identification level)",
    "identification": "standard | ms2_rt | rt_ms1 | composition | contradicted",
    "mz_error_ppm": "measured precursor m/z minus the formula's ion for the export's adduct "
    "(ppm), where the export gives both",
    "ms2_evidence": "diagnostic MS/MS ions found: ion@measured m/z(ppm, % of base peak)",
    "artefact_of": "row whose ion plus an adduct or cluster this feature is (status fragment)",
}


@dataclass(frozen=True)
class ModelReport:
    """One fitted retention-time model.

    ``level`` is ``group`` (a line of its own), ``pooled`` (common slope, own intercepts) or
    ``composition`` (intercepts derived from composition for groups without anchors).
    ``intercepts`` maps a unit (group key, or ``group key|track``) to ``(value, standard error)``.
    ``calibration`` says what the line was fitted on: ``{"source": "anchors"}``,
    ``{"source": "self", ...}`` (the file's own peaks, robustly, with what that fit found) or
    ``{"source": "saved", ...}`` (a saved calibration with the RT shift estimated for this run).
    ``hydroxyl`` gives the RT change (min) per oxygen beyond two in the ceramide (hydroxylated
    fatty acids, t-bases) and where it came from; ``curvature`` the quadratic term (min per
    Log P unit², on the squared distance from each group's mean Log P) when the line bends,
    else None, and ``curvature_se`` its standard error; ``centres`` the Log P each bent group
    bends about (group key → Log P), so a line is drawn as it was fitted:
    ``RT = intercept + slope × Log P + curvature × (Log P − centre)²``.
    """

    model_id: str
    level: str
    groups: tuple[str, ...]
    n_anchors: int
    n_rows: int
    slope: float
    slope_se: float
    intercepts: dict[str, tuple[float, float]]
    r2: float | None
    q2: float | None
    rmse_loo: float | None
    mae_loo: float | None
    residual_sd: float
    df: int
    logp_range: tuple[float, float] | None
    tracks: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    calibration: dict[str, Any] = field(default_factory=lambda: {"source": "anchors"})
    hydroxyl: dict[str, Any] = field(default_factory=dict)
    curvature: float | None = None
    curvature_se: float | None = None
    centres: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data."""
        return {
            "model_id": self.model_id,
            "level": self.level,
            "groups": list(self.groups),
            "n_anchors": self.n_anchors,
            "n_rows": self.n_rows,
            "slope": self.slope,
            "slope_se": self.slope_se,
            "intercepts": {k: {"value": v, "se": se} for k, (v, se) in self.intercepts.items()},
            "r2": self.r2,
            "q2": self.q2,
            "rmse_loo": self.rmse_loo,
            "mae_loo": self.mae_loo,
            "residual_sd": self.residual_sd,
            "df": self.df,
            "logp_range": list(self.logp_range) if self.logp_range else None,
            "tracks": dict(self.tracks),
            "warnings": list(self.warnings),
            "calibration": dict(self.calibration),
            "hydroxyl": dict(self.hydroxyl),
            "curvature": self.curvature,
            "curvature_se": self.curvature_se,
            "centres": dict(self.centres),
        }


@dataclass
class AnalysisResult:
    """Everything one run of :func:`ganglioside.analyze` produced.

    Attributes
    ----------
    compounds:
        One row per input row, in input order, with :data:`COMPOUND_COLUMNS` then any extra
        input columns.
    models:
        One :class:`ModelReport` per retention-time model.
    fragments:
        One row per fragment link: ``parent_row``, ``parent_name``, ``fragment_row``,
        ``fragment_name``, ``root_row``, ``delta_rt``, ``lost``, ``parent_volume``,
        ``fragment_volume``, ``volume_ratio``.
    summary:
        Counts by status, category and headgroup, consolidated abundances, every parameter and
        the software version (JSON-ready).
    warnings:
        File-level warnings, in plain words.
    config:
        The parameters used.
    source:
        Name of the analysed file (or ``"<DataFrame>"``).
    other_classes:
        Rows named as lipids of another class (PC, TG, Cer …), set aside before the analysis:
        ``row``, ``name``, ``class``.  Counted in ``summary["n_skipped_other_classes"]``.
    calibration:
        The fitted RT lines as a calibration file's content (see
        :mod:`ganglioside.calibration`), or None when no RT model was fitted.
    """

    compounds: pd.DataFrame
    models: list[ModelReport]
    fragments: pd.DataFrame
    summary: dict[str, Any]
    warnings: list[str]
    config: AnalysisConfig
    source: str = "<DataFrame>"
    other_classes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"row": [], "name": [], "class": []})
    )
    calibration: dict[str, Any] | None = None
