"""LipidSearch alignment results: preamble, per-sample areas and grades, Rej kept as evidence."""

from __future__ import annotations

import pandas as pd
import pytest

import ganglioside
from tests.paths import EXPORTS

LS4 = EXPORTS / "lipidsearch4_alignment.txt"
GANGLIOSIDES = [
    "GM3(d18:1/18:0)",
    "GD1a(d18:1/18:0)",
    "GD1b(d18:1/18:0)",
    "GT1b(d18:1/18:0)",
    "GM1(d18:1/20:0)",
    "GD3(d18:1/18:0)",
]


@pytest.fixture(scope="module")
def export():
    return ganglioside.read_export(LS4)


def test_the_header_is_found_below_the_preamble(export):
    assert export.format == "LipidSearch"
    assert export.reading["header_line"] == 7
    assert export.sample_names == ("c", "s1", "s2")


def test_the_preamble_names_each_sample_file(export):
    assert export.samples["s1"].metadata == {"file": "Brain_WT_1.raw"}
    assert export.samples["c"].metadata == {"file": "QC_pool.raw"}


def test_gangliosides_are_picked_by_class_and_the_lipidome_counted(export):
    assert export.frame("c")["Name"].tolist() == GANGLIOSIDES
    assert export.n_other_classes == 3 and export.n_not_annotated == 0
    assert set(export.other_class_examples) == {
        "PC(16:0/18:1)",
        "TG(16:0/18:1/18:2)",
        "Cer(d18:1/24:1)",
    }


def test_each_sample_has_its_own_area_rt_and_grade(export):
    s2 = export.frame("s2").set_index("Name")
    # GD1a has area 0 in s2 and GM1 none: both left out of s2 only
    assert list(s2.index) == [
        "GM3(d18:1/18:0)",
        "GD1b(d18:1/18:0)",
        "GT1b(d18:1/18:0)",
        "GD3(d18:1/18:0)",
    ]
    assert export.samples["s2"].n_without_area == 2
    assert s2.loc["GD1b(d18:1/18:0)", ["RT", "Volume", "Grade"]].tolist() == [
        "9.581",
        "401790",
        "B",
    ]
    assert export.samples["s2"].columns == {
        "name": "LipidMolec",
        "rt": "Rt[s2]",
        "volume": "Area[s2]",
    }
    # no Rt[c] column: the QC sample gets the feature's BaseRt
    assert export.frame("c").set_index("Name").loc["GD1b(d18:1/18:0)", "RT"] == "9.574"


def test_rejected_ions_are_kept_with_their_rej_flag(export):
    s1 = export.frame("s1").set_index("Name")
    assert s1.loc["GD1a(d18:1/18:0)", "Rej."] == "1"
    assert s1.loc["GD1a(d18:1/18:0)", "TotalGrade"] == "C"
    assert {"Rej.", "TotalGrade", "Grade"} <= set(export.quality_columns)


def test_a_lipidsearch5_csv_with_main_areas_and_no_preamble():
    frame = pd.DataFrame(
        {
            "Rej": [0, 0, 0],
            "LipidMolec": ["GM3(d18:1_18:0)", "PE(18:0_20:4)", "GD1(d18:1_18:0)"],
            "Class": ["GM3", "PE", "GD1"],
            "FattyAcid": ["(d18:1_18:0)", "(18:0_20:4)", "(d18:1_18:0)"],
            "CalcMz": [1179.74, 766.54, 917.48],
            "BaseRt": [8.73, 15.03, 9.41],
            "MainIon": ["-H", "-H", "-2H"],
            "MainArea[s1]": [3.2e5, 2.2e6, 5.3e5],
            "MainArea[s2]": [1.4e5, 2.4e6, None],
            "MainGrade[s1]": ["A", "A", "B"],
            "MainGrade[s2]": ["B", "A", None],
        }
    )
    export = ganglioside.read_export(frame)
    assert export.format == "LipidSearch" and export.sample_names == ("s1", "s2")
    s1, s2 = export.frame("s1"), export.frame("s2")
    assert s1["Name"].tolist() == ["GM3(d18:1_18:0)", "GD1(d18:1_18:0)"]
    assert s1["MainGrade"].tolist() == ["A", "B"]
    assert s2["Name"].tolist() == ["GM3(d18:1_18:0)"]  # no area for GD1 in s2


@pytest.mark.slow
def test_analyze_samples_gives_one_result_per_sample():
    results = ganglioside.analyze_samples(LS4)
    assert list(results) == ["c", "s1", "s2"]
    assert [len(r.compounds) for r in results.values()] == [6, 6, 4]
    for sample, result in results.items():
        assert result.summary["input"]["sample"] == sample
        assert (result.compounds["status"] != "invalid").all()
        assert "Grade" in result.compounds.columns
