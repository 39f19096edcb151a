"""Rule 5: in-source fragments.

In the ion source a ganglioside loses sialic acids, sugars or acetyl esters; the smaller ion is
then annotated as a smaller ganglioside at the parent's retention time.  A peak F is a fragment
candidate of a peak P when both have the same ceramide, co-elute within a small window, F's
residues are a sub-multiset of P's with fewer sugars (or, optionally, the same sugars and fewer
O-acetyl groups within half the window), and F is not an anchor.

Candidates are found by sorting on (ceramide, RT) and sweeping a window, never by comparing all
pairs.  Whether a candidate really is a fragment is decided later, with the RT model
(:func:`decide`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RESIDUES = ("neuac", "neugc", "hex", "hexnac", "dhex", "oac")
RESIDUE_LABEL = {
    "neuac": "NeuAc",
    "neugc": "NeuGc",
    "hex": "Hex",
    "hexnac": "HexNAc",
    "dhex": "dHex",
    "oac": "OAc",
}


@dataclass(frozen=True)
class FragmentCandidates:
    """Best candidate parent per row (positional), -1 where none."""

    parent: np.ndarray
    anchor_conflict: np.ndarray  # anchors that co-elute like a fragment of a larger peak


def _window_pairs(key: np.ndarray, rt: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j), i != j, with the same key and |rt_i - rt_j| <= window, by a sorted sweep."""
    n = len(rt)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    # RT is bounded (checked on input), so key*span + rt orders by key, then RT.
    span = float(np.nanmax(rt)) + 4 * window + 1.0
    pos = key.astype(np.float64) * span + rt
    order = np.argsort(pos, kind="stable")
    sorted_pos = pos[order]
    lo = np.searchsorted(sorted_pos, sorted_pos - window * (1 + 1e-9), side="left")
    hi = np.searchsorted(sorted_pos, sorted_pos + window * (1 + 1e-9), side="right")
    counts = hi - lo
    total = int(counts.sum())
    left = np.repeat(np.arange(n), counts)
    starts = np.repeat(lo, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    right = starts + offsets
    keep = left != right
    return order[left[keep]], order[right[keep]]


def find_candidates(
    comp: pd.DataFrame,
    usable: np.ndarray,
    *,
    window: float,
    deacetylation: bool,
) -> FragmentCandidates:
    """Find the best candidate parent of every row.

    Parameters
    ----------
    comp:
        Per row (positional): ``ceramide_code``, ``rt``, ``volume``, ``is_anchor``,
        ``sugar_count`` and the residue counts of :data:`RESIDUES`.
    usable:
        Rows that take part (parsed, valid numbers).
    """
    n = len(comp)
    parent = np.full(n, -1, dtype=np.int64)
    conflict = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(usable)
    if idx.size < 2:
        return FragmentCandidates(parent, conflict)
    rt = comp["rt"].to_numpy(dtype=float)
    key = comp["ceramide_code"].to_numpy()
    f_loc, p_loc = _window_pairs(key[idx], rt[idx], window)
    f, p = idx[f_loc], idx[p_loc]
    counts = {r: comp[r].to_numpy(dtype=np.int64) for r in RESIDUES}
    sugar = comp["sugar_count"].to_numpy(dtype=np.int64)
    subset = np.ones(len(f), dtype=bool)
    for r in RESIDUES:
        subset &= counts[r][f] <= counts[r][p]
    fewer_sugars = sugar[f] < sugar[p]
    ok = subset & fewer_sugars
    if deacetylation:
        same_sugars = np.ones(len(f), dtype=bool)
        for r in RESIDUES[:-1]:
            same_sugars &= counts[r][f] == counts[r][p]
        close = np.abs(rt[f] - rt[p]) <= window / 2
        ok |= subset & same_sugars & (counts["oac"][f] < counts["oac"][p]) & close
    f, p = f[ok], p[ok]
    anchor = comp["is_anchor"].to_numpy(dtype=bool)
    volume = comp["volume"].to_numpy(dtype=float)
    # an anchor larger than the would-be parent is not what a fragment ion looks like
    conflict[f[anchor[f] & (volume[f] <= volume[p])]] = True
    keep = ~anchor[f]
    f, p = f[keep], p[keep]
    if f.size == 0:
        return FragmentCandidates(parent, conflict)
    # one parent each: largest glycan, then smallest |ΔRT|, then largest volume
    order = np.lexsort((-volume[p], np.abs(rt[f] - rt[p]), -sugar[p], f))
    f, p = f[order], p[order]
    first = np.ones(len(f), dtype=bool)
    first[1:] = f[1:] != f[:-1]
    parent[f[first]] = p[first]
    return FragmentCandidates(parent, conflict)


def roots(parent: np.ndarray, is_fragment: np.ndarray) -> np.ndarray:
    """Root of every confirmed fragment: climb parents while the parent is itself a fragment.

    Edges always go to a larger glycan (or more esters), so the climb ends.
    """
    root = np.where(is_fragment, parent, -1)
    for _ in range(64):
        nxt = root.copy()
        climb = (
            (root >= 0)
            & is_fragment[np.clip(root, 0, None)]
            & (parent[np.clip(root, 0, None)] >= 0)
        )
        if not climb.any():
            break
        nxt[climb] = parent[root[climb]]
        root = nxt
    return root


def lost_residues(comp: pd.DataFrame, fragment: np.ndarray, parent: np.ndarray) -> list[str]:
    """Residues the parent lost to give the fragment, e.g. ``-NeuAc-Hex``."""
    parts = []
    diffs = {
        r: comp[r].to_numpy(dtype=np.int64)[parent] - comp[r].to_numpy(dtype=np.int64)[fragment]
        for r in RESIDUES
    }
    for i in range(len(fragment)):
        text = ""
        for r in RESIDUES:
            d = int(diffs[r][i])
            if d > 0:
                text += f"-{d if d > 1 else ''}{RESIDUE_LABEL[r]}"
        parts.append(text)
    return parts


def decide(
    candidate_parent: np.ndarray,
    z: np.ndarray,
    volume: np.ndarray,
    *,
    outlier_z: float,
    keep_volume_ratio: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Split candidates into fragments and real species that merely co-elute.

    A candidate that sits on its own predicted RT (|z| < ``outlier_z``) stays a species when it
    is not much smaller than its parent (volume ratio ≥ ``keep_volume_ratio``) or when its parent
    is itself far from its own prediction; any other candidate is a fragment.  A candidate
    without a model (NaN z) is decided by co-elution alone.

    Returns
    -------
    is_fragment, possible_fragment
        Boolean masks (positional).
    """
    cand = candidate_parent >= 0
    par = np.clip(candidate_parent, 0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(volume[par] > 0, volume / volume[par], np.inf)
    on_own_line = np.isfinite(z) & (np.abs(z) < outlier_z)
    parent_off = np.isfinite(z[par]) & (np.abs(z[par]) >= outlier_z)
    stays = cand & on_own_line & ((ratio >= keep_volume_ratio) | parent_off)
    return cand & ~stays, stays
