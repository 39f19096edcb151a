"""Studies simulated with known truth: the changed species are found, folds and drift measured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganglioside.names import composition_frame
from ganglioside.simulate.study import SLOPE_PIVOT, SimulatedStudy, simulate_study
from ganglioside.studies import StudyResult, study

#: Each test here runs whole analyses or studies: left out of `make check`.
pytestmark = pytest.mark.slow


SEEDS = (0, 1, 2, 3)


def _run(simulated: SimulatedStudy, **config: object) -> StudyResult:
    design = simulated.design.drop(columns="file")
    return study(design, config or None, tables=simulated.tables)


@pytest.fixture(scope="module", params=SEEDS)
def simulated(request: pytest.FixtureRequest) -> tuple[SimulatedStudy, StudyResult]:
    sim = simulate_study(request.param)
    return sim, _run(sim)


def _matched(sim: SimulatedStudy, result: StudyResult) -> pd.DataFrame:
    """Each true peak of a real species with the compound of the same species nearest in RT."""
    truth = sim.species[~sim.species["is_standard"]].copy()
    species = composition_frame(truth["name"])["species"]
    truth["species"] = species.reindex(truth["name"]).to_numpy()
    stats = result.statistics
    feature = []
    for row in truth.itertuples():
        candidates = stats[stats["species"] == row.species]
        distance = (candidates["rt"] - row.rt).abs()
        ok = len(candidates) and distance.min() < 0.5
        feature.append(int(candidates["feature"].iloc[int(distance.argmin())]) if ok else -1)
    truth["feature"] = feature
    return truth.merge(stats, on="feature", how="left", suffixes=("", "_study"))


def _called(sim: SimulatedStudy, result: StudyResult) -> tuple[int, int, int]:
    """True positives, compounds called changed (q < 0.05) and changed compounds."""
    matched = _matched(sim, result)
    changed = set(matched.loc[matched["changed"], "feature"]) - {-1}
    called = set(result.statistics.loc[result.statistics["q_value"] < 0.05, "feature"])
    return len(changed & called), len(called), len(changed)


def test_the_changed_species_are_found(simulated: tuple[SimulatedStudy, StudyResult]) -> None:
    sim, result = simulated
    matched = _matched(sim, result)
    # nearly every true peak was aligned: those whose RT the model could not have checked
    # (95 % interval wider than ±1 min) are unverified and not aligned since the verdicts of
    # issue 18 (measured on seeds 0-2: 94.6-95.5 % aligned, 98 % before)
    assert (matched["feature"] >= 0).mean() >= 0.93
    true_positive, called, changed = _called(sim, result)
    precision = true_positive / max(called, 1)
    recall = true_positive / max(changed, 1)
    # BH bounds the expected share of false calls (5 %), not each study's: one seed may have
    # two or three chance calls among ~20; the pooled precision is checked below.
    assert precision >= 0.8, (precision, recall)
    assert recall >= 0.9, (precision, recall)


def test_the_pooled_precision_is_at_least_90_percent() -> None:
    counts = np.array([_called(sim, _run(sim)) for sim in map(simulate_study, SEEDS)])
    true_positive, called, changed = counts.sum(axis=0)
    assert true_positive / called >= 0.9, counts
    assert true_positive / changed >= 0.95, counts


def test_fold_changes_are_within_the_noise(simulated: tuple[SimulatedStudy, StudyResult]) -> None:
    sim, result = simulated
    matched = _matched(sim, result)
    changed = matched[matched["changed"] & (matched["feature"] >= 0)]
    error = changed["log2_fold_change"] - np.log2(changed["fold"])
    # log noise per sample: biological 0.15 and loading 0.10 (natural log); 6 vs 6 samples
    se = np.hypot(0.15, 0.10) / np.log(2) * np.sqrt(2 / 6)
    assert np.abs(error).max() < 5 * se
    assert np.abs(error).median() < 2 * se
    unchanged = matched[~matched["changed"] & (matched["feature"] >= 0)]
    assert np.abs(unchanged["log2_fold_change"]).median() < 2 * se


def test_drift_is_measured_per_sample(simulated: tuple[SimulatedStudy, StudyResult]) -> None:
    sim, result = simulated
    runs = sim.runs.set_index("sample")
    centre = float(result.features["rt"].median())
    true = runs["rt_shift"] + (runs["rt_slope"] - 1.0) * (centre - SLOPE_PIVOT)
    measured = result.drift.set_index("sample")["rt_shift"].reindex(true.index)
    offset = float(np.median(true - measured))  # the consensus run is the reference
    assert np.abs(true - measured - offset).max() < 0.03


def test_the_sample_with_two_anchors_borrows_the_others(
    simulated: tuple[SimulatedStudy, StudyResult],
) -> None:
    _, result = simulated
    poor = result.samples.iloc[0]
    assert poor["anchors"] == 2
    assert poor["borrowed_anchors"] >= 5
    assert poor["valid"] >= 0.8 * result.samples["valid"].median()


def test_internal_standards_take_out_the_loading() -> None:
    sim = simulate_study(5, loading_sd=0.4, bio_sd=0.1, changed_fraction=0.1)
    raw = _run(sim, quantity="raw")
    scaled = _run(sim, quantity="internal_standard")
    pqn = _run(sim)  # the default: the loading is a dilution PQN finds
    unchanged = ~sim.species["changed"] & ~sim.species["is_standard"]
    names = set(sim.species.loc[unchanged, "name"])

    def spread(result: StudyResult) -> float:
        values = result.quantities.values
        keep = result.features.set_index("feature").loc[values.index, "name"].isin(names)
        logs = np.log2(values[keep.to_numpy()])
        return float(logs.std(axis=1).median())

    assert spread(scaled) < 0.6 * spread(raw)
    assert spread(pqn) < 0.6 * spread(raw)
    dilution = pqn.samples.set_index("sample")["dilution_factor"]
    loading = sim.runs.set_index("sample")["loading"]
    assert np.corrcoef(np.log(dilution), np.log(loading.reindex(dilution.index)))[0, 1] > 0.95
