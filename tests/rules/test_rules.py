"""Each rule: passes clean rows, flags a known-bad row with the right reason, leaves its input
unmodified, copes with an empty table and respects its parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganglioside import AnalysisConfig, analyze
from ganglioside.rules import acetylation, fragments
from tests.rows import clean_series, rt, table


def status_of(result, name, rt_value=None):
    c = result.compounds
    sel = c["name"] == name
    if rt_value is not None:
        sel &= (c["rt"] - rt_value).abs() < 1e-9
    return c.loc[sel, "status"].tolist()


@pytest.fixture
def clean():
    return table(clean_series("GD1") + clean_series("GM1") + clean_series("GT1", anchors=3))


# -- Rule 1: RT model -------------------------------------------------------------------------


def test_clean_rows_are_all_valid(clean):
    result = analyze(clean)
    assert set(result.compounds["status"]) == {"valid"}
    assert result.compounds["predicted_rt"].notna().all()


def test_a_peak_far_from_its_line_is_an_outlier_with_its_z(clean):
    bad = clean.copy()
    bad.loc[len(bad)] = ["GD1(40:2;O2)", rt("GD1(40:2;O2)", 1.2), 1e5, 4.0, "F"]
    bad.loc[len(bad) - 1, "Log P"] = clean.loc[clean["Name"] == "GD1(40:2;O2)", "Log P"].iloc[0]
    result = analyze(bad)
    row = result.compounds.iloc[-1]
    assert row["status"] == "outlier"
    assert row["z"] > 2.5
    assert "likely misannotated" in row["reasons"]
    assert (result.compounds["status"].iloc[:-1] == "valid").all()


def test_a_group_without_anchor_is_extrapolated_not_an_outlier(clean):
    extra = table(clean_series("GD3", anchors=0, extra=5))
    result = analyze(pd.concat([clean, extra], ignore_index=True))
    gd3 = result.compounds[result.compounds["group_key"] == "GD3"]
    assert set(gd3["status"]) == {"valid"}
    assert set(gd3["model_level"]) == {"composition"}
    assert gd3["warnings"].str.contains("extrapolated").all()


def test_without_anchors_or_self_calibration_every_row_is_unverified_never_an_outlier():
    df = table(clean_series("GD1", anchors=0, extra=6))
    result = analyze(df, AnalysisConfig(self_calibrate=False))
    assert set(result.compounds["status"]) == {"unverified"}
    assert any("no RT model" in w for w in result.warnings)


def test_without_anchors_a_clean_series_calibrates_itself_and_stays_valid():
    df = table(clean_series("GD1", anchors=0, extra=6))
    result = analyze(df)
    assert set(result.compounds["status"]) == {"valid"}
    assert set(result.compounds["model_level"]) == {"self_calibrated"}


@pytest.mark.slow
def test_the_outlier_threshold_is_respected(clean):
    bad = clean.copy()
    bad.loc[len(bad)] = ["GD1(40:2;O2)", rt("GD1(40:2;O2)", 0.4), 1e5, 0.0, "F"]
    bad.loc[len(bad) - 1, "Log P"] = clean.loc[clean["Name"] == "GD1(40:2;O2)", "Log P"].iloc[0]
    strict = analyze(bad, AnalysisConfig(outlier_z=2.5)).compounds.iloc[-1]
    lenient = analyze(bad, AnalysisConfig(outlier_z=50)).compounds.iloc[-1]
    assert strict["status"] == "outlier"
    assert lenient["status"] == "valid"


def test_a_group_with_enough_anchors_gets_its_own_line(clean):
    result = analyze(clean)
    levels = {m.model_id: m.level for m in result.models}
    assert levels["group:GD1"] == "group"
    gt1 = result.compounds[result.compounds["group_key"] == "GT1"]
    assert set(gt1["model_level"]) == {"pooled"}
    pooled = next(m for m in result.models if m.level == "pooled")
    assert pooled.slope == pytest.approx(1.36, abs=0.05)
    assert pooled.q2 is not None and pooled.q2 > 0.9


def test_each_model_report_counts_the_rows_that_took_its_line(clean):
    extra = table(clean_series("GD3", anchors=0, extra=5))
    result = analyze(pd.concat([clean, extra], ignore_index=True))
    per_model = result.compounds["model_id"].astype(str).value_counts().to_dict()
    assert {m.model_id: m.n_rows for m in result.models if m.n_rows} == per_model
    assert {m.level for m in result.models} == {"group", "pooled", "composition"}


def test_min_anchors_for_a_group_line_is_respected(clean):
    result = analyze(clean, AnalysisConfig(min_anchors_group_model=50))
    assert not [m for m in result.models if m.level == "group"]


def test_rules_leave_the_input_frame_unmodified(clean):
    before = clean.copy()
    analyze(clean)
    pd.testing.assert_frame_equal(clean, before)


def test_an_anchor_is_never_demoted():
    rows = clean_series("GD1")
    name, value, vol, _ = rows[0]
    rows[0] = (name, value + 1.5, vol, True)
    result = analyze(table(rows))
    first = result.compounds.iloc[0]
    assert first["status"] == "valid"
    assert first["is_anchor"]


# -- Rule 5: fragments ------------------------------------------------------------------------


def test_a_coeluting_smaller_species_is_a_fragment_of_its_parent(clean):
    gt1 = clean[(clean["Name"] == "GT1(36:1;O2)")].iloc[0]
    frag = table([("GD1(36:1;O2)", gt1["RT"] + 0.004, 1e4, False)])
    result = analyze(pd.concat([clean, frag], ignore_index=True))
    row = result.compounds.iloc[-1]
    parent_row = int(clean.index[clean["Name"] == "GT1(36:1;O2)"][0]) + 1
    assert row["status"] == "fragment"
    assert row["fragment_of"] == parent_row
    assert row["fragment_lost"] == "NeuAc"
    assert "in-source fragment" in row["reasons"]
    events = result.fragments
    assert events.loc[0, "parent_row"] == parent_row
    parent = result.compounds.iloc[parent_row - 1]
    assert parent["volume_consolidated"] == pytest.approx(parent["volume"] + 1e4)


@pytest.mark.slow
def test_fragment_window_is_respected(clean):
    gt1 = clean[(clean["Name"] == "GT1(36:1;O2)")].iloc[0]
    frag = table([("GD1(36:1;O2)", gt1["RT"] + 0.015, 1e4, False)])
    df = pd.concat([clean, frag], ignore_index=True)
    assert analyze(df).compounds.iloc[-1]["status"] == "fragment"
    narrow = analyze(df, AnalysisConfig(fragment_rt_window=0.01)).compounds.iloc[-1]
    assert narrow["status"] != "fragment"


def test_a_coeluting_species_on_its_own_line_and_not_small_stays_valid(clean):
    # GM1(36:1;O2) on its own line; a GD1 of the same ceramide put at the same RT
    gm1 = clean[clean["Name"] == "GM1(38:2;O2)"].iloc[0]
    partner = table([("GD1+HexNAc(38:2;O2)", gm1["RT"] + 0.005, gm1["Volume"] * 0.5, False)])
    result = analyze(pd.concat([clean, partner], ignore_index=True))
    gm1_row = result.compounds[result.compounds["name"] == "GM1(38:2;O2)"].iloc[0]
    assert gm1_row["status"] != "fragment" or gm1_row["is_anchor"]


def test_fragment_sweep_finds_only_window_pairs():
    comp = pd.DataFrame(
        {
            "ceramide_code": [0, 0, 0, 1],
            "rt": [5.0, 5.01, 5.5, 5.0],
            "volume": [10.0, 1.0, 1.0, 1.0],
            "is_anchor": [False, False, False, False],
            "sugar_count": [7, 6, 5, 5],
            "neuac": [3, 2, 1, 1],
            "neugc": [0, 0, 0, 0],
            "hex": [3, 3, 3, 3],
            "hexnac": [1, 1, 1, 1],
            "dhex": [0, 0, 0, 0],
            "oac": [0, 0, 0, 0],
        }
    )
    before = comp.copy()
    cands = fragments.find_candidates(comp, np.ones(4, dtype=bool), window=0.02, deacetylation=True)
    assert cands.parent.tolist() == [-1, 0, -1, -1]
    pd.testing.assert_frame_equal(comp, before)
    empty = fragments.find_candidates(
        comp.iloc[:0], np.zeros(0, bool), window=0.02, deacetylation=True
    )
    assert empty.parent.size == 0


# -- Rule 4: O-acetylation --------------------------------------------------------------------


def test_oac_peaks_are_labelled_against_their_base(clean):
    base = clean[clean["Name"] == "GD1(38:1;O2)"].iloc[0]
    rows = table(
        [
            ("GD1+OAc(38:1;O2)", base["RT"] + 0.09, 1e5, False),
            ("GD1+OAc(36:1;O2)", rt("GD1(36:1;O2)") - 0.3, 1e5, False),
            ("GD1+OAc(44:3;O2)", 12.0, 1e5, False),
        ]
    )
    result = analyze(pd.concat([clean, rows], ignore_index=True))
    labels = result.compounds["oac_label"].iloc[-3:].tolist()
    assert labels == ["consistent", "reversed", "not_validated"]
    assert result.compounds["oac_label"].iloc[0] == ""


def test_oac_labels_follow_their_thresholds():
    shift = np.array([0.005, -0.2, 0.1, 1.4, np.nan])
    labels = acetylation.label_shifts(shift, coelution=0.01, max_shift=1.0)
    assert labels.tolist() == ["coeluting", "reversed", "consistent", "too_large", "not_validated"]
    wider = acetylation.label_shifts(shift, coelution=0.2, max_shift=2.0)
    assert wider.tolist() == ["coeluting", "coeluting", "coeluting", "consistent", "not_validated"]


@pytest.mark.slow
def test_reversed_changes_status_only_when_configured(clean):
    rows = table([("GD1+OAc(36:1;O2)", rt("GD1(36:1;O2)") - 0.3, 1e5, False)])
    df = pd.concat([clean, rows], ignore_index=True)
    default = analyze(df, AnalysisConfig(outlier_z=100)).compounds.iloc[-1]
    strict = analyze(
        df, AnalysisConfig(outlier_z=100, oac_reversed_is_outlier=True)
    ).compounds.iloc[-1]
    # by default the label is evidence only (the row's own RT line decides, here a group
    # without anchors too uncertain to decide: unverified)
    assert default["status"] in ("valid", "unverified") and default["oac_label"] == "reversed"
    assert strict["status"] == "outlier"


# -- Rule 2: categories -----------------------------------------------------------------------


def test_categories_and_sugar_counts_come_from_the_name(clean):
    c = analyze(clean).compounds
    gt1 = c[c["group_key"] == "GT1"].iloc[0]
    assert (gt1["category"], gt1["sugar_count"]) == ("GT", 7)
    gm1 = c[c["group_key"] == "GM1"].iloc[0]
    assert (gm1["category"], gm1["sugar_count"]) == ("GM", 5)


def test_sugar_order_violations_are_warned():
    from ganglioside.rules.categories import sugar_order_warnings

    cer = pd.Series(["36:1;O2"] * 4)
    sugars = pd.Series([3, 5, 6, 7])
    good = sugar_order_warnings(cer, sugars, pd.Series([10.6, 10.1, 9.1, 8.7]), np.ones(4, bool))
    bad = sugar_order_warnings(cer, sugars, pd.Series([8.0, 9.0, 10.0, 11.0]), np.ones(4, bool))
    assert good == []
    assert "36:1;O2" in bad[0]


# -- empty and invalid input ------------------------------------------------------------------


def test_a_table_with_one_bad_row_analyses_the_others(clean):
    bad = clean.copy().astype({"RT": object})
    bad.loc[0, "RT"] = "n/a"
    bad.loc[1, "Name"] = "GD1+XYZ(36:1;O2)"
    result = analyze(bad)
    c = result.compounds
    assert c.loc[0, "status"] == "invalid" and "'RT'" in c.loc[0, "reasons"]
    assert c.loc[1, "status"] == "invalid" and "+XYZ" in c.loc[1, "reasons"]
    assert (c["status"].iloc[2:] != "invalid").all()
    assert len(c) == len(bad)


def test_an_empty_table_is_an_input_error():
    from ganglioside import InputError

    with pytest.raises(InputError):
        analyze(pd.DataFrame({"Name": [], "RT": [], "Volume": []}))


# -- Rule 3: isomer tracks --------------------------------------------------------------------


def test_anchor_pairs_of_one_name_become_early_and_late_tracks():
    from ganglioside.rules.isomers import anchor_tracks

    group = np.array([0, 0, 0, 0, 1, 1])
    name = np.array([0, 0, 1, 1, 2, 3])
    rt = np.array([9.1, 9.55, 10.6, 11.05, 5.0, 6.0])
    anchors = np.array([True, True, True, True, True, False])
    track, n_tracks = anchor_tracks(group, name, rt, anchors)
    assert n_tracks == {0: 2}
    assert track.tolist() == [0, 1, 0, 1, 0, -1]


def test_peaks_closer_than_the_track_gap_are_not_isomers():
    from ganglioside.rules.isomers import anchor_tracks

    track, n_tracks = anchor_tracks(
        np.array([0, 0]), np.array([0, 0]), np.array([9.1, 9.12]), np.array([True, True])
    )
    assert n_tracks == {}
    assert track.tolist() == [0, 0]


def test_tracks_get_letters_only_from_configuration():
    from ganglioside.rules.isomers import track_labels

    assert track_labels("GD1", 2, {}) == ["early", "late"]
    assert track_labels("GD1", 2, {"GD1": ("b", "a")}) == ["b", "a"]


@pytest.mark.slow
def test_isomer_pairs_in_a_table_get_two_tracks_and_stay_valid(clean):
    rows = []
    for cer in ("34:1;O2", "36:1;O2", "38:1;O2", "40:1;O2", "42:1;O2"):
        name = f"GT1({cer})"
        rows += [(name, rt(name), 1e6, True), (name, rt(name, 0.45), 8e5, True)]
    result = analyze(pd.concat([clean[clean["Name"].str[:3] != "GT1"], table(rows)]))
    gt1 = result.compounds[result.compounds["group_key"] == "GT1"]
    assert set(gt1["isomer_track"]) == {"early", "late"}
    assert set(gt1["status"]) == {"valid"}
    ordered = analyze(
        pd.concat([clean[clean["Name"].str[:3] != "GT1"], table(rows)]),
        AnalysisConfig(isomer_elution_order={"GT1": ("b", "a")}),
    ).compounds
    assert set(ordered.loc[ordered["group_key"] == "GT1", "isomer_track"]) == {"a", "b"}


@pytest.mark.parametrize("seed", range(6))
def test_larger_peak_nearby_agrees_with_a_plain_scan(seed):
    # dense windows (hundreds of peaks) and sparse ones, with ties of key and size
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 700))
    key = np.round(rng.uniform(0, 1 if seed % 2 else 40, n), 3)
    size = rng.integers(0, 200 if seed % 3 == 0 else 5, n)
    window = 0.3
    got = fragments._larger_nearby(key, size, window)
    near = np.abs(key[:, None] - key[None, :]) <= window * (1 + 1e-9)
    expected = (near & (size[None, :] > size[:, None])).any(axis=1)
    assert np.array_equal(got, expected)
