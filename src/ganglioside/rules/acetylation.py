"""Rule 4: O-acetylation.

An O-acetyl ester makes a ganglioside more hydrophobic, so ``X+OAc`` elutes a little after ``X``
with the same ceramide (and ``X+2OAc`` after ``X+OAc``).  Each O-acetylated peak is paired with
the base peak (one OAc fewer, same group otherwise, same ceramide) whose RT difference is closest
to the expected shift, and labelled.  The label is evidence attached to the row; it changes the
status only for ``reversed`` and only when configured so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LABELS = ("consistent", "coeluting", "reversed", "too_large", "not_validated")


@dataclass(frozen=True)
class AcetylationResult:
    """Per row (positional): label ("" for rows without OAc), base row index, shift."""

    label: np.ndarray
    base: np.ndarray
    shift: np.ndarray
    expected_shift: float
    n_pairs_for_shift: int


def label_shifts(shift: np.ndarray, *, coelution: float, max_shift: float) -> np.ndarray:
    """Label RT shifts (OAc peak minus base peak)."""
    out = np.full(len(shift), "not_validated", dtype=object)
    finite = np.isfinite(shift)
    out[finite & (shift > coelution)] = "consistent"
    out[finite & (np.abs(shift) <= coelution)] = "coeluting"
    out[finite & (shift < -coelution)] = "reversed"
    out[finite & (shift > max_shift)] = "too_large"
    return out


def check_acetylation(
    key: np.ndarray,
    base_key: np.ndarray,
    base2_key: np.ndarray,
    oac: np.ndarray,
    rt: np.ndarray,
    usable: np.ndarray,
    *,
    default_shift: float,
    coelution: float,
    max_shift: float,
) -> AcetylationResult:
    """Pair O-acetylated peaks with their base peaks and label the shift.

    Parameters
    ----------
    key:
        Per row, ``group_key|ceramide`` of the row itself.
    base_key, base2_key:
        Per row, the same key with one (two) OAc fewer; "" when not applicable.
    oac:
        O-acetyl count per row.
    usable:
        Rows that take part (parsed, not fragments, not invalid).
    """
    n = len(rt)
    label = np.full(n, "", dtype=object)
    base = np.full(n, -1, dtype=np.int64)
    shift = np.full(n, np.nan)
    targets = np.flatnonzero(usable & (oac >= 1))
    if targets.size == 0:
        return AcetylationResult(label, base, shift, default_shift, 0)
    pool = np.flatnonzero(usable)
    bases = pd.DataFrame({"b": pool, "key": key[pool], "rt_b": rt[pool]})
    peaks = bases.groupby("key")["b"].size()

    def pairs(step_key: np.ndarray, steps: int) -> pd.DataFrame:
        t = pd.DataFrame({"i": targets, "key": step_key[targets], "rt": rt[targets]})
        t = t[t["key"] != ""]
        merged = t.merge(bases, on="key", how="inner")
        merged["shift"] = (merged["rt"] - merged["rt_b"]) / steps
        merged["steps"] = steps
        return merged

    one = pairs(base_key, 1)
    # the expected shift: median over pairs where both names have a single peak
    own_peaks = pd.Series(key[one["i"].to_numpy()]).map(peaks).to_numpy()
    base_peaks = one["key"].map(peaks).to_numpy()
    clear = one.loc[(own_peaks == 1) & (base_peaks == 1), "shift"]
    clear = clear[(clear.abs() <= max_shift)]
    expected = float(clear.median()) if len(clear) >= 3 else default_shift
    have_one = set(one["i"].tolist())
    two_targets = np.array([i for i in targets if i not in have_one and oac[i] >= 2])
    candidates = [one]
    if two_targets.size:
        two = pairs(np.where(np.isin(np.arange(n), two_targets), base2_key, ""), 2)
        candidates.append(two)
    allp = pd.concat(candidates, ignore_index=True)
    if len(allp):
        allp["dist"] = (allp["shift"] - expected).abs()
        best = allp.sort_values(["i", "dist"], kind="stable").drop_duplicates("i")
        idx = best["i"].to_numpy()
        base[idx] = best["b"].to_numpy()
        shift[idx] = (best["rt"] - best["rt_b"]).to_numpy()
        steps = best["steps"].to_numpy()
        label[idx] = label_shifts(shift[idx] / steps, coelution=coelution, max_shift=max_shift)
    missing = targets[base[targets] < 0]
    label[missing] = "not_validated"
    return AcetylationResult(label, base, shift, expected, len(clear))
