"""Comparing two studies (``ganglioside.studies.compare``): simulated studies with known truth,
and small hand-made tables for the matching rules."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganglioside.simulate.study import SimulatedStudy, simulate_study
from ganglioside.studies import StudyResult, study
from ganglioside.studies.compare import (
    AGREEMENTS,
    ROW_COLUMNS,
    StudySide,
    agreement_figure,
    compare_studies,
    comparison_pair,
    parameter_differences,
    rows_csv,
    side_of,
)
from ganglioside.studies.outputs import statistics_frame
from ganglioside.studies.step import SIGNIFICANT_Q

#: Species whose change study B undoes, species it makes change (×4 in disease), and species
#: it never measured.
N_UNDONE, N_NEW, N_DROPPED = 3, 4, 3


@pytest.fixture(scope="module")
def simulated() -> SimulatedStudy:
    return simulate_study(5, n_per_group=6, n_rows=120)


@pytest.fixture(scope="module")
def study_a(simulated: SimulatedStudy, tmp_path_factory: pytest.TempPathFactory) -> StudyResult:
    folder = tmp_path_factory.mktemp("study-a")
    simulated.write(folder)
    return study(folder / "design.csv")


def _chosen(simulated: SimulatedStudy, a: StudyResult) -> dict[str, list[str]]:
    """Names of species B undoes (changed in truth), makes change and drops (unchanged in
    truth; every one measured in all samples of A and never an anchor)."""
    truth = simulated.species[~simulated.species["is_standard"]]
    changed = sorted(set(truth.loc[truth["changed"], "name"]))
    unchanged = set(truth.loc[~truth["changed"], "name"]) - set(changed)
    complete = set(a.statistics.loc[a.statistics["found_fraction"] == 1, "name"])
    anchors = set()
    for table in simulated.tables.values():
        anchors |= set(table.loc[table["Anchor"] == "T", "Name"])
    plain = sorted((unchanged & complete) - anchors)
    return {
        "changed": changed,
        "undone": changed[:N_UNDONE],
        "new": plain[:N_NEW],
        "dropped": plain[N_NEW : N_NEW + N_DROPPED],
    }


def _write_b(simulated: SimulatedStudy, chosen: dict[str, list[str]], folder: Path) -> Path:
    """Study B: A's samples, with the undone species' disease volumes divided by their true
    fold, the new ones' multiplied by 4, and the dropped ones' rows removed."""
    simulated.write(folder)
    fold = simulated.species.groupby("name")["fold"].first()
    group = simulated.design.set_index("sample")["group"]
    for sample, table in simulated.tables.items():
        table = table.copy()
        if group[sample] == "disease":
            for name in chosen["undone"]:
                table.loc[table["Name"] == name, "Volume"] /= fold[name]
            for name in chosen["new"]:
                table.loc[table["Name"] == name, "Volume"] *= 4.0
        table = table[~table["Name"].isin(chosen["dropped"])]
        table.to_csv(folder / f"{sample}.csv", index=False)
    return folder / "design.csv"


@pytest.mark.slow
def test_a_study_compared_to_itself_agrees_everywhere(study_a: StudyResult) -> None:
    result = compare_studies(side_of(study_a), side_of(study_a))
    rows, summary = result.rows, result.summary
    assert list(rows.columns) == list(ROW_COLUMNS)
    assert len(rows) == len(study_a.statistics) == summary["n_in_both"]
    assert set(rows["matched_by"]) == {"track"}
    assert set(rows["agreement"]) <= {"same_direction", "unchanged_in_both"}
    assert summary["agreement"]["same_direction"] == study_a.summary["n_changed_q05"] > 5
    assert summary["agreement"]["unchanged_in_both"] == len(rows) - study_a.summary["n_changed_q05"]
    assert summary["correlation"]["rho"] == pytest.approx(1.0)
    assert summary["correlation"]["n"] == int(study_a.statistics["log2_fold_change"].notna().sum())
    assert summary["comparison_a"] == summary["comparison_b"] == "disease/control"
    assert summary["same_comparison"] is True
    assert result.parameters == []
    np.testing.assert_allclose(rows["log2_fold_change_a"], rows["log2_fold_change_b"])
    assert (rows["mean_numerator_a"] > 0).any()


@pytest.mark.slow
def test_the_reversed_comparison_disagrees_on_every_change(
    study_a: StudyResult, simulated: SimulatedStudy, tmp_path: Path
) -> None:
    simulated.write(tmp_path)
    reversed_ = study(tmp_path / "design.csv", {"compare": "control/disease"})
    result = compare_studies(side_of(study_a), side_of(reversed_))
    counts = result.summary["agreement"]
    assert counts["opposite_directions"] == study_a.summary["n_changed_q05"]
    assert counts["same_direction"] == counts["changed_only_in_a"] == 0
    assert result.summary["correlation"]["rho"] == pytest.approx(-1.0)
    assert result.summary["comparison_b"] == "control/disease"
    assert result.summary["same_comparison"] is False
    assert [(p.name, p.a, p.b) for p in result.parameters] == [
        ("compare", None, ["control/disease"])
    ]
    # the numerator's mean in B is the denominator's in A
    np.testing.assert_allclose(
        result.rows["mean_numerator_b"], result.rows["mean_denominator_a"], equal_nan=True
    )


@pytest.mark.slow
def test_two_studies_with_different_changes_get_the_labels_of_the_truth(
    study_a: StudyResult, simulated: SimulatedStudy, tmp_path: Path
) -> None:
    chosen = _chosen(simulated, study_a)
    assert len(chosen["new"]) == N_NEW and len(chosen["dropped"]) == N_DROPPED
    study_b = study(_write_b(simulated, chosen, tmp_path))
    result = compare_studies(side_of(study_a), side_of(study_b))
    rows = result.rows

    def expected(name: str) -> str:
        if name in chosen["dropped"]:
            return "only_measured_in_a"
        if name in chosen["new"]:
            return "changed_only_in_b"
        if name in chosen["undone"]:
            return "changed_only_in_a"
        return "same_direction" if name in chosen["changed"] else "unchanged_in_both"

    truth = rows["name"].map(expected)
    # every designed case gets its label
    for name in chosen["dropped"] + chosen["new"] + chosen["undone"]:
        got = set(rows.loc[rows["name"] == name, "agreement"])
        assert got == {expected(name)}, (name, got)
    assert (rows["agreement"] == truth).mean() >= 0.95
    # (a compound whose checks leaned on a dropped species may not be valid in B)
    assert result.summary["agreement"]["only_measured_in_a"] >= len(
        rows[rows["name"].isin(chosen["dropped"])]
    )
    assert result.summary["agreement"]["only_measured_in_b"] == 0
    assert result.summary["agreement"]["opposite_directions"] == 0
    assert sum(result.summary["agreement"].values()) == len(rows)
    assert 0.5 < result.summary["correlation"]["rho"] < 1.0
    # the labels follow each study's own q values
    in_both = rows[rows["matched_by"] != ""]
    changed_a = in_both["q_value_a"] < SIGNIFICANT_Q
    changed_b = in_both["q_value_b"] < SIGNIFICANT_Q
    assert ((in_both["agreement"] == "changed_only_in_b") == (~changed_a & changed_b)).all()
    assert ((in_both["agreement"] == "unchanged_in_both") == (~changed_a & ~changed_b)).all()


@pytest.mark.slow
def test_the_stored_statistics_compare_as_the_result_does(study_a: StudyResult) -> None:
    stored = statistics_frame(study_a).to_csv(index=False)
    frame = pd.read_csv(io.StringIO(stored), keep_default_na=False, na_values=[""])
    from_file = StudySide(frame, "disease/control", study_a.config.to_dict())
    result = compare_studies(side_of(study_a), from_file)
    assert set(result.rows["agreement"]) <= {"same_direction", "unchanged_in_both"}
    assert result.summary["n_in_both"] == len(frame)
    text = rows_csv(result)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == list(ROW_COLUMNS) and len(back) == len(frame)
    figure = agreement_figure(result, "first", "second")
    names = {trace.name for trace in figure.data}
    assert AGREEMENTS["same_direction"] in names and "equal change" in names


def _stats(rows: list[tuple]) -> pd.DataFrame:
    columns = ["species", "name", "isomer_track", "rt", "log2_fold_change", "q_value"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["mean_x"], frame["mean_y"] = 2.0, 1.0
    frame["found_x"], frame["found_y"] = 1.0, 0.5
    return frame


def test_tracks_match_first_then_the_rt_within_the_tolerance() -> None:
    a = _stats(
        [
            ("GM1 36:1;O2", "GM1(36:1;O2)", "early", 10.0, 1.5, 0.01),
            ("GM1 36:1;O2", "GM1(36:1;O2)", "late", 10.6, -1.2, 0.01),
            ("GD1 38:1;O2", "GD1(38:1;O2)", "", 12.0, 0.1, 0.8),
            ("GT1 40:1;O2", "GT1(40:1;O2)", "", 14.0, 2.0, 0.001),
            ("GM3 34:1;O2", "GM3(34:1;O2)", "", 8.0, 1.0, 0.02),
        ]
    )
    b = _stats(
        [
            # the tracks in the other order in the table, shifted by 0.3 min: still by track
            ("GM1  36:1;O2", "GM1(36:1;O2)", "late", 10.9, 1.1, 0.03),
            ("GM1 36:1;O2", "GM1(36:1;O2)", "early", 10.3, 1.4, 0.2),
            # no track in B, 0.15 min away: by RT
            ("GD1 38:1;O2", "GD1(38:1;O2)", "a", 12.15, 1.0, 0.01),
            # another track, 0.5 min away: not the same compound
            ("GT1 40:1;O2", "GT1(40:1;O2)", "b", 14.5, 2.0, 0.001),
        ]
    )
    result = compare_studies(StudySide(a, "x/y"), StudySide(b, "x/y"))
    rows = result.rows.fillna({"isomer_track_a": "", "isomer_track_b": ""})
    by = {(r.name, r.isomer_track_a, r.isomer_track_b): r for r in rows.itertuples(index=False)}
    early = by[("GM1(36:1;O2)", "early", "early")]
    assert (early.matched_by, early.agreement) == ("track", "changed_only_in_a")
    late = by[("GM1(36:1;O2)", "late", "late")]
    assert (late.matched_by, late.agreement) == ("track", "opposite_directions")
    gd1 = by[("GD1(38:1;O2)", "", "a")]
    assert (gd1.matched_by, gd1.agreement) == ("rt", "changed_only_in_b")
    gt1 = result.rows[result.rows["name"] == "GT1(40:1;O2)"]
    assert sorted(gt1["agreement"]) == ["only_measured_in_a", "only_measured_in_b"]
    assert set(gt1.loc[gt1["agreement"] == "only_measured_in_b", "isomer_track_b"]) == {"b"}
    gm3 = result.rows[result.rows["name"] == "GM3(34:1;O2)"]
    assert gm3["agreement"].tolist() == ["only_measured_in_a"]
    assert gm3["log2_fold_change_b"].isna().all() and gm3["mean_numerator_a"].tolist() == [2.0]
    summary = result.summary
    assert (summary["matched_by_track"], summary["matched_by_rt"]) == (2, 1)
    assert summary["n_in_both"] == 3 and summary["n_compounds"] == 6
    assert summary["correlation"]["n"] == 3
    wider = compare_studies(StudySide(a, "x/y"), StudySide(b, "x/y"), rt_tolerance=0.5)
    assert wider.summary["matched_by_rt"] == 2


def test_too_few_fold_changes_give_no_correlation() -> None:
    a = _stats([("GM1 36:1;O2", "GM1(36:1;O2)", "", 10.0, 1.5, 0.01)])
    result = compare_studies(StudySide(a), StudySide(a))
    assert result.summary["correlation"] == {
        "method": "spearman",
        "n": 1,
        "rho": None,
        "p_value": None,
    }
    # without a known comparison the group columns stay empty
    assert result.rows["mean_numerator_a"].isna().all()


def test_a_table_without_the_needed_columns_is_refused() -> None:
    a = _stats([("GM1 36:1;O2", "GM1(36:1;O2)", "", 10.0, 1.5, 0.01)])
    with pytest.raises(ValueError, match=r"study B lack the column.*q_value"):
        compare_studies(StudySide(a), StudySide(a.drop(columns="q_value")))
    with pytest.raises(ValueError, match="rt_tolerance"):
        compare_studies(StudySide(a), StudySide(a), rt_tolerance=-1)


def test_the_comparison_label_is_split_on_the_group_names() -> None:
    assert comparison_pair("b/c/a", ["a", "b/c"]) == ("b/c", "a")
    assert comparison_pair("disease/control", ["control", "disease"]) == ("disease", "control")
    assert comparison_pair("x/y", ["control", "disease"]) is None


def test_parameter_differences_fill_defaults_and_read_nested_analysis_values() -> None:
    stored = {"quantity": "total", "analysis": {"outlier_z": 3, "robust": True}}
    changes = parameter_differences(stored, {"quantity": "raw", "outlier_z": 3.0})
    assert [(c.name, c.a, c.b) for c in changes] == [("quantity", "total", "raw")]
    changes = parameter_differences({}, {"rt_tolerance": 0.3, "robust": False})
    assert [(c.name, c.a, c.b) for c in changes] == [
        ("rt_tolerance", 0.15, 0.3),
        ("robust", True, False),
    ]
    assert parameter_differences(None, {"compare": ("x", "y")})[0].b == ("x", "y")
