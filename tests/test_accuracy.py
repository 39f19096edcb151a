"""Accuracy on simulated tables with known truth, across many seeds (not tuned per seed)."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.scoring import score
from ganglioside.simulate import simulate

pytestmark = pytest.mark.slow

SEEDS = range(1000, 1016)


def pooled(results: list[dict]) -> dict[str, float]:
    def f1(kind: str) -> float:
        tp = sum(r[f"{kind}_tp"] for r in results)
        fp = sum(r[f"{kind}_fp"] for r in results)
        fn = sum(r[f"{kind}_fn"] for r in results)
        return 2 * tp / (2 * tp + fp + fn)

    return {
        "macro_f1": (f1("outlier") + f1("fragment")) / 2,
        "valid_kept": sum(r["valid_ok"] for r in results) / sum(r["n_valid"] for r in results),
        "linkage": sum(r["linked"] for r in results) / sum(r["n_fragment"] for r in results),
    }


@pytest.fixture(scope="module")
def scores():
    out = []
    for seed in SEEDS:
        sim = simulate(seed)
        out.append(score(analyze(sim.table), sim.truth))
    return out


@pytest.mark.slow
def test_outliers_and_fragments_are_found_across_seeds(scores):
    figures = pooled(scores)
    assert figures["macro_f1"] >= 0.95, figures


@pytest.mark.slow
def test_true_species_are_kept_valid(scores):
    assert pooled(scores)["valid_kept"] >= 0.97


def test_fragments_are_linked_to_their_parent(scores):
    assert pooled(scores)["linkage"] >= 0.95


def test_no_seed_collapses(scores):
    worst = min(r["macro_f1"] for r in scores)
    assert worst >= 0.8, [round(r["macro_f1"], 3) for r in scores]


@pytest.mark.slow
def test_accuracy_holds_when_log_p_is_missing_on_a_fifth_of_rows():
    results = []
    for seed in range(2000, 2004):
        sim = simulate(seed, missing_logp_rate=0.2)
        results.append(score(analyze(sim.table), sim.truth))
    figures = pooled(results)
    assert figures["macro_f1"] >= 0.93, figures
    assert figures["valid_kept"] >= 0.97, figures


def test_the_simulated_truth_is_not_seen_by_the_analysis():
    sim = simulate(1000)
    assert list(sim.table.columns) == ["Name", "RT", "Volume", "Log P", "Anchor"]
    assert isinstance(sim.truth, pd.DataFrame)
