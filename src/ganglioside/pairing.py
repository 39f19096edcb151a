"""Pairing two lists of peaks one to one: the closest candidate pairs first, each peak once."""

from __future__ import annotations

from collections.abc import Iterable


def closest_pairs(candidates: Iterable[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """From ``(gap, i, j)`` candidates, the pairs ``(i, j)`` taken smallest gap first with each
    ``i`` and each ``j`` used once, in order of ``i``."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            chosen.append((i, j))
    return sorted(chosen)
