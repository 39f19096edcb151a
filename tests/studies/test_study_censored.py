"""The censored test (``imputation = censored_test``, :mod:`ganglioside.studies.censored`):
the Tobit fit against scipy's numbers, the test against the ordinary t when nothing is
censored, its calibration on null compounds, which cells it takes as censored, and its calls
against the truth of simulated studies with a detection limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from ganglioside.simulate.study import SCENARIOS, simulate_study
from ganglioside.studies.censored import (
    CensoredCompound,
    censored_compound,
    compound_tests,
    sample_limits,
    tobit_fit,
    with_censored,
)
from ganglioside.studies.moderated import moderated_fit

TWO_GROUPS = np.repeat(np.eye(2), 6, axis=0)  # cell means, 6 + 6 samples
CONTRAST = np.array([[-1.0], [1.0]])  # second group over first


def test_tobit_fit_equals_scipys_censored_normal_fit() -> None:
    """One mean, values below 9.5 censored: the same estimates as scipy's maximum-likelihood
    fit of a normal to ``CensoredData``."""
    y = np.random.default_rng(3).normal(10.0, 1.0, 40)
    below = y < 9.5
    data = stats.CensoredData(uncensored=y[~below], left=np.full(below.sum(), 9.5))
    mean, sd = stats.norm.fit(data)
    fit = tobit_fit(np.ones((40, 1)), np.where(below, 9.5, y), below)
    assert below.sum() == 11
    assert fit.beta[0] == pytest.approx(mean, abs=1e-4)
    assert fit.sd == pytest.approx(sd, abs=1e-4)


def test_tobit_regression_equals_a_direct_maximisation_of_its_likelihood() -> None:
    """Two groups, a share censored at a limit per sample: the same coefficients and σ as
    Nelder–Mead on the likelihood written with scipy's normal density and distribution."""
    rng = np.random.default_rng(4)
    y = TWO_GROUPS @ np.array([10.0, 10.8]) + rng.normal(0, 0.6, 12)
    limit = np.linspace(9.8, 10.1, 12)
    below = y < limit

    def minus_loglik(theta: np.ndarray) -> float:
        mu, sd = TWO_GROUPS @ theta[:2], np.exp(theta[2])
        seen = stats.norm.logpdf(y[~below], mu[~below], sd).sum()
        return -(seen + stats.norm.logcdf(limit[below], mu[below], sd).sum())

    options = {"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}
    direct = optimize.minimize(
        minus_loglik, [10.0, 10.0, 0.0], method="Nelder-Mead", options=options
    )
    fit = tobit_fit(TWO_GROUPS, np.where(below, limit, y), below)
    assert 2 <= below.sum() <= 8
    assert fit.beta == pytest.approx(direct.x[:2], abs=1e-5)
    assert fit.sd == pytest.approx(np.exp(direct.x[2]), abs=1e-5)


def test_without_censored_cells_the_test_is_the_t_test() -> None:
    """Nothing censored and no prior (d0 = 0): the fold change is the difference of the means
    and the p value that of Student's t-test (scipy)."""
    y = np.random.default_rng(1).normal(10.0, 1.0, 12) + np.repeat([0.0, 1.0], 6)
    compound = CensoredCompound(TWO_GROUPS, y, np.zeros(12, dtype=bool))
    tests = compound_tests(compound, CONTRAST, (0.0, 1.0, np.inf))
    student = stats.ttest_ind(y[6:], y[:6])
    assert tests.estimate[0] == pytest.approx(y[6:].mean() - y[:6].mean(), abs=1e-8)
    assert tests.t[0] == pytest.approx(student.statistic, rel=1e-6)
    assert tests.p[0] == pytest.approx(student.pvalue, rel=1e-6)


def _null_study(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """2,000 unchanged compounds (6 + 6 samples, sd 0.5, means around 1), values below 0
    censored; the log2 values with NaN below the limit."""
    rng = np.random.default_rng(seed)
    y = rng.normal(1.0, 1.0, (2000, 1)) + rng.normal(0.0, 0.5, (2000, 12))
    return y, np.where(y < 0.0, np.nan, y)


def test_the_censored_test_keeps_its_level_on_null_compounds() -> None:
    """No compound changes: about 5 % of the censored compounds have p < 0.05 (the calibration
    the module states: 4.2 % here; 7.9 % without the measured-share factor), and the others
    keep theirs."""
    _, observed = _null_study(5)
    fit = with_censored(
        moderated_fit(observed, TWO_GROUPS, CONTRAST), observed, TWO_GROUPS, CONTRAST
    )
    assert fit.n_censored is not None
    tested = fit.n_censored > 0
    assert 400 <= tested.sum() <= 800
    rate = np.mean(fit.p_value[tested, 0] < 0.05)
    assert 0.035 <= rate <= 0.07
    assert np.mean(fit.p_value[~tested, 0] < 0.05) <= 0.065


def test_missing_cells_far_above_the_limit_or_reported_are_not_censored() -> None:
    """A compound measured 3 log2 units above the limit with one cell missing: the cell is no
    value below the limit (σ 0.5), so there is no censored test; near the limit it is censored,
    unless the sample reported the compound (``detected``)."""
    limit = np.zeros(12)
    high = np.r_[np.nan, np.full(11, 3.0)] + np.linspace(-0.2, 0.2, 12)
    assert censored_compound(TWO_GROUPS, high, limit, 0.5) is None
    near = np.r_[np.nan, np.nan, np.full(10, 0.4)] + np.linspace(-0.2, 0.2, 12)
    found = censored_compound(TWO_GROUPS, near, limit, 0.5)
    assert found is not None
    assert found.censored.tolist() == [True, True] + [False] * 10
    detected = np.r_[True, True, np.zeros(10, dtype=bool)]
    assert censored_compound(TWO_GROUPS, near, limit, 0.5, detected) is None


def test_sample_limits_are_the_smallest_measured_values() -> None:
    logs = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, np.nan], [np.nan, np.nan, 2.5]])
    assert sample_limits(logs).tolist() == [1.0, 5.0, 2.5]


def _limited_study(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, object, np.ndarray]:
    """The true abundances of a simulated "below detection" study (bio sd 0.35, 25 % of the
    volumes under the limit) with the values under the limit removed: matrix, features,
    design, and the true log2 fold change per species peak."""
    from ganglioside.names import composition_frame
    from ganglioside.studies import read_design

    sim = simulate_study(seed, **SCENARIOS["below detection"])
    assert sim.matrix is not None
    truth = sim.species[~sim.species["is_standard"]]
    features = pd.DataFrame(
        {
            "feature": truth.index,
            "species": composition_frame(truth["name"])["species"]
            .reindex(truth["name"])
            .to_numpy(),
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
    matrix = sim.matrix.loc[truth.index]
    matrix = matrix.where(matrix >= sim.params["detection_limit"])
    design = read_design(sim.design.drop(columns="file"), in_memory=list(sim.design["sample"]))
    fold = np.log2((truth["fold_disease"] / truth["fold_control"]).to_numpy())
    return matrix, features, design, fold


def test_on_simulated_studies_with_a_detection_limit_the_censored_test_finds_more() -> None:
    """Seeds 0-5 of the "below detection" scenario, true abundances with the detection limit
    applied, PQN: the censored test calls more of the changed species than leaving the
    missing values out, and stays precise (BH at q < 0.05)."""
    from ganglioside.studies import StudyConfig
    from ganglioside.studies.quantify import quantify
    from ganglioside.studies.statistics import StatsPlan, comparison, group_statistics

    counts = {True: [0, 0], False: [0, 0]}  # censored? → [true calls, calls]
    changed_total = 0
    for seed in range(6):
        matrix, features, design, fold = _limited_study(seed)
        config = StudyConfig(detection_rate=0.0, qc_rsd=10.0, d_ratio=10.0)
        values = quantify(matrix, features, design, config).values
        changed_total += int((fold != 0).sum())
        for censored in (True, False):
            table, _ = group_statistics(
                values, features, design, comparison(design, None), StatsPlan(censored=censored)
            )
            called = (table["q_value"] < 0.05).to_numpy()
            counts[censored][0] += int((called & (fold != 0)).sum())
            counts[censored][1] += int(called.sum())
    recall = {k: v[0] / changed_total for k, v in counts.items()}
    precision = {k: v[0] / v[1] for k, v in counts.items()}
    assert recall[True] >= recall[False] + 0.08
    assert precision[True] >= 0.9
