"""How well ``ganglioside.study`` finds the changed species of simulated studies, per scenario.

Per scenario (``SCENARIOS`` of ``ganglioside.simulate.study``: batches balanced and confounded,
unknown sample amounts, paired small effects, pooled QCs with signal drift, values below a
detection limit, three groups; biological sd 0.35 log units) and held-out seed, a study is
simulated and analysed twice:

* **project**: ``ganglioside.study`` on the simulated tables with its defaults and the design
  as simulated (batch, injection order, subject, sample type), every contrast against the
  first group;
* **right model on a perfect matrix**: the simulator's true abundances of every real species
  (no identification, alignment or detection error) through the study's statistics with the
  scenario's right model (PQN; QC drift correction when there are QCs; group + batch, subject
  as the design says; moderated t);
* for a scenario with a detection limit, also the **right model on the perfect matrix with the
  detection limit applied**: the true abundances with every value below the simulator's limit
  removed, tested by the censored test (``imputation = censored_test``): what is reachable
  once the values are censored, without identification or alignment errors.

Each true peak of a real species is matched to the compound of the same species nearest in RT;
the compounds called changed (q < 0.05) are scored per contrast against the truth: recall is
the share of the changed species peaks whose compound was called (a peak never aligned counts
as missed), precision the share of the called compounds that some changed peak matched.  Printed per
scenario, pooled over the seeds: precision, recall, the median error of the log2 fold change of
the changed species, and the worst seed's precision.  ``bench/study_alignment_accuracy.py``
scores the plain two-group study (bio sd 0.15) with its per-sample statuses and drift error.

    .venv/bin/python bench/study_accuracy.py                    # every scenario, seeds 100-104
    .venv/bin/python bench/study_accuracy.py --scenario "unknown amounts" --seeds 10
    .venv/bin/python bench/study_accuracy.py --set imputation=min_prob --scenario "below detection"
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ganglioside.names import composition_frame
from ganglioside.simulate.study import SCENARIOS, SimulatedStudy, simulate_study
from ganglioside.studies import StudyConfig, read_design, study
from ganglioside.studies.quantify import quantify
from ganglioside.studies.statistics import StatsPlan, comparison, group_statistics


def _contrasts(sim: SimulatedStudy) -> list[tuple[str, str]]:
    groups = list(dict.fromkeys(sim.design.loc[sim.design["sample_type"] == "sample", "group"]))
    return [(g, groups[0]) for g in groups[1:]]


def _truth(sim: SimulatedStudy) -> pd.DataFrame:
    truth = sim.species[~sim.species["is_standard"]].copy()
    truth["species"] = composition_frame(truth["name"])["species"].reindex(truth["name"]).to_numpy()
    return truth


def _score(
    stats: pd.DataFrame, truth: pd.DataFrame, feature: list[int], pairs: list[tuple[str, str]]
) -> dict[str, float]:
    tp = found = called_n = changed_n = 0
    errors: list[float] = []
    for num, den in pairs:
        rows = stats[stats["contrast"] == f"{num}/{den}"]
        fold = (truth[f"fold_{num}"] / truth[f"fold_{den}"]).to_numpy()
        called = set(rows.loc[rows["q_value"] < 0.05, "feature"])
        changed = {f for f, x in zip(feature, fold, strict=True) if x != 1.0 and f >= 0}
        tp += len(changed & called)
        found += sum(1 for f, x in zip(feature, fold, strict=True) if x != 1.0 and f in called)
        called_n += len(called)
        changed_n += int(np.sum(fold != 1.0))
        by_feature = rows.set_index("feature")["log2_fold_change"]
        for f, x in zip(feature, fold, strict=True):
            if x != 1.0 and f in by_feature.index:
                errors.append(abs(float(by_feature.loc[f]) - float(np.log2(x))))
    return {
        "tp": tp,
        "found": found,
        "called": called_n,
        "changed": changed_n,
        "fc_error": _median(errors),
    }


def _median(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.median(finite)) if finite else float("nan")


def _matched_features(stats: pd.DataFrame, truth: pd.DataFrame) -> list[int]:
    out = []
    for row in truth.itertuples():
        cand = stats[stats["species"] == row.species].drop_duplicates("feature")
        distance = (cand["rt"] - row.rt).abs()
        ok = len(cand) and distance.min() < 0.5
        out.append(int(cand["feature"].iloc[int(distance.argmin())]) if ok else -1)
    return out


def project(sim: SimulatedStudy, overrides: dict[str, Any]) -> dict[str, float]:
    pairs = _contrasts(sim)
    config = {"compare": [f"{a}/{b}" for a, b in pairs], **overrides}
    design = sim.design.drop(columns="file")
    result = study(design, config, tables=sim.tables)
    truth = _truth(sim)
    return _score(result.statistics, truth, _matched_features(result.statistics, truth), pairs)


def perfect(sim: SimulatedStudy, censored: bool = False) -> dict[str, float]:
    """The right model on the simulator's true abundances (``censored``: with the values
    below the detection limit removed, tested by the censored test)."""
    assert sim.matrix is not None
    truth = _truth(sim)
    pairs = _contrasts(sim)
    design = read_design(sim.design.drop(columns="file"), in_memory=list(sim.design["sample"]))
    features = pd.DataFrame(
        {
            "feature": truth.index,
            "species": truth["species"],
            "name": truth["name"],
            "isomer_track": truth["track"],
            "category": truth["name"].str[:2],
            "is_standard": False,
            "rt": truth["rt"],
            "found_fraction": 1.0,
            "outlier_in": "",
            "fragment_in": "",
        }
    )
    abundance = sim.matrix.loc[truth.index]
    if censored:
        abundance = abundance.where(abundance >= sim.params["detection_limit"])
    config = StudyConfig(compare=tuple(pairs), detection_rate=0.0, qc_rsd=10.0, d_ratio=10.0)
    quantities = quantify(abundance, features, design, config)
    stats, _ = group_statistics(
        quantities.imputed,
        features,
        design,
        comparison(design, pairs),
        StatsPlan(censored=censored),
    )
    return _score(stats, truth, list(truth.index), pairs)


def _pooled(rows: list[dict[str, float]]) -> dict[str, float]:
    tp = sum(r["tp"] for r in rows)
    found = sum(r["found"] for r in rows)
    called = sum(r["called"] for r in rows)
    changed = sum(r["changed"] for r in rows)
    return {
        "precision": tp / max(called, 1),
        "recall": found / max(changed, 1),
        "worst precision": min(r["tp"] / max(r["called"], 1) for r in rows),
        "fc error": _median([r["fc_error"] for r in rows]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--start", type=int, default=100, help="first seed (tests use 0-20)")
    parser.add_argument("--scenario", action="append", help="one scenario (repeatable)")
    parser.add_argument(
        "--set", action="append", default=[], help="a study parameter, key=value (repeatable)"
    )
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    warnings.simplefilter("ignore")
    lines = []
    for name in args.scenario or list(SCENARIOS):
        knobs = SCENARIOS[name]
        started = time.perf_counter()
        ours, right, limited = [], [], []
        for seed in range(args.start, args.start + args.seeds):
            sim = simulate_study(seed, **knobs)
            ours.append(project(sim, overrides))
            right.append(perfect(sim))
            if knobs.get("detection_quantile", 0.0) > 0:
                limited.append(perfect(sim, censored=True))
        a, b = _pooled(ours), _pooled(right)
        line = {
            "scenario": name,
            "precision": a["precision"],
            "recall": a["recall"],
            "worst seed precision": a["worst precision"],
            "FC error": a["fc error"],
            "right model, perfect matrix: precision": b["precision"],
            "recall ": b["recall"],
        }
        if limited:
            c = _pooled(limited)
            line["censored perfect matrix: precision"] = c["precision"]
            line["recall  "] = c["recall"]
        line["seconds"] = time.perf_counter() - started
        lines.append(line)
        print(
            pd.DataFrame(lines[-1:]).to_string(
                index=False, header=len(lines) == 1 or bool(limited)
            ),
            flush=True,
        )
    print()
    with pd.option_context("display.width", 200, "display.precision", 2):
        print(pd.DataFrame(lines).to_string(index=False))


if __name__ == "__main__":
    main()
