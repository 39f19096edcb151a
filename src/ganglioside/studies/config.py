"""The parameters of a study: the per-sample analysis's and the study step's own."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ..config import AnalysisConfig
from ..errors import ConfigError

#: How abundances are expressed (normalised) before the statistics.
QUANTITIES = ("raw", "total", "median", "pqn", "amount", "internal_standard")
#: Other words taken for a quantity.
QUANTITY_ALIASES = {"none": "raw"}
#: How missing values are filled for the statistics (``none`` leaves them out).
IMPUTATIONS = (
    "none",
    "censored_test",
    "half_min",
    "min_prob",
    "censored",
    "censored_groups",
    "knn",
)
#: Tests of the contrasts (see :mod:`.statistics`).
TESTS = ("moderated_t", "welch", "mann_whitney")


@dataclass(frozen=True)
class StudyConfig:
    """Parameters of one study.

    Attributes
    ----------
    analysis:
        The parameters of every sample's analysis (the five rules).
    rt_tolerance:
        Largest RT difference (min, after the drift correction) between peaks of one species
        and isomer track that are taken for the same compound across samples.
    quantity:
        The normalisation: ``raw`` (consolidated volume; ``none`` is taken for it), ``total``
        (share of the sample's total valid ganglioside signal, internal standards left out),
        ``median`` (divided by the sample's median), ``pqn`` (probabilistic quotient
        normalisation, the default: divided by the sample's median ratio to a reference
        profile), ``amount`` (divided by the design's ``amount``) or ``internal_standard``
        (ratio to the labelled internal standard of the same category, or to all standards for
        a category without one).  See :mod:`.normalise`.
    imputation:
        ``censored_test`` (the default: nothing is filled; a compound whose missing values are
        plausibly below the samples' detection limits is tested with them censored there, by
        a Tobit likelihood-ratio test with the study's model; see :mod:`.censored`),
        ``none`` (a missing value stays missing; tests use the values there are),
        ``half_min`` (half the species' smallest value in the study), ``min_prob`` (drawn
        below each sample's detection limit: left-censored), ``censored`` (the expected value
        below the limit of a normal fitted with the missing cells censored there),
        ``censored_groups`` (the same, only for the compounds one group of which has fewer
        than two values) or ``knn`` (from the compounds most alike).  See :mod:`.impute`.
    compare:
        ``(numerator, denominator)`` pairs of groups, one per contrast (``"B/A"``, or several
        as ``"B/A,C/A"``); by default the second group of the design over the first.
    test:
        ``moderated_t`` (linear model and limma's moderated t, the default), ``welch`` or
        ``mann_whitney``.
    model:
        The model's terms, e.g. ``group + batch + age`` (design columns); empty: ``group``,
        plus ``batch`` with two or more batches, plus ``subject`` when one repeats.
    qc_drift:
        Correct each compound's signal drift along the injection order from the pooled QCs,
        per batch (when the design has QCs with injection orders); see :mod:`.qc`.
    qc_rsd, d_ratio, blank_ratio, detection_rate:
        The QC filters: largest QC RSD (0.30), largest D-ratio (sd of QCs over sd of samples,
        0.5), smallest ratio of the samples' median to the blanks' (3) and smallest share of a
        group's samples a compound must be found in, in at least one group (0.5).  Filtered
        compounds stay in every output, marked, and are left out of the q values.
    shared_model:
        Fit one RT model on the anchors of all samples (put on one time scale) and analyse
        every sample on it with its own RT shift and, when its peaks support one, change of
        scale (see :mod:`.shared_model`); ``False``, or too few anchors in the study: each
        sample fits its own model and the drift is measured on consensus RTs.
    borrow_anchors:
        Without a shared model, let a sample with fewer than ``min_own_anchors`` anchors take
        as anchors its peaks of species that are anchors in at least half of the other samples
        and elute there (after the drift correction) within ``rt_tolerance``; the sample is
        then analysed again.
    min_own_anchors:
        Anchors a sample needs to be left as it is.
    drift_references:
        Strongest valid species used to measure a sample's drift when it has fewer than three
        anchors.
    slope_min_points, slope_min_span:
        A per-sample RT slope is estimated only from this many reference species spanning this
        many minutes, and used only when its 95 % interval excludes 1.
    """

    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    rt_tolerance: float = 0.15
    quantity: str = "pqn"
    imputation: str = "censored_test"
    compare: tuple[tuple[str, str], ...] | None = None
    test: str = "moderated_t"
    model: str = ""
    qc_drift: bool = True
    qc_rsd: float = 0.30
    d_ratio: float = 0.5
    blank_ratio: float = 3.0
    detection_rate: float = 0.5
    shared_model: bool = True
    borrow_anchors: bool = True
    min_own_anchors: int = 5
    drift_references: int = 20
    slope_min_points: int = 8
    slope_min_span: float = 4.0

    def __post_init__(self) -> None:
        if isinstance(self.analysis, Mapping):
            object.__setattr__(self, "analysis", AnalysisConfig.from_mapping(self.analysis))
        if not isinstance(self.analysis, AnalysisConfig):
            raise ConfigError(f"analysis must be an AnalysisConfig, got {type(self.analysis)}")
        _check_numbers(self)
        object.__setattr__(self, "quantity", QUANTITY_ALIASES.get(self.quantity, self.quantity))
        for name, choices in (
            ("quantity", QUANTITIES),
            ("imputation", IMPUTATIONS),
            ("test", TESTS),
        ):
            if getattr(self, name) not in choices:
                raise ConfigError(
                    f"{name} must be one of {', '.join(choices)}, got {getattr(self, name)!r}"
                )
        if not isinstance(self.model, str):
            raise ConfigError(f"model must be text such as 'group + batch', got {self.model!r}")
        for name in ("shared_model", "borrow_anchors", "qc_drift"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        object.__setattr__(self, "compare", _pair(self.compare))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> StudyConfig:
        """Build a config from a mapping; keys of :class:`AnalysisConfig` go to ``analysis``."""
        own = {f.name for f in fields(cls)}
        analysis_keys = {f.name for f in fields(AnalysisConfig)}
        unknown = sorted(set(values) - own - analysis_keys)
        if unknown:
            raise ConfigError(
                f"unknown study parameter(s) {', '.join(unknown)}; known: "
                f"{', '.join(sorted(own | analysis_keys))}"
            )
        mine = {k: v for k, v in values.items() if k in own}
        loose = {k: v for k, v in values.items() if k in analysis_keys and k not in own}
        if loose:
            mine["analysis"] = _analysis_base(mine.get("analysis")).replace(**loose)
        try:
            return cls(**mine)
        except TypeError as exc:
            raise ConfigError(str(exc)) from exc

    def replace(self, **changes: Any) -> StudyConfig:
        """A copy with some parameters changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values (the analysis parameters under ``analysis``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "analysis"}
        out["compare"] = [f"{a}/{b}" for a, b in self.compare] if self.compare else None
        out["analysis"] = self.analysis.to_dict()
        return out


def _analysis_base(given: Any) -> AnalysisConfig:
    """The analysis parameters given under ``analysis`` (a config or a mapping), or the
    defaults."""
    if isinstance(given, AnalysisConfig):
        return given
    return AnalysisConfig.from_mapping(given) if given else AnalysisConfig()


def _is_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _check_numbers(config: StudyConfig) -> None:
    """The numeric parameters in their ranges."""
    for name in ("rt_tolerance", "slope_min_span"):
        value = getattr(config, name)
        if not _is_number(value) or not value > 0:
            raise ConfigError(f"{name} must be a number > 0, got {value!r}")
    for name, low in (("min_own_anchors", 0), ("drift_references", 1), ("slope_min_points", 3)):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be a whole number ≥ {low}, got {value!r}")
    for name in ("qc_rsd", "d_ratio", "blank_ratio", "detection_rate"):
        value = getattr(config, name)
        if not _is_number(value) or not value >= 0:
            raise ConfigError(f"{name} must be a number ≥ 0, got {value!r}")


def _pair(value: object) -> tuple[tuple[str, str], ...] | None:
    """``"b/a"``, ``"b/a,c/a"``, a list of such, or one ``(numerator, denominator)`` pair, as
    pairs of group names."""
    if value is None or value == "" or value == [] or value == ():
        return None
    return tuple(_one_pair(item, value) for item in _items(value))


def _items(value: object) -> list[object]:
    """The contrasts written in ``value``, one item each."""
    if isinstance(value, str):
        return [v for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        plain = all(isinstance(v, str) and "/" not in v for v in value)
        return [list(value)] if plain and len(value) == 2 else list(value)
    return [value]


def _one_pair(item: object, whole: object) -> tuple[str, str]:
    if isinstance(item, str):
        parts = [p.strip() for p in item.split("/")]
    elif isinstance(item, list | tuple):
        parts = [str(p).strip() for p in item]
    else:
        parts = []
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        raise ConfigError(
            "compare must name two different groups as 'numerator/denominator' (several "
            f"separated by commas), got {whole!r}"
        )
    return parts[0], parts[1]


def resolve_study_config(
    config: StudyConfig | AnalysisConfig | Mapping[str, Any] | None,
) -> StudyConfig:
    """The study parameters from a StudyConfig, an AnalysisConfig, a mapping or None."""
    if config is None:
        return StudyConfig()
    if isinstance(config, StudyConfig):
        return config
    if isinstance(config, AnalysisConfig):
        return StudyConfig(analysis=config)
    if isinstance(config, Mapping):
        return StudyConfig.from_mapping(config)
    raise ConfigError(
        f"config must be a StudyConfig, AnalysisConfig or mapping, got {type(config)}"
    )
