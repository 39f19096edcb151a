"""The study's quantitative layer on hand-made and simulated matrices: sample types, QC drift
correction and filters, normalisations, imputations, paired and batch designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ganglioside.simulate.study import SCENARIOS, simulate_study
from ganglioside.studies import DesignError, StudyConfig, read_design
from ganglioside.studies.design import Design
from ganglioside.studies.impute import impute
from ganglioside.studies.quantify import quantify
from ganglioside.studies.statistics import StatsPlan, comparison, group_statistics, pca


def _features(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature": range(n),
            "species": [f"GM1 {30 + i}:1;O2" for i in range(n)],
            "name": [f"GM1({30 + i}:1;O2)" for i in range(n)],
            "isomer_track": "",
            "category": "GM",
            "is_standard": False,
            "rt": np.linspace(5, 15, n),
            "found_fraction": 1.0,
            "outlier_in": "",
            "fragment_in": "",
        }
    )


def _design(frame: pd.DataFrame) -> Design:
    return read_design(frame, in_memory=list(frame["sample"]))


def _stats(values: pd.DataFrame, design: Design, config: StudyConfig, **plan: object):
    features = _features(len(values))
    q = quantify(values, features, design, config)
    pair = comparison(design, config.compare)
    filtered = q.qc.filtered if q.qc is not None else frozenset()
    table, notes = group_statistics(
        q.imputed, features, design, pair, StatsPlan(filtered=filtered, **plan), q.values
    )
    return q, table, notes


def test_sample_types_in_any_case_and_msdial_words() -> None:
    design = _design(
        pd.DataFrame(
            {
                "sample": ["a1", "a2", "b1", "b2", "q1", "q2", "bl", "st"],
                "group": ["a", "a", "b", "b", "QC", "", "", "mix"],
                "Sample_Type": [
                    "",
                    "Sample",
                    "SAMPLE",
                    "sample",
                    "QC",
                    "pooled QC",
                    "Blank",
                    "Standard",
                ],
                "amount": ["1", "2", "1.5", "0.5", "", "", "", ""],
            }
        )
    )
    types = [s.sample_type for s in design.samples]
    assert types == ["sample"] * 4 + ["qc", "qc", "blank", "standard"]
    assert design.groups == ("a", "b")  # QCs, blanks and standards are no groups
    assert [s.amount for s in design.biological] == [1.0, 2.0, 1.5, 0.5]


def test_a_bad_amount_and_a_sample_without_group_are_named() -> None:
    frame = pd.DataFrame(
        {
            "sample": ["a1", "a2", "b1", "b2"],
            "group": ["a", "a", "b", ""],
            "amount": ["1", "x", "-2", "1"],
        }
    )
    with pytest.raises(DesignError) as caught:
        _design(frame)
    text = str(caught.value)
    assert "row 2" in text and "'x'" in text and "'-2'" in text
    assert "every sample needs a group" in text


def _qc_study(seed: int = 3, every: int = 6) -> tuple[pd.DataFrame, Design, pd.DataFrame]:
    sim = simulate_study(seed, **{**SCENARIOS["QCs with drift"], "qc_every": every})
    assert sim.matrix is not None
    truth = sim.species[~sim.species["is_standard"]]
    values = sim.matrix.loc[truth.index].reset_index(drop=True)
    return values, _design(sim.design.drop(columns="file")), truth.reset_index(drop=True)


def test_qcs_never_enter_the_statistics_or_the_pca() -> None:
    values, design, _ = _qc_study()
    q, table, _ = _stats(values, design, StudyConfig())
    assert sorted(c for c in table.columns if c.startswith("mean_")) == [
        "mean_control",
        "mean_disease",
    ]
    scores = pca(q.imputed, _features(len(values)), design)
    assert set(scores.scores["sample"]) == {s.sample for s in design.biological}
    assert len(design.of_type("qc")) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("every", [6, 1])  # 2 QCs a batch: linear; 7: robust LOWESS
def test_the_qc_drift_correction_lowers_the_qc_rsd(every: int) -> None:
    values, design, _ = _qc_study(every=every)
    corrected, _, _ = _stats(values, design, StudyConfig())
    plain, _, _ = _stats(values, design, StudyConfig(qc_drift=False))
    assert corrected.qc is not None and plain.qc is not None
    after = corrected.qc.table["qc_rsd"].median()
    assert after < 0.5 * plain.qc.table["qc_rsd"].median()
    assert after < 0.10  # technical noise 0.05 (log) left
    assert any("signal drift corrected" in n for n in corrected.notes)


def test_without_qcs_the_drift_correction_says_so() -> None:
    values, design, _ = _qc_study()
    study_only = [s.sample for s in design.biological]
    frame = design.frame()
    frame = frame[frame["sample_type"] == "sample"].drop(columns=["file"])
    q, _, _ = _stats(values[study_only], _design(frame), StudyConfig())
    assert "no pooled QC in the design: signal drift not corrected" in q.notes


def _diluted(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, Design]:
    """60 compounds × 12 samples; unknown dilutions; the 6 most abundant compounds ×8 in b."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(10, 1.5, 60))
    base[np.argsort(base)[-6:]] *= 1.0  # the abundant ones change below
    dilution = np.exp(rng.uniform(np.log(0.5), np.log(2.0), 12))
    values = base[:, None] * np.exp(rng.normal(0, 0.1, (60, 12))) * dilution[None, :]
    abundant = np.argsort(base)[-6:]
    values[np.ix_(abundant, range(6, 12))] *= 8.0
    samples = [f"s{i}" for i in range(12)]
    design = _design(pd.DataFrame({"sample": samples, "group": ["a"] * 6 + ["b"] * 6}))
    return pd.DataFrame(values, columns=samples), dilution, design


def test_pqn_finds_the_dilutions_when_abundant_species_change() -> None:
    values, dilution, design = _diluted()
    features = _features(60)
    pqn = quantify(values, features, design, StudyConfig(quantity="pqn"))
    total = quantify(values, features, design, StudyConfig(quantity="total"))
    assert pqn.dilution is not None and total.dilution is not None
    relative = dilution / np.median(dilution)
    assert np.abs(np.log(pqn.dilution.to_numpy() / relative)).max() < 0.15
    # total normalisation is moved by the 6 abundant species that rise ×8 in group b
    assert np.abs(np.log(total.dilution.to_numpy() / relative)).max() > 0.5


def test_amount_normalisation_divides_by_the_design_amount() -> None:
    values, dilution, _ = _diluted()
    samples = list(values.columns)
    frame = pd.DataFrame(
        {
            "sample": samples,
            "group": ["a"] * 6 + ["b"] * 6,
            "amount": [f"{d:.6f}" for d in dilution],
        }
    )
    design = _design(frame)
    q = quantify(values, _features(60), design, StudyConfig(quantity="amount"))
    assert q.dilution is not None
    assert q.dilution.to_numpy() == pytest.approx(dilution / np.median(dilution), rel=1e-5)
    assert q.values.to_numpy() == pytest.approx(values.to_numpy() / q.dilution.to_numpy())


def test_left_censored_and_knn_imputation() -> None:
    rng = np.random.default_rng(5)
    common = rng.normal(0, 1, 12)
    logs = 12 + rng.normal(0, 2, (40, 1)) + common[None, :] + rng.normal(0, 0.1, (40, 12))
    values = pd.DataFrame(np.exp2(logs))
    holes = values.copy()
    holes.iloc[3, 4] = np.nan
    holes.iloc[10, 7] = np.nan
    knn = impute(holes, "knn")
    # the compounds move together: the neighbours' deviation in that sample fills the hole
    assert np.log2(knn.iloc[3, 4]) == pytest.approx(logs[3, 4], abs=0.3)
    assert np.log2(knn.iloc[10, 7]) == pytest.approx(logs[10, 7], abs=0.3)
    low = values.mask(values < values.stack().quantile(0.2))
    drawn = impute(low, "min_prob")
    filled = drawn.to_numpy()[low.isna().to_numpy()]
    assert np.median(filled) < low.stack().quantile(0.05)
    assert drawn.equals(impute(low, "min_prob"))  # the same every time
    assert impute(low, "half_min").notna().all().all()


def test_paired_subjects_block_the_model() -> None:
    rng = np.random.default_rng(2)
    subject = rng.normal(0, 1.0, (30, 6))  # large between-subject spread
    before = 10 + subject + rng.normal(0, 0.1, (30, 6))
    after = 10 + subject + rng.normal(0, 0.1, (30, 6))
    after[:5] += 0.4  # small within-subject effect on five compounds
    values = pd.DataFrame(np.exp2(np.hstack([before, after])))
    samples = [f"{g}{i}" for g in "BA" for i in range(6)]
    values.columns = samples
    frame = pd.DataFrame(
        {
            "sample": samples,
            "group": ["before"] * 6 + ["after"] * 6,
            "subject": [f"P{i}" for i in range(6)] * 2,
        }
    )
    config = StudyConfig(quantity="raw", detection_rate=0.0)
    _, table, notes = _stats(values, _design(frame), config)
    assert "model: group + subject" in notes
    differences = np.log2(values.iloc[:, 6:].to_numpy()) - np.log2(values.iloc[:, :6].to_numpy())
    assert table["log2_fold_change"].to_numpy() == pytest.approx(differences.mean(axis=1))
    assert (table["q_value"].to_numpy()[:5] < 0.05).all()
    unpaired = stats.ttest_ind(after[:5], before[:5], axis=1).pvalue
    assert (table["p_value"].to_numpy()[:5] < unpaired).all()


def test_a_batch_confounded_with_the_groups_is_modelled() -> None:
    rng = np.random.default_rng(4)
    batch_shift = rng.normal(0, 1.0, 40)
    logs = 10 + rng.normal(0, 0.3, (40, 12))
    batch = np.array(["1"] * 5 + ["2"] + ["1"] + ["2"] * 5)  # 5/6 of a in batch 1
    logs[:, batch == "2"] += batch_shift[:, None]
    logs[:4, 6:] += 1.0  # four compounds change in b
    samples = [f"s{i}" for i in range(12)]
    values = pd.DataFrame(np.exp2(logs), columns=samples)
    frame = pd.DataFrame({"sample": samples, "group": ["a"] * 6 + ["b"] * 6, "batch": batch})
    config = StudyConfig(quantity="raw", detection_rate=0.0)
    _, table, notes = _stats(values, _design(frame), config)
    assert "model: group + batch" in notes
    error = table["log2_fold_change"].to_numpy() - np.r_[np.ones(4), np.zeros(36)]
    naive = logs[:, 6:].mean(axis=1) - logs[:, :6].mean(axis=1) - np.r_[np.ones(4), np.zeros(36)]
    assert np.abs(error).mean() < 0.5 * np.abs(naive).mean()


def test_qc_filters_mark_compounds_and_leave_them_out_of_the_q_values() -> None:
    values, design, _ = _qc_study(every=1)  # 7 QCs a batch: LOWESS, robust to one bad QC
    qcs = [s.sample for s in design.of_type("qc")]
    noisy = values.copy()
    rng = np.random.default_rng(0)
    noisy.loc[0, qcs] = noisy.loc[0, qcs] * np.exp(rng.normal(0, 1.0, len(qcs)))
    q, table, _ = _stats(noisy, design, StudyConfig())
    assert q.qc is not None
    row = table.set_index("feature").loc[0]
    assert "qc_rsd" in q.qc.table.loc[0, "filter"]
    assert np.isfinite(row["p_value"]) and np.isnan(row["q_value"])
    assert q.qc.counts["qc_rsd"] >= 1 and q.qc.counts["filtered"] >= 1


@pytest.mark.slow
def test_three_groups_have_each_contrast_and_an_overall_test() -> None:
    sim = simulate_study(1, **SCENARIOS["three groups"])
    assert sim.matrix is not None
    truth = sim.species[~sim.species["is_standard"]]
    values = sim.matrix.loc[truth.index].reset_index(drop=True)
    design = _design(sim.design.drop(columns="file"))
    config = StudyConfig(compare="low/control,high/control,high/low")
    _, table, _ = _stats(values, design, config)
    assert list(dict.fromkeys(table["contrast"])) == ["low/control", "high/control", "high/low"]
    per = {c: rows.reset_index(drop=True) for c, rows in table.groupby("contrast")}
    fold = per["high/control"]["log2_fold_change"] - per["low/control"]["log2_fold_change"]
    assert per["high/low"]["log2_fold_change"].to_numpy() == pytest.approx(fold.to_numpy())
    assert (per["high/low"]["p_overall"] == per["low/control"]["p_overall"]).all()
    truly = truth.reset_index(drop=True)["changed"].to_numpy()
    assert (per["low/control"]["p_overall"][truly] < 0.01).mean() > 0.8


def test_ganglioside_indices_per_sample() -> None:
    from ganglioside.studies.indices import ganglioside_indices

    names = ["GM3(36:1;O2)", "GD3(36:1;O2)", "GT1(36:1;O2)", "GD3+OAc(36:1;O2)", "d5-GM1(36:1;O2)"]
    features = pd.DataFrame(
        {
            "feature": range(5),
            "name": names,
            "category": ["GM", "GD", "GT", "GD", "GM"],
            "is_standard": [False, False, False, False, True],
        }
    )
    values = pd.DataFrame({"s1": [4.0, 2.0, 1.0, 1.0, 100.0], "s2": [2.0, np.nan, 2.0, 0.0, 50.0]})
    table = ganglioside_indices(values, features)
    # s1: (4·1 + 2·2 + 1·3 + 1·2) / 8; the standard left out
    assert table.loc["sialylation_index", "s1"] == pytest.approx(13 / 8)
    assert table.loc["sialylation_index", "s2"] == pytest.approx((2 + 6) / 4)
    assert table.loc["o_acetylated_fraction", "s1"] == pytest.approx(1 / 8)
    assert table.loc["a_to_b_series_ratio", "s1"] == pytest.approx(4 / (2 + 1))  # OAc-GD3: b
    assert np.isnan(table.loc["a_to_b_series_ratio", "s2"])  # no b-series marker found
    assert table.loc["share_GD", "s1"] == pytest.approx(3 / 8)
    assert table.loc[["share_GM", "share_GD", "share_GT"], "s2"].sum() == pytest.approx(1.0)


def test_censored_imputation_fills_the_expectation_below_the_detection_limit() -> None:
    """Values below a detection limit (log2 9.6 of N(10, 1)): each sample's limit is its
    smallest measured value (here within 0.04 of 9.6), each compound's normal is fitted with
    its missing cells censored there, and a missing cell takes E[X | X < limit]; for N(10, 1)
    that is 10 - phi(-0.4) / Phi(-0.4) = 8.931 (hand-computed), averaged over the compounds."""
    rng = np.random.default_rng(8)
    logs = rng.normal(10.0, 1.0, (300, 40))
    censored = np.where(logs < 9.6, np.nan, logs)
    filled = np.log2(impute(pd.DataFrame(np.exp2(censored)), "censored").to_numpy())
    holes = np.isnan(censored)
    assert np.nanmin(censored, axis=0) == pytest.approx(9.6, abs=0.04)
    assert (filled[holes] < np.nanmin(censored, axis=0)[None, :].repeat(300, 0)[holes]).all()
    assert np.allclose(filled[~holes], censored[~holes])
    expected = 10 - stats.norm.pdf(-0.4) / stats.norm.cdf(-0.4)
    assert expected == pytest.approx(8.931, abs=1e-3)
    assert filled[holes].mean() == pytest.approx(expected, abs=0.05)
    # the true values below the limit average the same; half-minimum is lower
    assert logs[holes].mean() == pytest.approx(expected, abs=0.05)
    half = np.log2(impute(pd.DataFrame(np.exp2(censored)), "half_min").to_numpy())
    assert half[holes].mean() < expected - 0.2


def test_absolute_amounts_from_class_matched_spiked_standards() -> None:
    """pmol per mg from the spiked standards, against values computed by hand: a GM species
    over the GM standard, a GD species (no GD standard) over the GM and GT standards together,
    each divided by the sample's amount."""
    design = _design(
        pd.DataFrame(
            {
                "sample": ["a1", "a2", "b1", "b2"],
                "group": ["a", "a", "b", "b"],
                "amount": [2, 2, 2, 4],
                "istd_pmol_GM": [10, 20, 10, 10],
                "istd_pmol_GT": [5, 5, 5, 5],
            }
        )
    )
    features = _features(4)
    features["name"] = ["GM1(36:1;O2)", "GM1(d18:1/18:0-d5)", "GD1a(36:1;O2)", "GT1b(d18:1-d5)"]
    features["category"] = ["GM", "GM", "GD", "GT"]
    features["is_standard"] = [False, True, False, True]
    volumes = pd.DataFrame(
        [[200, 300, 400, 100], [100, 150, 100, 50], [60, 60, 60, 60], [50, 50, 50, 50]],
        columns=["a1", "a2", "b1", "b2"],
        dtype=float,
    )
    quantities = quantify(volumes, features, design, StudyConfig())
    assert quantities.amounts is not None
    # GM: 200/100 x 10 pmol / 2 mg = 10; 300/150 x 20 / 2 = 20; 400/100 x 10 / 2; 100/50 x 10 / 4
    assert quantities.amounts.iloc[0].tolist() == pytest.approx([10.0, 20.0, 20.0, 5.0])
    # GD: 60 x (10 + 5) / (100 + 50) / 2 = 3; 60 x 25 / 200 / 2 = 3.75; ...; 60 x 15 / 100 / 4
    assert quantities.amounts.iloc[2].tolist() == pytest.approx([3.0, 3.75, 3.0, 2.25])
    notes = " ".join(quantities.notes)
    assert "pmol per sample amount" in notes and "GD" in notes
    # without spiked amounts in the design: no absolute amounts
    plain = _design(pd.DataFrame({"sample": ["a1", "a2", "b1", "b2"], "group": list("aabb")}))
    assert quantify(volumes, features, plain, StudyConfig()).amounts is None


def test_censored_groups_fills_only_compounds_a_group_of_which_a_test_could_not_see() -> None:
    rng = np.random.default_rng(9)
    logs = rng.normal(10.0, 1.0, (50, 8))
    columns = ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"]
    values = pd.DataFrame(np.exp2(logs), columns=columns)
    values.iloc[0, 5:] = np.nan  # b: one value left -> b's holes filled
    values.iloc[1, [0, 4]] = np.nan  # three values in each group -> left missing
    values.iloc[2, :] = np.nan  # measured nowhere -> left missing
    groups = {c: c[0] for c in columns}
    filled = impute(values, "censored_groups", groups)
    limit = np.log2(values).min(axis=0)  # each sample's smallest measured value
    assert filled.iloc[0, 5:].notna().all()
    assert (np.log2(filled.iloc[0, 5:]) < limit.iloc[5:]).all()
    assert filled.iloc[1].isna().sum() == 2 and filled.iloc[2].isna().all()
    assert filled.drop(index=0).equals(values.drop(index=0))
