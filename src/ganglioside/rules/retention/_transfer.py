"""Reusing a calibration: the lines learned on one run (a standards run), applied to another.

:func:`lines_to_json` writes the line of every group of a fitted model, its composition
increments (for groups the standards run did not have) and its reference peaks as plain data
(the calibration file's ``model`` block).  :class:`TransferredModel` applies such a block to a
new run: only an RT shift, and optionally a change of scale, is estimated from the new run's
strongest matches (robust median of the residuals of its peaks of the reference species, as
iRT does with its reference peptides), and every line is moved by it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ...group_keys import format_group_key
from ._composition import COMPOSITION
from ._group_lines import LEVELS, GroupLines, straight_arrays
from ._hydroxyl import HydroxylTerm, extra_oxygens
from ._predict import RetentionResult, predict_rows

MIN_REFERENCE_MATCHES = 3  # reference species found in the run before they set the shift
MIN_SLOPE_MATCHES = 5  # ... and before they may also set a change of scale
MIN_SLOPE_SPAN = 2.0  # min: RT span the matches need for a change of scale
SCALE_LIMITS = (0.8, 1.25)  # a change of scale outside these is not believed
STRONGEST_SHARE = 0.25  # without reference matches, the most abundant quarter of the peaks


def _group_json(lines: GroupLines, g: int, levels: list[str]) -> dict[str, Any]:
    """One group's line (and its bend, when it has one) as plain JSON values (``levels``: the
    texts of :data:`LEVELS`)."""
    out: dict[str, Any] = {
        "level": levels[lines.level[g]],
        "slope": float(lines.slope[g]),
        "s": float(lines.s[g]),
        "sxx": _number(lines.sxx[g]),
        "intercept": _numbers(lines.intercept[g]),
        "hint": _numbers(lines.hint[g]),
        "xbar": _numbers(lines.xbar[g]),
    }
    if lines.curve[g] != 0:
        out["bend"] = {
            "curvature": float(lines.curve[g]),
            "centre": float(lines.centre[g]),
            "qbar": _numbers(lines.qbar[g]),
            "cov": [float(v) for v in lines.bend_cov[g]],
        }
    return out


def _numbers(values: np.ndarray) -> list[float | None]:
    """:func:`_number` of each value."""
    return [v if math.isfinite(v) else None for v in values.astype(float).tolist()]


def lines_to_json(
    lines: GroupLines,
    names: np.ndarray,
    composition: Mapping[str, Any],
    references: pd.DataFrame,
    isomer_delta: float | None,
    hydroxyl: HydroxylTerm | None = None,
) -> dict[str, Any]:
    """The ``model`` block of a calibration file: every group's line by its key.

    ``composition`` holds ``coef``, ``cov``, ``sd``, ``slope``, ``s``, ``xbar`` and ``sxx`` of
    the composition level; ``references`` the reference peaks (``key`` species key, ``log_p``,
    ``rt``); ``hydroxyl`` the RT term per ceramide oxygen beyond two (the saved lines are
    those of the rows without extra oxygens: the term must be added back on another run).
    """
    levels = [str(level) for level in LEVELS]
    groups = {
        str(key): _group_json(lines, g, levels)
        for g, key in enumerate(names.tolist())
        if np.isfinite(lines.slope[g]) and key
    }
    return {
        "groups": groups,
        "composition": {
            "residues": list(COMPOSITION),
            **{k: _plain(v) for k, v in composition.items()},
        },
        "isomer_delta": isomer_delta,
        "hydroxyl": hydroxyl.to_dict() if hydroxyl is not None else None,
        "references": [
            {"key": str(k), "log_p": float(x), "rt": float(y)}
            for k, x, y in zip(
                references["key"], references["log_p"], references["rt"], strict=True
            )
        ],
    }


def _number(value: float) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    return float(value) if np.isfinite(value) else None


def _plain(value: Any) -> Any:
    """Arrays as nested lists of numbers (None for non-finite), other values unchanged."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.ndim else _number(float(value))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return _number(value)
    return value


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


class TransferredModel:
    """A saved calibration applied to a new run, with the RT shift estimated on that run.

    Follows :class:`RetentionModel`'s conventions (``fit`` learns the attributes ending in
    ``_`` and returns ``self``; ``predict`` changes nothing).

    Parameters
    ----------
    saved : Mapping
        The ``model`` block of a calibration file (:func:`lines_to_json`), checked.
    fit_scale : bool
        Also estimate a change of scale (RT = shift + scale × saved RT) when the reference
        matches allow it.
    rt_sd_floor : float
        Lowest residual SD (min) any line may claim.

    Attributes
    ----------
    n_rows_, group_names_, max_tracks_, n_tracks_, isomer_delta_ :
        As for :class:`RetentionModel`.
    shift_, scale_ :
        RT of the new run = ``shift_`` + ``scale_`` × RT of the saved lines.
    shift_se_ : float
        Standard error (min) of the shift at the matches' centre.
    n_matches_ : int
        Peaks the shift was estimated from.
    match_source_ : str
        ``"reference species"`` (peaks of the standards run's reference species) or
        ``"strongest peaks"`` (the most abundant peaks, when too few reference species).
    unseen_groups_ : list[str]
        Groups of the new run the saved calibration did not have (composition estimate).
    hydroxyl_ : HydroxylTerm or None
        The saved RT term per ceramide oxygen beyond two, moved by the scale (None when the
        calibration has none: a version 1 file, or a standards run without extra oxygens).
    lines_ : GroupLines
        The moved line of every group of the new run.
    """

    fitted_on_ = "saved"
    self_calibration_ = None

    def __init__(
        self, saved: Mapping[str, Any], *, fit_scale: bool = True, rt_sd_floor: float = 0.05
    ) -> None:
        self.saved = saved
        self.fit_scale = fit_scale
        self.rt_sd_floor = rt_sd_floor

    def fit(self, data: pd.DataFrame, peaks: np.ndarray, volume: np.ndarray) -> TransferredModel:
        """Build every group's saved line and estimate the run's RT shift from ``peaks``."""
        x = data["log_p"].to_numpy(dtype=float)
        y = data["rt"].to_numpy(dtype=float)
        group = data["group_code"].to_numpy(dtype=np.int64)
        names = np.full(int(group.max()) + 1 if len(group) else 0, "", dtype=object)
        names[group] = data["group_key"].to_numpy(dtype=object)
        lines, unseen = _saved_lines(self.saved, names, data, group)
        saved_term = _saved_hydroxyl(self.saved)
        added = saved_term.term * extra_oxygens(data) if saved_term is not None else 0.0
        # before the shift is known a peak cannot be put on its isomer track: the shift is
        # measured on the first (early) track, on groups that have only that one
        before = lines.intercept[group, 0] + lines.slope[group] * x + lines.bend(group, x) + added
        keys = _species_keys(data)
        ok = peaks & np.isfinite(before)
        if (ok & ~lines.multi_track[group]).any():
            ok &= ~lines.multi_track[group]
        pick, source = _matches(self.saved, keys, volume, ok)
        by_reference = source == "reference species"
        shift, scale, se = _shift(before[pick], y[pick], self.fit_scale and by_reference)
        self.n_rows_ = len(data)
        self.group_names_ = names
        self.max_tracks_ = lines.intercept.shape[1]
        self.n_tracks_ = {int(g): 2 for g in np.flatnonzero(lines.multi_track)}
        delta = self.saved.get("isomer_delta")
        self.isomer_delta_ = None if delta is None else float(delta) * scale
        self.shift_, self.scale_, self.shift_se_ = shift, scale, se
        self.n_matches_, self.match_source_ = int(pick.size), source
        self.unseen_groups_ = unseen
        self.hydroxyl_ = _scaled_term(saved_term, scale)
        self.lines_ = _moved(lines, shift, scale, se, self.rt_sd_floor)
        return self

    def predict(
        self,
        data: pd.DataFrame,
        usable: np.ndarray,
        score_rows: np.ndarray,
        isomer_rank: np.ndarray,
    ) -> RetentionResult:
        """Predict and score every usable row with the moved lines (no group correction)."""
        if not hasattr(self, "n_rows_"):
            raise ValueError("this TransferredModel is not fitted yet: call fit() first")
        added = np.zeros(len(data))
        if self.hydroxyl_ is not None:
            added = self.hydroxyl_.term * extra_oxygens(data)
        columns = (
            data["log_p"].to_numpy(dtype=float),
            data["rt"].to_numpy(dtype=float) - added,
            data["group_code"].to_numpy(dtype=np.int64),
        )
        none = np.zeros(0, dtype=np.int64)
        result = predict_rows(
            self.lines_,
            columns,
            usable,
            score_rows,
            isomer_rank,
            delta=self.isomer_delta_,
            robust=False,
            logp_range=None,
            anchors=(none, np.zeros(0)),
        )
        if self.hydroxyl_ is None:
            return result
        return replace(result, predicted=result.predicted + added)

    def to_json(self) -> dict[str, Any]:
        """The moved calibration, as a ``model`` block (the references moved too)."""
        out = dict(self.saved)
        out["references"] = [
            {**r, "rt": self.shift_ + self.scale_ * float(r["rt"])}
            for r in self.saved.get("references", [])
        ]
        groups = {}
        for key, line in self.saved["groups"].items():
            moved = dict(line)
            moved["slope"] = line["slope"] * self.scale_
            moved["s"] = line["s"] * self.scale_
            if line.get("bend"):
                moved["bend"] = {
                    **line["bend"],
                    "curvature": line["bend"]["curvature"] * self.scale_,
                }
            moved["intercept"] = [
                None if a is None else self.shift_ + self.scale_ * a for a in line["intercept"]
            ]
            groups[key] = moved
        out["groups"] = groups
        comp = dict(self.saved["composition"])
        comp["coef"] = [self.shift_ + self.scale_ * comp["coef"][0]] + [
            self.scale_ * c for c in comp["coef"][1:]
        ]
        comp["slope"] = comp["slope"] * self.scale_
        out["composition"] = comp
        if out.get("isomer_delta") is not None:
            out["isomer_delta"] = self.isomer_delta_
        out["hydroxyl"] = self.hydroxyl_.to_dict() if self.hydroxyl_ is not None else None
        return out


def _saved_hydroxyl(saved: Mapping[str, Any]) -> HydroxylTerm | None:
    """The hydroxyl term of a saved calibration (None in a version 1 file or without one)."""
    found = saved.get("hydroxyl")
    if not found:
        return None
    return HydroxylTerm(
        term=float(found["term"]),
        per_oxygen=float(found["per_oxygen"]),
        source=str(found.get("source", "saved")),
        n_rows=int(found.get("n_rows", 0)),
    )


def _scaled_term(term: HydroxylTerm | None, scale: float) -> HydroxylTerm | None:
    """The saved term on this run's time scale (RT = shift + scale × saved RT)."""
    if term is None:
        return None
    return replace(term, term=term.term * scale, per_oxygen=term.per_oxygen * scale)


def _species_keys(data: pd.DataFrame) -> np.ndarray:
    """Per row, its species key ``group|ceramide``."""
    return np.array(
        [
            format_group_key(str(g), str(c))
            for g, c in zip(
                data["group_key"].astype(str), data["ceramide"].astype(str), strict=True
            )
        ],
        dtype=object,
    )


def _saved_lines(
    saved: Mapping[str, Any], names: np.ndarray, data: pd.DataFrame, group: np.ndarray
) -> tuple[GroupLines, list[str]]:
    """The saved line of every group of the new run (composition for unseen groups)."""
    n_groups = names.size
    widths = [len(line["intercept"]) for line in saved["groups"].values()]
    k = max([2, *widths])
    arrays = {
        **straight_arrays(n_groups, k),
        "slope": np.full(n_groups, np.nan),
        "s": np.full(n_groups, np.nan),
        "sxx": np.full(n_groups, np.inf),
        "intercept": np.full((n_groups, k), np.nan),
        "hint": np.full((n_groups, k), np.nan),
        "xbar": np.full((n_groups, k), np.nan),
    }
    unseen = []
    comp = saved["composition"]
    residues = data.loc[:, list(COMPOSITION)].to_numpy(dtype=float)
    per_group = np.zeros((n_groups, len(COMPOSITION)))
    per_group[group] = residues
    for g, key in enumerate(names.tolist()):
        line = saved["groups"].get(str(key))
        if line is not None:
            _fill(arrays, g, line)
        else:
            unseen.append(str(key))
            _fill_composition(arrays, g, comp, per_group[g])
    multi = np.isfinite(arrays["intercept"]).sum(axis=1) > 1
    ids = pd.Index(["", "saved"], dtype=object)
    lines = GroupLines(
        level=np.full(n_groups, LEVELS.get_loc("transferred"), dtype=np.int8),
        model=np.ones(n_groups, dtype=np.int32),
        model_ids=ids,
        comp_var=np.zeros(n_groups),
        multi_track=multi,
        pinned=np.zeros(n_groups, dtype=bool),
        **arrays,
    )
    return lines, sorted(k for k in unseen if k)


def _fill(arrays: dict[str, np.ndarray], g: int, line: Mapping[str, Any]) -> None:
    """Group ``g`` takes a saved line."""
    arrays["slope"][g] = line["slope"]
    arrays["s"][g] = line["s"]
    arrays["sxx"][g] = np.inf if line["sxx"] is None else line["sxx"]
    for name in ("intercept", "hint", "xbar"):
        values = _array(line[name])
        arrays[name][g, : values.size] = values
    bend = line.get("bend")
    if bend:
        arrays["curve"][g] = bend["curvature"]
        arrays["centre"][g] = bend["centre"]
        qbar = _array(bend["qbar"])
        arrays["qbar"][g, : qbar.size] = qbar
        arrays["bend_cov"][g] = _array(bend["cov"])


def _fill_composition(
    arrays: dict[str, np.ndarray], g: int, comp: Mapping[str, Any], residues: np.ndarray
) -> None:
    """Group ``g`` takes the saved composition estimate."""
    f = np.concatenate([[1.0], residues])
    coef = np.asarray(comp["coef"], dtype=float)
    cov = np.asarray(comp["cov"], dtype=float)
    s = float(comp["s"])
    arrays["slope"][g] = comp["slope"]
    arrays["s"][g] = s
    arrays["sxx"][g] = np.inf if comp["sxx"] is None else comp["sxx"]
    arrays["intercept"][g, 0] = f @ coef
    arrays["hint"][g, 0] = (float(comp["sd"]) ** 2 + float(f @ cov @ f)) / s**2
    arrays["xbar"][g, 0] = comp["xbar"]


def _matches(
    saved: Mapping[str, Any], keys: np.ndarray, volume: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, str]:
    """The peaks that set the shift: the most abundant peak of each reference species found,
    else the most abundant quarter of the peaks."""
    volume = np.nan_to_num(volume, nan=0.0)
    reference = {r["key"] for r in saved.get("references", [])}
    is_ref = ok & np.isin(keys, list(reference))
    if is_ref.any():
        order = pd.DataFrame(
            {"key": keys[is_ref], "v": volume[is_ref], "i": np.flatnonzero(is_ref)}
        )
        best = order.sort_values("v", ascending=False).drop_duplicates("key")["i"].to_numpy()
        if best.size >= MIN_REFERENCE_MATCHES:
            return np.sort(best), "reference species"
    idx = np.flatnonzero(ok)
    n = max(10, int(np.ceil(STRONGEST_SHARE * idx.size)))
    strongest = idx[np.argsort(-volume[idx], kind="stable")[:n]]
    return np.sort(strongest), "strongest peaks"


def _shift(before: np.ndarray, after: np.ndarray, fit_scale: bool) -> tuple[float, float, float]:
    """Shift, scale and the shift's standard error from matched (saved RT, run RT) pairs."""
    if before.size == 0:
        return 0.0, 1.0, float("nan")
    scale = 1.0
    spread = float(before.max() - before.min())
    if fit_scale and before.size >= MIN_SLOPE_MATCHES and spread >= MIN_SLOPE_SPAN:
        from scipy import stats  # loaded only when a saved calibration measures a scale

        found = stats.theilslopes(after, before)
        if SCALE_LIMITS[0] <= found.slope <= SCALE_LIMITS[1]:
            scale = float(found.slope)
    resid = after - scale * before
    shift = float(np.median(resid))
    mad = 1.4826 * float(np.median(np.abs(resid - shift)))
    se = 1.2533 * mad / np.sqrt(before.size)  # a median's standard error
    return shift, scale, float(se)


def _moved(lines: GroupLines, shift: float, scale: float, se: float, floor: float) -> GroupLines:
    """The lines moved to the new run, with the shift's variance added to each intercept."""
    s = np.maximum(lines.s * scale, floor)
    var_shift = se**2 if np.isfinite(se) else 0.0
    hint = lines.hint + var_shift / s[:, None] ** 2
    moved = GroupLines(
        level=lines.level,
        model=lines.model,
        model_ids=lines.model_ids,
        slope=lines.slope * scale,
        s=s,
        sxx=lines.sxx,
        intercept=shift + scale * lines.intercept,
        hint=hint,
        xbar=lines.xbar,
        comp_var=lines.comp_var,
        multi_track=lines.multi_track,
        pinned=lines.pinned,
        curve=lines.curve * scale,
        centre=lines.centre,
        qbar=lines.qbar,
        bend_cov=lines.bend_cov,
    )
    for value in vars(moved).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return moved
