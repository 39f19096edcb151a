"""The whole analysis: golden results on the measured sample, order, progress, records."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest

from ganglioside import COMPOUND_COLUMNS, STATUSES, AnalysisConfig, analyze
from ganglioside.result import PROGRESS_STEPS

SAMPLE = str(files("ganglioside") / "data" / "measured_sample.csv")
STANDARDS = str(files("ganglioside") / "data" / "five_standards.csv")


@pytest.fixture(scope="module")
def sample():
    return analyze(SAMPLE)


def test_every_input_row_comes_back_in_order_with_the_documented_columns(sample):
    c = sample.compounds
    assert len(c) == 323
    assert c["row"].tolist() == list(range(1, 324))
    assert list(c.columns[: len(COMPOUND_COLUMNS)]) == list(COMPOUND_COLUMNS)
    assert set(c["status"]) <= set(STATUSES)


def test_no_anchor_is_flagged_on_the_sample(sample):
    anchors = sample.compounds[sample.compounds["is_anchor"]]
    assert len(anchors) == 49
    assert set(anchors["status"]) == {"valid"}


def test_the_family_at_8_70_min_are_fragments_of_the_gt1_anchor(sample):
    c = sample.compounds
    gt1 = c[(c["name"] == "GT1(36:1;O2)") & c["is_anchor"]].iloc[0]
    family = c[c["fragment_of"] == gt1["row"]]
    expected = {"GD1(36:1;O2)", "GD3(36:1;O2)", "GM1(36:1;O2)", "GM2(36:1;O2)", "GM3(36:1;O2)"}
    assert set(family["name"]) == expected
    assert set(family["status"]) == {"fragment"}
    assert (family["rt"] - gt1["rt"]).abs().max() <= 0.04  # GM3 chains through GM1
    assert gt1["volume_consolidated"] == pytest.approx(gt1["volume"] + family["volume"].sum())
    assert (family["volume_consolidated"] == 0).all()
    events = sample.fragments[sample.fragments["root_row"] == gt1["row"]]
    assert set(events["fragment_row"]) == set(family["row"])


def test_gd1_resolves_into_two_isomer_tracks(sample):
    gd1 = sample.compounds[(sample.compounds["group_key"] == "GD1") & sample.compounds["is_anchor"]]
    assert set(gd1["isomer_track"]) == {"early", "late"}
    model = next(m for m in sample.models if m.model_id == "group:GD1")
    assert model.tracks["GD1|late"] == pytest.approx(0.45, abs=0.05)
    assert model.residual_sd < 0.15  # one line for both isomers would give about 0.25


def test_no_row_is_an_outlier_for_lack_of_a_model(sample):
    c = sample.compounds
    assert (c.loc[c["status"] == "outlier", "model_level"] != "").all()
    assert (c["status"] != "unverified").all()
    levels = set(c["model_level"])
    assert {"group", "pooled", "composition"} <= levels


def test_golden_counts_on_the_sample(sample):
    # A regression pin: change it only on purpose, with a CHANGELOG entry.  Two co-eluting
    # peaks are no longer merged as fragments (fragment plausibility, changes/verdicts.md):
    # GM3(36:0;O2) at 6.6x and GM3(36:2;O2) at 10x their parents' volumes; both are off their
    # own RT lines.
    assert sample.summary["by_status"] == {
        "valid": 207,
        "outlier": 65,
        "fragment": 51,
        "unverified": 0,
        "invalid": 0,
        "istd": 0,
    }


def test_the_pooled_slope_matches_the_reference_fit(sample):
    pooled = next(m for m in sample.models if m.level == "pooled")
    assert pooled.slope == pytest.approx(1.357, abs=0.01)
    assert pooled.n_anchors == 49


def test_log_p_mismatches_are_flagged(sample):
    c = sample.compounds
    flagged = c[c["warnings"].str.contains("logp_mismatch")]
    assert "GD3+OAc(35:1;O2)" in set(flagged["name"])


def test_the_summary_records_parameters_version_and_abundances(sample):
    s = sample.summary
    assert s["parameters"] == AnalysisConfig().to_dict()
    assert s["software"]["version"]
    total = sum(item["percent"] for item in s["abundance"]["by_category"])
    assert total == pytest.approx(100.0)
    assert s["rows"] == 323 and s["anchors"] == 49


def test_progress_reports_every_step_in_order():
    seen = []
    analyze(SAMPLE, progress=lambda step, fraction, message: seen.append((step, fraction)))
    steps = [s for s, _ in seen]
    ordered = list(dict.fromkeys(steps))
    assert ordered == list(PROGRESS_STEPS)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_the_five_standards_file_gets_formulas_and_no_outlier():
    result = analyze(STANDARDS)
    c = result.compounds
    assert c.loc[c["name"] == "GM3(36:1;O2)", "formula"].item() == "C59H108N2O21"
    assert (c["status"] != "outlier").all()
    assert (c["status"] != "invalid").all()


def test_a_dataframe_and_a_file_give_the_same_result(sample):
    df = pd.read_csv(SAMPLE)
    again = analyze(df)
    pd.testing.assert_series_equal(again.compounds["status"], sample.compounds["status"])


def test_missing_log_p_is_estimated_from_composition():
    df = pd.read_csv(SAMPLE)
    truth = df["Log P"].copy()
    df.loc[::10, "Log P"] = None
    result = analyze(df)
    c = result.compounds
    est = c.loc[::10]
    assert (est["log_p_source"] == "estimated").all()
    assert (est["log_p"] - truth[::10]).abs().median() < 0.3


def test_extra_columns_pass_through(sample):
    df = pd.read_csv(SAMPLE)
    df["Sample"] = "brain-1"
    c = analyze(df).compounds
    assert (c["Sample"] == "brain-1").all()


def test_a_name_without_a_formula_is_reported_not_hidden(monkeypatch):
    import ganglioside.names as names

    real = names.core_ceramide_counts

    def refuse_odd(core, ceramide):
        if ceramide == "71:3;O2":
            raise ValueError("pygoslin could not read it")
        return real(core, ceramide)

    monkeypatch.setattr(names, "core_ceramide_counts", refuse_odd)
    df = pd.DataFrame(
        {"Name": ["GD1(36:1;O2)", "GD1(71:3;O2)"], "RT": [9.0, 9.5], "Volume": [1, 2]}
    )
    result = analyze(df)
    c = result.compounds
    assert c.loc[1, "formula"] == "" and pd.isna(c.loc[1, "mass"])
    assert c.loc[1, "status"] != "invalid"
    assert any("no sum formula" in w and "GD1(71:3;O2)" in w for w in result.warnings)


def test_config_may_be_a_mapping_but_nothing_else():
    from ganglioside import ConfigError

    five = analyze(STANDARDS, {"outlier_z": 3.0})
    assert five.config.outlier_z == 3.0
    with pytest.raises(ConfigError, match="config must be an AnalysisConfig or a mapping"):
        analyze(STANDARDS, 3.0)  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_summary_counts_the_rows_of_every_model_level_the_record_has():
    from ganglioside.simulate import simulate

    table = simulate(4, n_rows=400).table.drop(columns="Anchor")
    result = analyze(table)
    levels = result.compounds["model_level"].astype(str)
    expected = {str(k): int(v) for k, v in levels[levels != ""].value_counts().items()}
    assert "self_calibrated" in expected  # no anchors: the file calibrates itself
    assert result.summary["models"]["by_level"] == expected
