"""How well ``ganglioside.study`` finds the changed species of simulated studies.

Per seed, a two-group study (``simulate_study``: six samples per group by default) is analysed;
each true peak of a real species is matched to the compound of the same species nearest in RT,
and the compounds called changed (q < 0.05) are scored against the truth.  Printed per seed and
pooled: precision, recall, the median and largest error of the log2 fold change of the changed
species, the largest error of the drift estimate (min), and the macro-F1 of the samples'
statuses (outliers and fragments against each table's truth; mean and worst sample).
``--per-sample-models`` analyses each sample on its own RT model (no shared model).

    .venv/bin/python bench/study_alignment_accuracy.py                 # seeds 0-19
    .venv/bin/python bench/study_alignment_accuracy.py --seeds 50 --per-group 4
    .venv/bin/python bench/study_alignment_accuracy.py --per-sample-models
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from ganglioside.names import composition_frame
from ganglioside.scoring import score
from ganglioside.simulate.study import SLOPE_PIVOT, simulate_study
from ganglioside.studies import study


def _score(seed: int, per_group: int, shared: bool) -> dict[str, float]:
    sim = simulate_study(seed, n_per_group=per_group)
    result = study(
        sim.design.drop(columns="file"), tables=sim.tables, config={"shared_model": shared}
    )
    f1 = {
        s: score(a.compounds, sim.truths[s].assign(parent_row=-1))["macro_f1"]
        for s, a in result.analyses.items()
    }
    stats = result.statistics
    truth = sim.species[~sim.species["is_standard"]].copy()
    truth["species"] = composition_frame(truth["name"])["species"].reindex(truth["name"]).to_numpy()
    feature = []
    for row in truth.itertuples():
        cand = stats[stats["species"] == row.species]
        d = (cand["rt"] - row.rt).abs()
        feature.append(
            int(cand["feature"].iloc[int(d.argmin())]) if len(cand) and d.min() < 0.5 else -1
        )
    truth["feature"] = feature
    changed = set(truth.loc[truth["changed"], "feature"]) - {-1}
    called = set(stats.loc[stats["q_value"] < 0.05, "feature"])
    tp = len(changed & called)
    merged = truth[truth["changed"] & (truth["feature"] >= 0)].merge(stats, on="feature")
    error = np.abs(merged["log2_fold_change"] - np.log2(merged["fold"]))
    runs = sim.runs.set_index("sample")
    centre = float(result.features["rt"].median())
    true = runs["rt_shift"] + (runs["rt_slope"] - 1) * (centre - SLOPE_PIVOT)
    measured = result.drift.set_index("sample")["rt_shift"].reindex(true.index)
    drift_error = np.abs(true - measured - np.median(true - measured))
    return {
        "seed": seed,
        "changed": len(changed),
        "called": len(called),
        "tp": tp,
        "precision": tp / max(len(called), 1),
        "recall": tp / max(len(changed), 1),
        "fc_error_median": float(error.median()),
        "fc_error_max": float(error.max()),
        "drift_error_max": float(drift_error.max()),
        "aligned": float((truth["feature"] >= 0).mean()),
        "f1_mean": float(np.mean(list(f1.values()))),
        "f1_min": float(min(f1.values())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--per-group", type=int, default=6)
    parser.add_argument(
        "--per-sample-models",
        action="store_true",
        help="each sample its own RT model (no shared model), anchors borrowed",
    )
    args = parser.parse_args()
    seeds = range(args.start, args.start + args.seeds)
    rows = [_score(s, args.per_group, not args.per_sample_models) for s in seeds]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 140, "display.precision", 3):
        print(table.to_string(index=False))
    tp, called, changed = table["tp"].sum(), table["called"].sum(), table["changed"].sum()
    print(
        f"pooled over {len(table)} seeds: precision {tp / called:.3f}, recall {tp / changed:.3f}; "
        f"worst seed precision {table['precision'].min():.3f}, recall {table['recall'].min():.3f}; "
        f"log2 FC error median {table['fc_error_median'].median():.3f}, "
        f"max {table['fc_error_max'].max():.3f}; "
        f"drift error max {table['drift_error_max'].max():.3f} min; "
        f"per-sample status macro-F1 mean {table['f1_mean'].mean():.3f}, "
        f"worst sample {table['f1_min'].min():.3f}"
    )


if __name__ == "__main__":
    main()
