"""The study step on hand-made per-sample results: drift, alignment, quantities, statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from ganglioside.errors import ConfigError
from ganglioside.studies import StudyConfig, combine, read_design
from ganglioside.studies.run import SampleResult

#: Species of the hand-made samples: name, RT in the consensus run, volume, anchor.
SPECIES = [
    ("GM3(36:1;O2)", 10.0, 1000.0, True),
    ("GM2(36:1;O2)", 9.0, 2000.0, True),
    ("GM1(36:1;O2)", 8.0, 3000.0, True),
    ("GD3(36:1;O2)", 11.0, 500.0, True),
    ("GD1(36:1;O2)", 7.0, 4000.0, False),
    ("GT1(36:1;O2)", 6.0, 800.0, False),
]


def _compounds(shift: float, scale: dict[str, float], names: dict[str, str] | None = None):
    rows = []
    for i, (name, rt, volume, anchor) in enumerate(SPECIES, start=1):
        written = (names or {}).get(name, name)
        volume = volume * scale.get(name, 1.0)
        rows.append(
            {
                "row": i,
                "name": written,
                "rt": rt + shift,
                "volume": volume,
                "status": "valid",
                "is_anchor": anchor,
                "isomer_track": "",
                "category": written[:2],
                "volume_consolidated": volume,
            }
        )
    return pd.DataFrame(rows)


def _study(shifts, scales, groups, config=None, names=None):
    samples = [f"S{i + 1}" for i in range(len(shifts))]
    design = read_design(pd.DataFrame({"sample": samples, "group": groups}), in_memory=samples)
    results = [
        SampleResult(s, f"{s}.csv", _compounds(shift, scale, (names or {}).get(s)))
        for s, shift, scale in zip(samples, shifts, scales, strict=True)
    ]
    return combine(design, results, config or StudyConfig())


@pytest.mark.slow
def test_drift_is_measured_per_sample_and_corrected_before_alignment() -> None:
    shifts = [0.0, 0.3, -0.2, 0.5]
    result = _study(shifts, [{}] * 4, ["a", "a", "b", "b"])
    measured = result.drift.set_index("sample")["rt_shift"]
    expected = np.array(shifts) - np.median(shifts)
    assert measured.to_numpy() == pytest.approx(expected, abs=1e-9)
    assert set(result.drift["references"]) == {"anchors"}
    # one compound per species although the raw RTs differ by up to 0.7 min (tolerance 0.15)
    assert len(result.features) == len(SPECIES)
    assert (result.features["n_found"] == 4).all()


@pytest.mark.slow
def test_a_sample_without_anchors_is_measured_on_its_strongest_species() -> None:
    samples = ["S1", "S2", "S3", "S4"]
    design = read_design(
        pd.DataFrame({"sample": samples, "group": list("aabb")}), in_memory=samples
    )
    results = []
    for s, shift in zip(samples, [0.0, 0.1, 0.2, 0.4], strict=True):
        frame = _compounds(shift, {})
        if s == "S4":
            frame["is_anchor"] = False
        results.append(SampleResult(s, s, frame))
    result = combine(design, results, StudyConfig())
    row = result.drift.set_index("sample").loc["S4"]
    assert row["references"] == "strongest valid"
    assert row["rt_shift"] == pytest.approx(0.4 - 0.15, abs=1e-9)


@pytest.mark.slow
def test_names_in_other_dialects_align_to_one_species() -> None:
    names = {"S2": {"GM3(36:1;O2)": "GM3(d18:1/18:0)"}, "S4": {"GM3(36:1;O2)": "GM3 36:1;O2"}}
    result = _study([0.0] * 4, [{}] * 4, ["a", "a", "b", "b"], names=names)
    gm3 = result.features[result.features["species"] == "GM3 36:1;O2"]
    assert len(gm3) == 1
    assert int(gm3["n_found"].iat[0]) == 4
    assert gm3["name"].iat[0] == "GM3(36:1;O2)"  # as most often written


@pytest.mark.slow
def test_statistics_are_scipy_and_statsmodels_on_log2_values() -> None:
    rng = np.random.default_rng(0)
    scales = [{n: float(np.exp(rng.normal(0, 0.2))) for n, *_ in SPECIES} for _ in range(6)]
    for scale in scales[3:]:
        scale["GM3(36:1;O2)"] *= 4.0
    result = _study([0.0] * 6, scales, list("aaabbb"), StudyConfig(quantity="raw", test="welch"))
    table = result.statistics.set_index("name")
    values = result.abundance.copy()
    values.index = result.features.set_index("feature").loc[values.index, "name"]
    a, b = np.log2(values.iloc[:, :3]), np.log2(values.iloc[:, 3:])
    for name in table.index:
        welch = stats.ttest_ind(b.loc[name], a.loc[name], equal_var=False).pvalue
        assert table.loc[name, "p_value"] == pytest.approx(welch)
        assert table.loc[name, "log2_fold_change"] == pytest.approx(
            b.loc[name].mean() - a.loc[name].mean()
        )
        mw = stats.mannwhitneyu(values.iloc[:, 3:].loc[name], values.iloc[:, :3].loc[name])
        assert table.loc[name, "p_mann_whitney"] == pytest.approx(mw.pvalue)
    q = multipletests(table["p_value"], method="fdr_bh")[1]
    assert table["q_value"].to_numpy() == pytest.approx(q)
    assert table.loc["GM3(36:1;O2)", "log2_fold_change"] == pytest.approx(2.0, abs=0.5)
    assert set(table["test"]) == {"Welch t-test"}
    assert result.comparison.label == "b/a"


@pytest.mark.slow
def test_more_than_two_groups_have_an_overall_test_and_each_contrast() -> None:
    rng = np.random.default_rng(1)
    scales = [{n: float(np.exp(rng.normal(0, 0.2))) for n, *_ in SPECIES} for _ in range(9)]
    config = StudyConfig(compare="c/a,b/a", quantity="raw", test="welch")
    result = _study([0.0] * 9, scales, list("aaabbbccc"), config)
    table = result.statistics
    assert list(dict.fromkeys(table["contrast"])) == ["c/a", "b/a"]
    assert len(table) == 2 * len(SPECIES)
    values = result.abundance.copy()
    values.index = result.features.set_index("feature").loc[values.index, "name"]
    logs = np.log2(values)
    name = "GD1(36:1;O2)"
    anova = stats.f_oneway(*(logs.loc[name].iloc[k : k + 3] for k in (0, 3, 6))).pvalue
    rows = table[table["name"] == name].set_index("contrast")
    assert rows["p_overall"].to_numpy() == pytest.approx([anova, anova])
    for label, k in (("c/a", 6), ("b/a", 3)):
        other, first = logs.loc[name].iloc[k : k + 3], logs.loc[name].iloc[0:3]
        welch = stats.ttest_ind(other, first, equal_var=False).pvalue
        assert rows.loc[label, "p_value"] == pytest.approx(welch)
        assert rows.loc[label, "log2_fold_change"] == pytest.approx(other.mean() - first.mean())
        # BH per contrast
        ps = table.loc[table["contrast"] == label, "p_value"]
        q = multipletests(ps, method="fdr_bh")[1]
        assert table.loc[table["contrast"] == label, "q_value"].to_numpy() == pytest.approx(q)
    assert "p_kruskal_wallis" in table.columns and "p_anova" in table.columns
    assert result.comparison.label == "c/a"
    assert result.main_statistics["contrast"].unique().tolist() == ["c/a"]


@pytest.mark.slow
def test_replicates_are_averaged_into_their_sample() -> None:
    samples = ["A", "A2", "B", "C", "D"]
    design = read_design(
        pd.DataFrame(
            {
                "sample": samples,
                "group": ["a", "a", "a", "b", "b"],
                "replicate_of": ["", "A", "", "", ""],
            }
        ),
        in_memory=samples,
    )
    scale = {"A": 1.0, "A2": 3.0, "B": 2.0, "C": 1.0, "D": 1.0}
    results = [SampleResult(s, s, _compounds(0.0, {"GM3(36:1;O2)": scale[s]})) for s in samples]
    result = combine(design, results, StudyConfig())
    gm3 = result.statistics.set_index("name").loc["GM3(36:1;O2)"]
    # unit A is the mean of A and its replicate (1000 and 3000): 2000; B is 2000
    assert gm3["mean_a"] == pytest.approx(2000.0)


@pytest.mark.slow
def test_quantities_total_and_internal_standard_with_imputation() -> None:
    names = {s: {"GT1(36:1;O2)": "GT1(36:1;O2)-d5"} for s in ("S1", "S2", "S3", "S4")}
    scales = [{"GM3(36:1;O2)": 2.0}, {}, {}, {"GD1(36:1;O2)": 0.0}]
    config = StudyConfig(quantity="internal_standard", imputation="half_min")
    result = _study([0.0] * 4, scales, list("aabb"), config, names)
    features = result.features.set_index("feature")
    standard = features[features["is_standard"]]
    assert list(standard["category"]) == ["GT"]
    values = result.quantities.values.copy()
    values.index = features.loc[values.index, "name"]
    # one standard (GT): every category is divided by it (800 in every sample)
    assert values.loc["GM3(36:1;O2)", "S1"] == pytest.approx(2000.0 / 800.0)
    assert any("use all standards" in n for n in result.quantities.notes)
    # GD1 is 0 in S4: its ratio 0 is kept, and nothing is missing
    total = _study([0.0] * 4, [{}] * 4, list("aabb"), StudyConfig(quantity="total"))
    shares = total.quantities.values.sum(axis=0)
    assert shares.to_numpy() == pytest.approx(np.ones(4))
    with pytest.raises(ConfigError, match="internal standards"):
        _study([0.0] * 4, [{}] * 4, list("aabb"), StudyConfig(quantity="internal_standard"))


@pytest.mark.slow
def test_missing_values_are_counted_and_imputed_as_stated() -> None:
    samples = ["S1", "S2", "S3", "S4"]
    design = read_design(
        pd.DataFrame({"sample": samples, "group": list("aabb")}), in_memory=samples
    )
    results = []
    for s in samples:
        frame = _compounds(0.0, {})
        if s == "S3":
            frame.loc[frame["name"] == "GM3(36:1;O2)", "status"] = "outlier"
        results.append(SampleResult(s, s, frame))
    plain = combine(design, results, StudyConfig())
    gm3 = plain.features[plain.features["species"] == "GM3 36:1;O2"].iloc[0]
    assert gm3["outlier_in"] == "S3"
    assert gm3["n_found"] == 3
    row = plain.statistics.set_index("feature").loc[gm3["feature"]]
    assert row["n_missing"] == 1 and row["n_imputed"] == 0
    assert np.isnan(row["p_value"])  # one value left in group b
    imputed = combine(design, results, StudyConfig(imputation="half_min"))
    filled = imputed.quantities.imputed.loc[gm3["feature"], "S3"]
    assert filled == pytest.approx(500.0)  # half the smallest (1000)
    assert any("half the species' smallest" in n for n in imputed.summary["quantity_notes"])


@pytest.mark.slow
def test_a_sample_that_could_not_be_read_is_left_out_with_a_warning() -> None:
    samples = ["S1", "S2", "S3", "S4", "S5"]
    design = read_design(
        pd.DataFrame({"sample": samples, "group": list("aabbb")}), in_memory=samples
    )
    results = [SampleResult(s, s, _compounds(0.0, {})) for s in samples[:4]]
    results.append(SampleResult("S5", "S5", None, error="no usable row"))
    result = combine(design, results, StudyConfig())
    assert list(result.samples["sample"]) == samples[:4]
    assert result.warnings == ["sample S5 left out: no usable row"]
