"""The statistical model of a study: its terms, design matrix and contrasts.

A model is written as design columns joined by ``+``, e.g. ``group + batch + age``: ``group``
must be among them.  Its terms:

``group``
    one coefficient per group (cell means), so that a contrast ``B/A`` is the difference of
    the two groups' log2 means;
``batch``, ``subject`` and every other categorical column
    treatment-coded (the first level is the reference); ``subject`` blocks the repeated
    measures of one subject (a paired t for two groups);
a numeric column (every value a number)
    one coefficient, the column centred.

Without a model written, the default is ``group``, plus ``batch`` when the study samples come
from two or more batches, plus ``subject`` when a subject was measured more than once.  A term
whose columns depend on those before it (a batch nested in subjects, a covariate equal to the
group) is left out, and said so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError
from .design import SampleSpec
from .moderated import RANK_TOLERANCE

#: Design attributes that are model terms without being extra columns.
BUILT_IN_TERMS = ("group", "batch", "subject", "amount", "injection_order")


@dataclass(frozen=True)
class ModelMatrix:
    """The design matrix (units × coefficients), its column names, the terms used and notes."""

    x: np.ndarray
    columns: list[str]
    terms: list[str]
    notes: list[str] = field(default_factory=list)

    def group_column(self, group: str) -> int:
        return self.columns.index(f"group[{group}]")


def model_terms(formula: str) -> list[str]:
    """The terms of ``group + batch + age`` (lower-case, in order, each once)."""
    terms = [t.strip().lower() for t in formula.replace("~", "+").split("+")]
    terms = [t for t in dict.fromkeys(terms) if t]
    if "group" not in terms:
        raise ConfigError(f"the model must name the term 'group', got {formula!r}")
    return terms


def default_terms(units: Sequence[SampleSpec]) -> list[str]:
    """``group``, plus ``batch`` with ≥ 2 batches, plus ``subject`` when one repeats."""
    terms = ["group"]
    if len({u.batch for u in units}) >= 2:
        terms.append("batch")
    subjects = [u.subject for u in units if u.subject]
    if len(subjects) != len(set(subjects)):
        terms.append("subject")
    return terms


def _value(unit: SampleSpec, term: str) -> str:
    if term in ("batch", "subject", "group"):
        return str(getattr(unit, term))
    if term in ("amount", "injection_order"):
        value = getattr(unit, term)
        return "" if math.isnan(value) else repr(value)
    if term not in unit.extra:
        raise ConfigError(
            f"the model names {term!r}, which is no column of the design (its columns: "
            f"{', '.join(['group', 'batch', 'subject', *sorted(unit.extra)])})"
        )
    return unit.extra[term]


def _term_columns(units: Sequence[SampleSpec], term: str) -> tuple[np.ndarray, list[str]]:
    values = _values(units, term)
    numbers = None if term in ("batch", "subject", "group") else _numbers(values)
    if numbers is not None:
        return (numbers - numbers.mean())[:, None], [term]
    levels = [lv for lv in dict.fromkeys(values) if lv]  # no subject: no column
    start = 0 if term == "group" else 1
    columns = np.array([[v == level for level in levels[start:]] for v in values], dtype=float)
    return columns.reshape(len(units), -1), [f"{term}[{lv}]" for lv in levels[start:]]


def _values(units: Sequence[SampleSpec], term: str) -> list[str]:
    """The term's value per unit (every unit needs one, but a subject)."""
    values = [_value(u, term) for u in units]
    missing = [u.sample for u, v in zip(units, values, strict=True) if v == ""]
    if missing and term != "subject":
        raise ConfigError(
            f"the model term {term!r} has no value for sample(s) {', '.join(missing[:10])}"
        )
    return values


def _numbers(values: list[str]) -> np.ndarray | None:
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        return None


def model_matrix(units: Sequence[SampleSpec], terms: Sequence[str]) -> ModelMatrix:
    """The design matrix of the units for the terms (dependent terms left out)."""
    blocks: list[np.ndarray] = []
    names: list[str] = []
    used: list[str] = []
    notes: list[str] = []
    for term in terms:
        columns, labels = _term_columns(units, term)
        if columns.shape[1] == 0:
            notes.append(f"{term} left out of the model: one level only")
            continue
        trial = np.hstack([*blocks, columns])
        if np.linalg.matrix_rank(trial, tol=RANK_TOLERANCE * len(units)) < trial.shape[1]:
            notes.append(f"{term} left out of the model: it depends on the terms before it")
            continue
        blocks.append(columns)
        names.extend(labels)
        used.append(term)
    x = np.hstack(blocks)
    if x.shape[0] <= x.shape[1]:
        raise ConfigError(
            f"the model {' + '.join(used)} has {x.shape[1]} coefficients for {x.shape[0]} "
            "samples: it leaves no degrees of freedom for the variance"
        )
    return ModelMatrix(x, names, used, notes)


def contrast_matrix(model: ModelMatrix, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Coefficients × contrasts: each ``(numerator, denominator)`` as a difference of means."""
    c = np.zeros((len(model.columns), len(pairs)))
    for j, (num, den) in enumerate(pairs):
        c[model.group_column(num), j] = 1.0
        c[model.group_column(den), j] = -1.0
    return c


def overall_matrix(model: ModelMatrix, groups: Sequence[str]) -> np.ndarray:
    """Coefficients × (groups - 1): every group against the first (the overall F test)."""
    return contrast_matrix(model, [(g, groups[0]) for g in groups[1:]])
