"""Bent RT lines: false and missed outliers on simulated bent tables, with and without the bend.

Usage: ``.venv/bin/python bench/bent_lines.py [--curvature -0.06] [SEED ...]``.  Each table is
simulated with ``rt_curvature`` and analysed twice: as the model decides (a line bends when
leave-one-out prediction says so) and with straight lines only (the bend switched off by
raising the anchors it needs).
"""

from __future__ import annotations

import argparse

import numpy as np

from ganglioside import analyze
from ganglioside.rules.retention import _curvature
from ganglioside.simulate import simulate


def _scores(sim, result) -> tuple[int, int, float]:
    status = result.compounds["status"].astype(str).to_numpy()
    truth = sim.truth["label"].to_numpy()
    false_out = int(((status == "outlier") & (truth != "outlier")).sum())
    missed = int(((status != "outlier") & (truth == "outlier")).sum())
    return false_out, missed, float(np.mean(status == truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curvature", type=float, default=-0.06)
    parser.add_argument("seeds", nargs="*", type=int, default=[3, 5, 7, 11])
    args = parser.parse_args()
    needed = _curvature.MIN_ANCHORS
    print("seed  bent: false missed accuracy | straight: false missed accuracy")
    for seed in args.seeds:
        sim = simulate(seed, rt_curvature=args.curvature)
        _curvature.MIN_ANCHORS = needed
        bent = _scores(sim, analyze(sim.table))
        _curvature.MIN_ANCHORS = 10**9
        straight = _scores(sim, analyze(sim.table))
        _curvature.MIN_ANCHORS = needed
        print(
            f"{seed:4d}  {bent[0]:11d} {bent[1]:6d} {bent[2]:8.3f} | "
            f"{straight[0]:15d} {straight[1]:6d} {straight[2]:8.3f}"
        )


if __name__ == "__main__":
    main()
