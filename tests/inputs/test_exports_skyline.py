"""Skyline reports in long format: replicates as samples, #N/A, transitions, European locale."""

from __future__ import annotations

import pandas as pd

import ganglioside
from tests.paths import EXPORTS

GERMAN = EXPORTS / "skyline_report_de.csv"


def test_a_german_skyline_report_is_read_with_replicates_as_samples():
    export = ganglioside.read_export(GERMAN)
    assert export.format == "Skyline"
    assert export.sample_names == ("Brain_WT_1", "Brain_KO_1")
    wt = export.frame("Brain_WT_1").set_index("Name")
    assert list(wt.index) == ["GM3(36:1;O2)", "GD1(36:1;O2)", "GD3(37:1;O2)", "GT1(36:1;O2)"]
    assert wt.loc["GM3(36:1;O2)", ["RT", "Volume"]].tolist() == ["8.731", "321971.2"]
    assert wt.loc["GM3(36:1;O2)", "Precursor Adduct"] == "[M-H]"
    assert export.n_other_classes == 2  # PC 34:1 and Cer 42:1;O2
    assert set(export.quality_columns) == {"Isotope Dot Product", "Mass Error PPM"}


def test_a_molecule_missing_in_a_replicate_is_left_out_of_that_replicate():
    export = ganglioside.read_export(GERMAN)
    ko = export.frame("Brain_KO_1")
    assert "GD3(37:1;O2)" not in ko["Name"].tolist()
    assert export.samples["Brain_KO_1"].n_without_area == 1


def test_the_replicates_analysed_together():
    results = ganglioside.analyze_samples(GERMAN)
    assert {s: len(r.compounds) for s, r in results.items()} == {"Brain_WT_1": 4, "Brain_KO_1": 3}
    ko = results["Brain_KO_1"]
    assert ko.summary["input"]["decimal"] == ","
    gm3 = ko.compounds.loc[ko.compounds["name"] == "GM3(36:1;O2)"]
    assert gm3["rt"].item() == 8.740 and gm3["volume"].item() == 144020.5


def test_a_transition_level_report_sums_the_transition_areas_per_precursor():
    rows = []
    for replicate, scale in (("A", 1.0), ("B", 2.0)):
        for product, area in (("fragment 1", 100.0), ("fragment 2", 50.0)):
            rows.append(
                {
                    "Molecule List Name": "Gangliosides",
                    "Molecule Name": "GM3(36:1;O2)",
                    "Precursor Adduct": "[M-H]",
                    "Precursor Mz": 1179.74,
                    "Product Mz": product,
                    "Replicate Name": replicate,
                    "Retention Time": 8.73,
                    "Area": area * scale,
                }
            )
    export = ganglioside.read_export(pd.DataFrame(rows))
    assert export.frame("A")["Volume"].tolist() == [150.0]
    assert export.frame("B")["Volume"].tolist() == [300.0]
    assert export.samples["A"].columns["volume"] == "Area (summed over transitions)"


def test_a_report_by_file_name_records_the_sample_type():
    frame = pd.DataFrame(
        {
            "Molecule": ["GM3(36:1;O2)", "GM3(36:1;O2)", "PC 34:1"],
            "File Name": ["QC_01.raw", "WT_1.raw", "WT_1.raw"],
            "Sample Type": ["Quality Control", "Unknown", "Unknown"],
            "Retention Time": [8.73, 8.74, 14.2],
            "Total Area": [3.0e5, 3.2e5, 4.1e6],
        }
    )
    export = ganglioside.read_export(frame)
    assert export.sample_names == ("QC_01.raw", "WT_1.raw")
    assert export.samples["QC_01.raw"].metadata == {"Sample Type": "Quality Control"}
    assert export.frame("WT_1.raw")["Name"].tolist() == ["GM3(36:1;O2)"]


def test_total_area_is_the_precursor_area_and_is_not_summed():
    frame = pd.DataFrame(
        {
            "Molecule Name": ["GD1(36:1;O2)", "GD1(36:1;O2)"],
            "Precursor Adduct": ["[M-2H]", "[M-2H]"],
            "Replicate": ["R1", "R1"],
            "Retention Time": ["9.41", "9.41"],
            "Total Area": ["530172", "530172"],
        }
    )
    export = ganglioside.read_export(frame)
    assert export.frame()["Volume"].tolist() == ["530172"]
