"""The knobs of a simulated study, apart so that the study and its cohort effects share them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StudyKnobs:
    """The knobs of a simulated study (see :func:`simulate_study`)."""

    n_per_group: int = 6
    n_rows: int = 180
    groups: tuple[str, ...] = ("control", "disease")
    changed_fraction: float = 0.15
    fold_range: tuple[float, float] = (2.0, 4.0)
    bio_sd: float = 0.15
    loading_sd: float = 0.10
    drift_trend: float = 0.25
    drift_sd: float = 0.05
    slope_sd: float = 0.004
    rt_noise_sd: float = 0.005
    fragment_keep: float = 0.7
    outlier_keep: float = 0.6
    extra_outliers: int = 2
    anchor_keep: float = 0.85
    poor_samples: int = 1
    standards: bool = True
    batch_sd: float = 0.0
    confounded: float = 0.5
    qc_every: int = 0
    signal_drift: float = 0.0
    amount_range: tuple[float, float] = (1.0, 1.0)
    paired: bool = False
    within_sd: float = 0.15
    detection_quantile: float = 0.0
    tech_sd: float = 0.0
