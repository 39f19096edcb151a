"""Moderated t (empirical-Bayes variance shrinkage) and the model's design matrix.

The expected numbers were computed independently with R's limma 3.54 (``lmFit`` →
``contrasts.fit`` → ``eBayes``) on the same matrices; ``bench/moderated_t_limma.py`` repeats
the comparison on larger random matrices with missing values, batches and three groups.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from ganglioside.errors import ConfigError
from ganglioside.studies.design import SampleSpec
from ganglioside.studies.model import contrast_matrix, default_terms, model_matrix, model_terms
from ganglioside.studies.moderated import fit_f_dist, moderated_fit, trigamma_inverse

Y = np.array(
    [
        [10.1, 10.4, 9.8, 11.2, 11.0, 11.5],
        [8.0, 8.01, 8.02, 8.2, 8.21, 8.19],
        [12.5, 12.1, 12.9, 12.4, 12.6, 12.2],
        [9.0, 9.6, 9.3, 10.9, 10.1, 10.5],
        [7.2, 7.0, 7.5, 7.1, 7.6, 7.3],
        [11.0, 12.8, 10.3, 11.1, 12.9, 10.4],
        [6.5, 6.9, 6.4, 7.9, 8.2, 7.7],
        [13.0, 14.3, 11.8, 13.1, 14.9, 11.4],
    ]
)
X = np.column_stack([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]]).astype(float)
B_MINUS_A = np.array([[-1.0], [1.0]])
# limma 3.54: df.prior, s2.prior, t and p.value of gb - ga
LIMMA_D0 = 0.72289254831913
LIMMA_S0 = 0.0163195093080629
LIMMA_T = [
    5.3453630490107322,
    4.5790171541826075,
    -0.4147705763043223,
    4.4645936101018400,
    0.5169157285698608,
    0.1030968344599934,
    6.7251803235698464,
    0.0874427665665218,
]
LIMMA_P = [
    0.00364804531040081,
    0.00684527550026742,
    0.69647253248003382,
    0.00756736550078361,
    0.62849578544507345,
    0.92211939306962720,
    0.00137436212487189,
    0.93390496951703361,
]


def test_moderated_t_matches_limma() -> None:
    fit = moderated_fit(Y, X, B_MINUS_A)
    assert fit.d0 == pytest.approx(LIMMA_D0, rel=1e-9)
    assert fit.s0_squared == pytest.approx(LIMMA_S0, rel=1e-9)
    assert fit.t[:, 0] == pytest.approx(LIMMA_T, rel=1e-9)
    assert fit.p_value[:, 0] == pytest.approx(LIMMA_P, rel=1e-8)
    assert fit.estimate[:, 0] == pytest.approx(Y[:, 3:].mean(axis=1) - Y[:, :3].mean(axis=1))


def test_equal_variances_give_an_infinite_prior_and_the_pooled_variance() -> None:
    # Every row the same spread: the variances carry no extra scatter, d0 is infinite and
    # every compound takes the prior variance (limma gives df.prior Inf here too).
    rng = np.random.default_rng(3)
    base = np.array([0.1, -0.1, 0.0, 0.2, -0.2, 0.0])
    y = rng.normal(10, 1, (30, 1)) + base[None, :]
    fit = moderated_fit(y, X, B_MINUS_A)
    assert np.isinf(fit.d0)
    assert fit.sigma2_post == pytest.approx(np.full(30, fit.s0_squared))


def test_missing_values_refit_on_the_measured_samples() -> None:
    y = Y.copy()
    y[0, 1] = np.nan
    fit = moderated_fit(y, X, B_MINUS_A)
    assert fit.df_residual[0] == 3 and fit.df_residual[1] == 4
    assert fit.estimate[0, 0] == pytest.approx(np.mean(y[0, 3:]) - np.mean([10.1, 9.8]))


def test_trigamma_inverse_and_f_dist() -> None:
    from scipy.special import polygamma

    x = np.array([0.05, 0.5, 2.0, 50.0])
    assert polygamma(1, trigamma_inverse(x)) == pytest.approx(x, rel=1e-8)
    d0, _ = fit_f_dist(np.array([np.nan, 0.1]), np.array([3.0, 0.0]))
    assert d0 == 0.0  # too few variances: no prior


def _spec(name: str, group: str, **more: object) -> SampleSpec:
    return SampleSpec(sample=name, group=group, source=None, row=1, **more)  # type: ignore[arg-type]


def test_default_terms_take_batch_and_repeated_subjects() -> None:
    units = [
        _spec("a1", "a", batch="1", subject="s1"),
        _spec("a2", "a", batch="2", subject="s2"),
        _spec("b1", "b", batch="1", subject="s1"),
        _spec("b2", "b", batch="2", subject="s2"),
    ]
    assert default_terms(units) == ["group", "batch", "subject"]
    # batch equals subject here: it is left out as dependent, and said so
    matrix = model_matrix(units, ["group", "subject", "batch"])
    assert matrix.terms == ["group", "subject"]
    assert any("batch left out" in n for n in matrix.notes)


def test_numeric_covariates_are_centred_and_unknown_terms_refused() -> None:
    units = [_spec(f"s{i}", "ab"[i % 2], extra={"age": str(30 + i)}) for i in range(6)]
    matrix = model_matrix(units, model_terms("group + age"))
    assert matrix.columns == ["group[a]", "group[b]", "age"]
    assert matrix.x[:, 2] == pytest.approx(np.arange(6) - 2.5)
    with pytest.raises(ConfigError, match="'weight'"):
        model_matrix(units, model_terms("group + weight"))
    with pytest.raises(ConfigError, match="group"):
        model_terms("batch + age")


def test_three_visits_of_each_subject_match_ols_with_subject_dummies() -> None:
    """Repeated measures with three levels (visits) per subject: the blocked model (subject as a
    block term) against statsmodels' OLS with subject dummies, fitted per compound on its own."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(4)
    visits, subjects = ["v0", "v1", "v2"], [f"p{i}" for i in range(5)]
    units = [_spec(f"{s}{v}", v, subject=s) for v in visits for s in subjects]
    matrix = model_matrix(units, default_terms(units))
    assert matrix.terms == ["group", "subject"]
    person = rng.normal(0, 1.5, (40, len(subjects)))
    noise = 0.3 * np.exp(rng.normal(0, 0.5, (40, 1)))  # compounds' sds differ: finite prior
    y = 10 + np.tile(person, 3) + rng.normal(0, 1, (40, len(units))) * noise
    y[:8, 10:] += 0.8  # visit v2 higher for eight compounds
    pairs = [("v1", "v0"), ("v2", "v0"), ("v2", "v1")]
    contrasts = contrast_matrix(matrix, pairs)
    plain = moderated_fit(y, matrix.x, contrasts, moderate=False)
    fit = moderated_fit(y, matrix.x, contrasts)
    assert 0 < fit.d0 < np.inf
    # independent: intercept + visit dummies + subject dummies (treatment coding of its own)
    dummies = np.column_stack(
        [np.ones(len(units))]
        + [[u.group == v for u in units] for v in visits[1:]]
        + [[u.subject == s for u in units] for s in subjects[1:]]
    ).astype(float)
    weights = np.array([[1, 0, 0], [0, 1, 0], [-1, 1, 0]], dtype=float)  # rows: the pairs
    weights = np.hstack([np.zeros((3, 1)), weights[:, :2], np.zeros((3, len(subjects) - 1))])
    for i in range(len(y)):
        ols = sm.OLS(y[i], dummies).fit()
        test = ols.t_test(weights)
        se = np.ravel(test.sd)
        assert ols.df_resid == 8  # 15 samples - 3 visits - 4 subject columns
        assert plain.estimate[i] == pytest.approx(test.effect, rel=1e-9, abs=1e-12)
        assert plain.sigma2[i] == pytest.approx(ols.scale, rel=1e-9)
        assert plain.t[i] == pytest.approx(test.tvalue.ravel(), rel=1e-9)
        assert plain.p_value[i] == pytest.approx(test.pvalue.ravel(), rel=1e-7, abs=1e-14)
        # moderated: OLS's variance squeezed with the fitted prior, df d0 + 8
        post = (fit.d0 * fit.s0_squared + 8 * ols.scale) / (fit.d0 + 8)
        t = test.effect / (se / np.sqrt(ols.scale) * np.sqrt(post))
        assert fit.t[i] == pytest.approx(t, rel=1e-9)
        assert fit.p_value[i] == pytest.approx(
            2 * scipy_stats.t.sf(np.abs(t), fit.d0 + 8), rel=1e-7, abs=1e-14
        )
    # the blocked model finds the v2 compounds the between-subject spread hides without it
    unblocked = model_matrix(units, ["group"])
    ignored = moderated_fit(y, unblocked.x, contrast_matrix(unblocked, pairs))
    assert (fit.p_value[:8, 1] < 0.1).all()
    assert (ignored.p_value[:8, 1] < 0.1).sum() <= 2
