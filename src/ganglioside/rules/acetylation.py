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

LABELS = ("consistent", "coeluting", "reversed", "too_large", "not_validated")


@dataclass(frozen=True)
class AcetylationResult:
    """Per row (positional): label ("" for rows without OAc), base row index, shift."""

    label: np.ndarray
    base: np.ndarray
    shift: np.ndarray
    expected_shift: float


def label_shifts(shift: np.ndarray, *, coelution: float, max_shift: float) -> np.ndarray:
    """Label RT shifts (OAc peak minus base peak, per O-acetyl group)."""
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
        Per row, an integer code of (group, ceramide).
    base_key, base2_key:
        Per row, the code of the same species with one (two) OAc fewer; -1 when the row has no
        OAc (no two) or no such species is in the table.
    usable:
        Rows that take part (parsed, not fragments, not invalid).
    """
    n = len(rt)
    label = np.full(n, "", dtype=object)
    base = np.full(n, -1, dtype=np.int64)
    shift = np.full(n, np.nan)
    targets = np.flatnonzero(usable & (base_key >= 0))
    has_oac = usable & (oac >= 1)
    label[has_oac] = "not_validated"
    if targets.size == 0 and not has_oac.any():
        return AcetylationResult(label, base, shift, default_shift)
    pool = np.flatnonzero(usable)
    expected = _expected_shift(key, base_key, rt, targets, pool, default_shift, max_shift)
    span = float(np.nanmax(rt[pool])) + 2 * max_shift + 10.0
    order = pool[np.argsort(key[pool] * span + rt[pool], kind="stable")]
    sorted_keys = key[order] * span + rt[order]

    def pair(rows: np.ndarray, codes: np.ndarray, steps: int) -> None:
        if rows.size == 0:
            return
        query = codes * span + rt[rows] - steps * expected
        b, found = _nearest(order, sorted_keys, key, query, codes)
        rows, b = rows[found], b[found]
        base[rows] = b
        shift[rows] = rt[rows] - rt[b]
        label[rows] = label_shifts(shift[rows] / steps, coelution=coelution, max_shift=max_shift)

    pair(targets, base_key[targets], 1)
    # no base with one OAc fewer: try two fewer (X+2OAc against X)
    rest = np.flatnonzero(has_oac & (base < 0) & (base2_key >= 0))
    pair(rest, base2_key[rest], 2)
    return AcetylationResult(label, base, shift, expected)


def _expected_shift(
    key: np.ndarray,
    base_key: np.ndarray,
    rt: np.ndarray,
    targets: np.ndarray,
    pool: np.ndarray,
    default_shift: float,
    max_shift: float,
) -> float:
    """The expected RT shift of one OAc: the median over pairs where both names have a single
    peak (at least three, within ``max_shift``), else ``default_shift``."""
    size = int(max(key.max(), base_key.max())) + 1
    peaks = np.bincount(key[pool], minlength=size)
    first = np.full(size, -1, dtype=np.int64)
    first[key[pool][::-1]] = pool[::-1]
    single = targets[(peaks[key[targets]] == 1) & (peaks[base_key[targets]] == 1)]
    clear = rt[single] - rt[first[base_key[single]]]
    clear = clear[np.abs(clear) <= max_shift]
    return float(np.median(clear)) if clear.size >= 3 else default_shift


def _nearest(
    order: np.ndarray,
    sorted_keys: np.ndarray,
    key: np.ndarray,
    query: np.ndarray,
    codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each query (species code and RT packed into one sorted number), the nearest row of
    its species on either side, and whether one was found."""
    pos = np.searchsorted(sorted_keys, query)
    cand = []
    for p in (np.clip(pos - 1, 0, len(order) - 1), np.clip(pos, 0, len(order) - 1)):
        b = order[p]
        d = np.where(key[b] == codes, np.abs(query - sorted_keys[p]), np.inf)
        cand.append((b, d))
    (b0, d0), (b1, d1) = cand
    return np.where(d1 < d0, b1, b0), np.isfinite(np.minimum(d0, d1))
