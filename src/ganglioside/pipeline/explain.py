"""The words of the record: the reasons for each status, the evidence and the row warnings.

Reasons say why in words; the numbers behind them (predicted RT, residual, z, parent row, RT
offset, lost residues) sit in their own columns, so that a reason is shared by many rows.  Every
text is built once per distinct text and held as a categorical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codes import categorical
from ..logp import LOGP_SOURCES
from ..rules.retention._credibility import MAX_HALF_WIDTH_95
from .status import FRAGMENT, INVALID, ISTD, OUTLIER, UNVERIFIED, VALID

_ON_THE_LINE = (
    ("group", "on its group's RT line"),
    ("pooled", "on the pooled RT line of its group"),
    ("composition", "on the RT line extrapolated from composition (group has no anchor)"),
    ("self_calibrated", "on the RT line learned robustly from the file's own peaks (no anchors)"),
    ("transferred", "on the RT line of a saved calibration, shifted to this run"),
)
#: Evidence of how the row's RT line was calibrated, by model level (anchors: no word).
_CALIBRATION_EVIDENCE = {"self_calibrated": "calibration:self", "transferred": "calibration:saved"}
_OAC_WARNINGS = ("reversed", "too_large", "coeluting")


@dataclass(frozen=True)
class RowFacts:
    """What the explanations are built from: positional arrays, one value per row."""

    status: np.ndarray  # int8 status codes (pipeline.status)
    problems: np.ndarray  # object: the table's problems and the name's error
    level: pd.Categorical  # model level: group | pooled | composition | ""
    z: np.ndarray  # RT z score (NaN without a model)
    predicted: np.ndarray  # predicted RT (NaN without a model)
    logp_extrapolated: np.ndarray  # Log P outside the range the model was fitted on
    multi_peak: np.ndarray  # the isomer track was inferred, not seen in the anchors
    outlier_z: float
    invalid: np.ndarray
    anchors: np.ndarray
    anchor_inconsistent: np.ndarray
    anchor_conflict: np.ndarray  # an anchor that co-elutes like a fragment
    candidate_parent: np.ndarray  # positional index of the candidate parent, -1 when none
    is_fragment: np.ndarray
    possible: np.ndarray  # a candidate that stays a species
    root: np.ndarray  # positional index of a fragment's root parent
    lost: pd.Categorical  # residues a fragment lost
    volume: np.ndarray
    name_codes: np.ndarray  # index into distinct_names
    distinct_names: np.ndarray
    logp_source: np.ndarray  # int8 index into logp.LOGP_SOURCES
    logp_mismatch: np.ndarray
    oac_code: np.ndarray  # int8 index into oac_labels
    oac_labels: np.ndarray
    reversed_oac: np.ndarray
    isobaric_partner: np.ndarray | None = None  # position of a co-eluting isobaric row, -1
    row: np.ndarray | None = None  # 1-based data row numbers (to name the partner)
    refused: str | None = None  # why the RT model may decide nothing (plain words)
    too_wide: np.ndarray | None = None  # the row's 95 % RT interval is too wide to catch


@dataclass(frozen=True)
class Explanation:
    """Per row, as categoricals: ``reasons``, ``evidence`` and ``warnings`` of the record."""

    reasons: pd.Categorical
    evidence: pd.Categorical
    warnings: pd.Categorical


def explain(facts: RowFacts) -> Explanation:
    """Reasons for the status, the evidence list and the warnings of every row."""
    return Explanation(_reasons(facts), _evidence(facts), _row_warnings(facts))


def _reasons(f: RowFacts) -> pd.Categorical:
    """Why each row got its status, in words (the later texts win where masks overlap)."""
    status, level = f.status, f.level
    reasons = _Texts(len(status))
    bad = np.flatnonzero(status == INVALID)
    reasons.set_each(bad, f.problems[bad], str)
    for lvl, text in _ON_THE_LINE:
        reasons.set(
            (status == VALID) & (level == lvl), f"RT within the prediction interval, {text}"
        )
    reasons.set(f.anchors, "anchor (confirmed standard)")
    reasons.set(
        status == ISTD,
        "labelled internal standard: not checked by the rules nor counted as an endogenous species",
    )
    unverified = status == UNVERIFIED
    reasons.set(unverified, "no RT model can reach this row (the file has too few anchors)")
    if f.refused is not None:
        reasons.set(unverified, f"no RT verdict: {f.refused}")
    if f.too_wide is not None:
        reasons.set(
            unverified & f.too_wide,
            f"the RT model's 95 % interval here is wider than ±{MAX_HALF_WIDTH_95:g} min "
            "(see pi_low, pi_high): it could not have caught a wrong name",
        )
    reasons.set(
        unverified & (f.logp_source == LOGP_SOURCES.index("missing")),
        "Log P unknown and cannot be estimated",
    )
    limit = f"{f.outlier_z:g}"
    for lvl, _ in _ON_THE_LINE:
        reasons.set(
            (status == OUTLIER) & (level == lvl),
            f"RT off the {lvl} model's line, |z| >= {limit} (see predicted_rt, residual, z): "
            "likely misannotated",
        )
    _isobaric_reasons(f, reasons)
    rev = (status == OUTLIER) & f.reversed_oac & (np.abs(f.z) < f.outlier_z)
    reasons.set(rev, "O-acetylated peak elutes before its base peak (reversed)")
    _fragment_reasons(f, reasons)
    return reasons.categorical()


def _partner_rows(f: RowFacts) -> np.ndarray:
    """Per row, the data row number of its co-eluting isobaric partner (0 when none)."""
    n = len(f.status)
    if f.isobaric_partner is None or f.row is None:
        return np.zeros(n, dtype=np.int64)
    has = f.isobaric_partner >= 0
    return np.where(has, np.asarray(f.row)[np.where(has, f.isobaric_partner, 0)], 0)


def _isobaric_reasons(f: RowFacts, reasons: _Texts) -> None:
    """Valid rows off their line that a co-eluting isobaric partner on the line excuses."""
    partner = _partner_rows(f)
    with np.errstate(invalid="ignore"):
        off = np.isfinite(f.z) & (np.abs(f.z) >= f.outlier_z)
    excused = np.flatnonzero((f.status == VALID) & off & (partner > 0) & ~f.anchors)
    if not excused.size:
        return
    limit = f"{f.outlier_z:g}"

    def text(row: int) -> str:
        return (
            f"RT off its line (|z| >= {limit}) but co-elutes with row {row}, an isobaric "
            "species of the same sum composition on the line: likely MRM cross-talk between "
            "chain splits, not a misannotation (check the transitions)"
        )

    reasons.set_each(excused, partner[excused], text)


def _fragment_reasons(f: RowFacts, reasons: _Texts) -> None:
    """Fragments: their root's name, the lost residues and whether they had a model."""
    fr = np.flatnonzero(f.status == FRAGMENT)
    if not fr.size:
        return
    names, lost = f.distinct_names, f.lost
    lost_codes = np.asarray(lost.codes, dtype=np.int64)[fr]
    n_lost = len(lost.categories)
    keys = (f.name_codes[f.root[fr]] * n_lost + lost_codes) * 2 + np.isfinite(f.z[fr])

    def fragment_text(key: int) -> str:
        rest, own_model = divmod(key, 2)
        name_code, lost_code = divmod(rest, n_lost)
        return (
            f"in-source fragment of {names[name_code]} (row in fragment_of): same "
            f"ceramide, co-elutes, lost {lost.categories[lost_code] or '?'}"
            + ("" if own_model else "; no RT model of its own")
        )

    reasons.set_each(fr, keys, fragment_text)


def _evidence(f: RowFacts) -> pd.Categorical:
    """The checks of each row, e.g. ``rt_model:pass;fragment:no;logp:given``."""
    has_model = np.isfinite(f.predicted)
    rt_pass = has_model & (np.abs(f.z) < f.outlier_z)
    fragment_code = np.where(f.is_fragment, 1, np.where(f.possible, 2, 0)).astype(np.int8)
    logp_code = np.where(f.logp_mismatch, len(LOGP_SOURCES), f.logp_source).astype(np.int8)
    return _combine(
        [
            (
                has_model.astype(np.int8) + rt_pass,
                ["rt_model:none", "rt_model:fail", "rt_model:pass"],
            ),
            (fragment_code, ["fragment:no", "fragment:yes", "fragment:possible"]),
            (logp_code, [f"logp:{v}" for v in LOGP_SOURCES] + ["logp:mismatch"]),
            (f.oac_code, [f"oac:{v}" if v else "" for v in f.oac_labels]),
            _calibration_codes(f.level),
            _isobaric_codes(_partner_rows(f)),
        ],
        override=(f.invalid, "input:invalid"),
    )


def _isobaric_codes(partner: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Per row, ``isobaric_coelution:<partner row>`` ("" without a partner)."""
    code, rows = pd.factorize(partner, sort=True)
    labels = [f"isobaric_coelution:{r}" if r > 0 else "" for r in rows.tolist()]
    return code.astype(np.int32), labels


def _calibration_codes(level: pd.Categorical) -> tuple[np.ndarray, list[str]]:
    """Per row, the evidence word of how its line was calibrated ("" for anchors)."""
    labels = ["", *_CALIBRATION_EVIDENCE.values()]
    code = np.zeros(len(level), dtype=np.int8)
    for k, lvl in enumerate(_CALIBRATION_EVIDENCE, start=1):
        code[np.asarray(level == lvl)] = k
    return code, labels


def _row_warnings(f: RowFacts) -> pd.Categorical:
    """What a reviewer should look at on each row, e.g. ``possible_fragment;logp_mismatch``."""
    volume = np.nan_to_num(f.volume, nan=0.0)
    larger = f.is_fragment & (volume > volume[np.clip(f.candidate_parent, 0, None)])
    before_oac = [
        (f.possible, "possible_fragment"),
        (f.anchor_inconsistent, "anchor_inconsistent"),
        (f.anchor_conflict, "anchor_looks_like_fragment"),
        (f.logp_mismatch, "logp_mismatch"),
        (f.logp_extrapolated & ~f.invalid, "logp_extrapolated"),
        ((f.level == "composition") & (f.status != INVALID), "extrapolated"),
    ]
    after_oac = [
        (f.multi_peak & ~f.invalid & ~f.anchors, "track_inferred"),
        (larger, "fragment_larger_than_parent"),
        (_partner_rows(f) > 0, "isobaric_coelution"),
    ]
    oac = [f"oac_{v}" if v in _OAC_WARNINGS else "" for v in f.oac_labels]
    return _combine(
        [(np.asarray(m, dtype=bool), ["", label]) for m, label in before_oac]
        + [(f.oac_code, oac)]
        + [(np.asarray(m, dtype=bool), ["", label]) for m, label in after_oac]
    )


def _combine(
    parts: list[tuple[np.ndarray, list[str]]],
    override: tuple[np.ndarray, str] | None = None,
) -> pd.Categorical:
    """Join per-row labels with ';' (empty labels skipped), as a categorical.

    Each part is (integer code per row, label per code).  The text of each distinct
    combination is built once; rows take theirs through one integer code.  ``override``
    (mask, text) replaces the text of the masked rows.
    """
    code, distinct = _combination_codes(parts)
    texts = []
    for value in distinct.tolist():
        words = []
        for _, labels in parts:
            value, j = divmod(value, max(len(labels), 1))
            if labels and labels[j]:
                words.append(labels[j])
        texts.append(";".join(words))
    if override is not None:
        code[override[0]] = len(texts)
        texts.append(override[1])
    # two combinations may read the same; categories are unique
    text_code, unique_texts = pd.factorize(np.array(texts, dtype=object), sort=True)
    return categorical(text_code.astype(np.int32)[code], unique_texts)


def _combination_codes(parts: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, Any]:
    """A code per row for its combination of part codes (int32), and each code's combination
    (mixed-radix numbers, the first part the least significant digit)."""
    combinations = int(np.prod([max(len(labels), 1) for _, labels in parts]))
    kind: type[np.signedinteger[Any]] = np.int32 if combinations < 2**31 else np.int64
    combined: np.ndarray = np.zeros(len(parts[0][0]), dtype=kind)
    stride = 1
    for codes, labels in parts:
        combined += np.multiply(codes, stride, dtype=kind)
        stride *= max(len(labels), 1)
    code, distinct = pd.factorize(combined)
    return code.astype(np.int32), distinct


class _Texts:
    """Per-row texts held as a code per row into a list of distinct texts (a categorical)."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int32)
        self.texts: list[str] = [""]

    def set(self, rows: np.ndarray, text: str) -> None:
        self.code[rows] = len(self.texts)
        self.texts.append(text)

    def set_each(self, rows: np.ndarray, keys: np.ndarray, text_of: Callable[[Any], str]) -> None:
        """Give ``rows`` the text of their key; each distinct key's text is built once."""
        key_code, distinct = pd.factorize(keys)
        self.code[rows] = len(self.texts) + key_code
        self.texts.extend(text_of(k) for k in distinct.tolist())

    def categorical(self) -> pd.Categorical:
        text_code, distinct = pd.factorize(np.array(self.texts, dtype=object), sort=True)
        return categorical(text_code.astype(np.int32)[self.code], distinct)
