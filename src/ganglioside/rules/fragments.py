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
from typing import Any

import numpy as np
import pandas as pd

from ..names import RESIDUE_COLUMNS, RESIDUE_LABEL

RESIDUES = RESIDUE_COLUMNS


@dataclass(frozen=True)
class FragmentCandidates:
    """Best candidate parent per row (positional), -1 where none."""

    parent: np.ndarray
    anchor_conflict: np.ndarray  # anchors that co-elute like a fragment of a larger peak


def _nearest(
    keys_sorted: np.ndarray, order: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index (into ``order``'s rows) of the nearest sorted key to each query, and the distance."""
    pos = np.searchsorted(keys_sorted, query)
    left = np.clip(pos - 1, 0, len(keys_sorted) - 1)
    right = np.clip(pos, 0, len(keys_sorted) - 1)
    d_left = np.abs(query - keys_sorted[left])
    d_right = np.abs(keys_sorted[right] - query)
    take_right = d_right < d_left
    best = np.where(take_right, right, left)
    return order[best], np.where(take_right, d_right, d_left)


def _larger_nearby(
    key: np.ndarray, size: np.ndarray, window: float, order: np.ndarray | None = None
) -> np.ndarray:
    """For each row, whether a row of larger ``size`` lies within ``window`` of its ``key``.

    A range-maximum query over the rows sorted by key (a sparse table of maxima, as deep as
    the longest window), so the cost is at most O(n log n) whatever the density of peaks.
    """
    n = key.size
    if order is None:
        order = np.argsort(key, kind="stable")
    ks = key[order]
    lo = np.searchsorted(ks, ks - window * (1 + 1e-9), side="left")
    hi = np.searchsorted(ks, ks + window * (1 + 1e-9), side="right")
    # sizes by rank: few distinct values, so the table of maxima fits small integers
    distinct, rank = np.unique(size, return_inverse=True)
    small: type[np.signedinteger[Any]] = (
        np.int8 if distinct.size <= 127 else np.int16 if distinct.size <= 32767 else np.int32
    )
    ranked = rank.astype(small)
    length = hi - lo
    level = np.floor(np.log2(np.maximum(length, 1))).astype(np.int8)
    # levels of the table only up to the longest window
    table = [ranked[order]]
    width = 1
    while 2 * width <= int(length.max()):
        prev = table[-1]
        table.append(np.maximum(prev[:-width], prev[width:]))
        width *= 2
    best = np.empty(n, dtype=small)
    for j in np.unique(level).tolist():
        sel = level == j
        t = table[j]
        best[sel] = np.maximum(t[lo[sel]], t[hi[sel] - (1 << j)])
    out = np.empty(n, dtype=bool)
    out[order] = best > ranked[order]
    return out


def find_candidates(
    comp: pd.DataFrame,
    usable: np.ndarray,
    *,
    window: float,
    deacetylation: bool,
) -> FragmentCandidates:
    """Find the best candidate parent of every row.

    Work is done per pair of distinct compositions (F's residues a sub-multiset of P's),
    largest parent glycan first: for each F row the nearest P row of the same ceramide is found
    by binary search on (ceramide, RT).  The cost grows with rows times the number of
    superset compositions, never with pairs of rows.

    Parameters
    ----------
    comp:
        Per row (positional): ``ceramide_code``, ``rt``, ``volume``, ``is_anchor``,
        ``sugar_count`` and the residue counts of :data:`RESIDUES`.
    usable:
        Rows that take part (parsed, valid numbers).
    """
    n = len(comp)
    idx = np.flatnonzero(usable)
    if idx.size < 2:
        return FragmentCandidates(np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool))
    rt = comp["rt"].to_numpy(dtype=float)
    volume = comp["volume"].to_numpy(dtype=float)
    span = float(np.nanmax(rt[idx])) + 4 * window + 1.0
    # orders by ceramide, then RT; windows never cross ceramides
    key = comp["ceramide_code"].to_numpy(dtype=np.int64) * span + rt
    comps = _compositions(comp, idx)
    relation, fewer = _parent_relation(comps, deacetylation)
    by_key = np.argsort(key[idx], kind="stable")
    rows_of = _rows_by_composition(idx, comps.code, len(comps.size), by_key)
    # only rows with a larger peak of the same ceramide within the window can be fragments
    could = np.zeros(n, dtype=bool)
    could[idx] = _larger_nearby(key[idx], comps.size[comps.code], window, by_key)
    search = _Search(key, volume, window, relation, fewer)
    parent = search.sweep(rows_of, could, comps.size)
    return _set_anchors_apart(parent, comp["is_anchor"].to_numpy(dtype=bool), volume)


@dataclass(frozen=True)
class _Compositions:
    """The distinct residue compositions of the usable rows."""

    code: np.ndarray  # per usable row: index of its composition
    counts: np.ndarray  # per composition: the residue counts (columns in RESIDUES order)
    sugars: np.ndarray  # per composition: sugar residues
    # the size of a parent: its sugars, then its O-acetyl groups (a deacetylated fragment of
    # the same root is never preferred to the root itself)
    size: np.ndarray


def _compositions(comp: pd.DataFrame, idx: np.ndarray) -> _Compositions:
    packed = np.zeros(idx.size, dtype=np.int64)
    for i, r in enumerate(RESIDUES):
        packed += comp[r].to_numpy(dtype=np.int64)[idx] << (6 * i)
    code, uniques = pd.factorize(packed)
    counts = np.stack([(uniques // 64**i) % 64 for i in range(len(RESIDUES))], axis=1)
    sugars = counts[:, :5].sum(axis=1)
    return _Compositions(code, counts, sugars, sugars * 16 + counts[:, 5])


def _parent_relation(c: _Compositions, deacetylation: bool) -> tuple[np.ndarray, np.ndarray]:
    """``relation[f, p]``: composition f can be a fragment of composition p (it lies within p
    with fewer sugars, or with the same sugars and fewer OAc when ``deacetylation``);
    ``fewer[f, p]``: f has fewer sugars than p."""
    counts = c.counts
    within = (counts[:, None, :] <= counts[None, :, :]).all(axis=2)
    fewer = c.sugars[None, :] > c.sugars[:, None]
    same_sugars = (counts[:, None, :5] == counts[None, :, :5]).all(axis=2)
    more_oac = counts[None, :, 5] > counts[:, None, 5]
    deacetyl = same_sugars & more_oac if deacetylation else np.zeros_like(within)
    return within & (fewer | deacetyl), fewer


def _rows_by_composition(
    idx: np.ndarray, code: np.ndarray, n_codes: int, by_key: np.ndarray
) -> list[np.ndarray]:
    """The rows of each composition, sorted by (ceramide, RT), without a pass per composition:
    one sort on the key (``by_key``), then a stable (radix) sort on the small codes."""
    order = by_key[np.argsort(code[by_key], kind="stable")]
    bounds = np.searchsorted(code[order], np.arange(n_codes + 1))
    sorted_rows = idx[order]
    return [sorted_rows[bounds[c] : bounds[c + 1]] for c in range(n_codes)]


@dataclass(frozen=True)
class _Search:
    """The search for the nearest parent of each row, over pairs of compositions."""

    key: np.ndarray  # per row: ceramide code * span + RT
    volume: np.ndarray
    window: float
    relation: np.ndarray  # [f, p]: composition f can be a fragment of composition p
    fewer: np.ndarray  # [f, p]: f has fewer sugars than p (else: deacetylation, half window)

    def sweep(self, rows_of: list[np.ndarray], could: np.ndarray, size: np.ndarray) -> np.ndarray:
        """The best parent of every row (-1 when none).

        Largest parent glycan first; within one size the nearest peak wins.  A row matched at
        one size can only lose to a larger size, so after each size its matched rows leave the
        search: in a dense table most rows are searched once or twice, not once per superset.
        """
        parent = np.full(len(self.key), -1, dtype=np.int64)
        distance = np.full(len(self.key), np.inf)
        sorted_of = [(self.key[rows], rows) for rows in rows_of]
        f_of = [rows[could[rows]] for rows in rows_of]
        by_size = np.argsort(-size, kind="stable")
        for level in np.split(by_size, np.flatnonzero(np.diff(size[by_size])) + 1):
            touched: set[int] = set()
            for cp in level.tolist():
                children = [
                    c for c in np.flatnonzero(self.relation[:, cp]).tolist() if f_of[c].size
                ]
                if not children:
                    continue
                touched.update(children)
                f_rows = np.concatenate([f_of[c] for c in children])
                p_keys, p_order = sorted_of[cp]
                near, dist = _nearest(p_keys, p_order, self.key[f_rows])
                hit = self._in_window(children, [f_of[c].size for c in children], cp, dist)
                if hit.size:
                    self._offer(parent, distance, f_rows[hit], near[hit], dist[hit])
            for c in touched:
                f_of[c] = f_of[c][parent[f_of[c]] < 0]
        return parent

    def _in_window(
        self, children: list[int], sizes: list[int], cp: int, dist: np.ndarray
    ) -> np.ndarray:
        """Positions of ``dist`` within the window (half the window for deacetylation)."""
        if all(self.fewer[c, cp] for c in children):
            return np.flatnonzero(dist <= self.window * (1 + 1e-9))
        limit = np.repeat(
            [self.window if self.fewer[c, cp] else self.window / 2 for c in children], sizes
        )
        return np.flatnonzero(dist <= limit * (1 + 1e-9))

    def _offer(
        self,
        parent: np.ndarray,
        distance: np.ndarray,
        rows: np.ndarray,
        near: np.ndarray,
        dist: np.ndarray,
    ) -> None:
        """A row already matched at this size keeps the nearer parent; the larger volume
        breaks exact RT ties."""
        held = parent[rows]
        taken = held >= 0
        held_dist = distance[rows]
        take = ~taken | (dist < held_dist)
        take |= (
            taken
            & (dist == held_dist)
            & (self.volume[near] > self.volume[np.where(taken, held, 0)])
        )
        rows = rows[take]
        parent[rows] = near[take]
        distance[rows] = dist[take]


def _set_anchors_apart(
    parent: np.ndarray, anchor: np.ndarray, volume: np.ndarray
) -> FragmentCandidates:
    """An anchor is never a fragment; it looks like one when smaller than its would-be parent."""
    conflict = np.zeros(len(parent), dtype=bool)
    anchors_found = (parent >= 0) & anchor
    conflict[anchors_found] = volume[anchors_found] <= volume[parent[anchors_found]]
    parent[anchor] = -1
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


def lost_residues(comp: pd.DataFrame, fragment: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Residues the parent lost to give the fragment, e.g. ``NeuAc+Hex`` or ``2NeuAc``.

    No leading sign: a spreadsheet would take ``-NeuAc`` for a formula, and the exports would
    then have to quote it."""
    code, texts = lost_residue_codes(comp, fragment, parent)
    return np.array(texts, dtype=object)[code]


def lost_residue_codes(
    comp: pd.DataFrame, fragment: np.ndarray, parent: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """:func:`lost_residues` as a code per pair and the distinct texts.

    The text is built once per distinct difference of composition.
    """
    counts = [comp[r].to_numpy(dtype=np.int64) for r in RESIDUES]
    diff = np.column_stack([c[parent] - c[fragment] for c in counts])
    if diff.size == 0:
        return np.zeros(0, dtype=np.int64), []
    packed = (np.clip(diff, 0, 63) * (64 ** np.arange(len(RESIDUES), dtype=np.int64))).sum(axis=1)
    code, distinct = pd.factorize(packed)
    texts = []
    for value in distinct.tolist():
        parts = []
        for r in RESIDUES:
            value, d = divmod(value, 64)
            if d:
                parts.append(f"{d if d > 1 else ''}{RESIDUE_LABEL[r]}")
        texts.append("+".join(parts))
    return code, texts


def decide(
    candidate_parent: np.ndarray,
    on_line: np.ndarray,
    far_off: np.ndarray,
    volume: np.ndarray,
    *,
    keep_volume_ratio: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Split candidates into fragments and real species that merely co-elute.

    A candidate that sits on its own predicted RT (``on_line``: |z| < ``outlier_z``, as the RT
    model decided) stays a species when it is not much smaller than the top of its chain of
    candidate parents (volume ratio ≥ ``keep_volume_ratio``; fragments carry a small share of
    their precursor's ions) or when that top is itself far off its own line (``far_off``:
    |z| ≥ 2 ``outlier_z``, likely the misannotated peak); any other candidate is a fragment.  A
    candidate without a model is decided by co-elution alone.

    Returns
    -------
    is_fragment, possible_fragment
        Boolean masks (positional).
    """
    cand = candidate_parent >= 0
    top = roots(candidate_parent, cand)
    par = np.clip(top, 0, None)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.where(volume[par] > 0, volume / volume[par], np.inf)
    stays = cand & on_line & ((ratio >= keep_volume_ratio) | far_off[par])
    return cand & ~stays, stays
