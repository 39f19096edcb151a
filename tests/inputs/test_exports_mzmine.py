"""MZmine feature lists: MZmine 3 (datafile:<file>:area) and MZmine 2 (<file> Peak area)."""

from __future__ import annotations

import pandas as pd
import pytest

import ganglioside
from tests.paths import EXPORTS

MZMINE3 = EXPORTS / "mzmine3_features.csv"


@pytest.fixture(scope="module")
def export():
    return ganglioside.read_export(MZMINE3)


def test_data_files_become_samples_without_their_extension(export):
    assert export.format == "MZmine 3"
    assert export.sample_names == ("Brain_WT_1", "Brain_KO_1", "QC_01")
    assert export.samples["QC_01"].metadata == {"file": "QC_01.mzML"}


def test_the_name_comes_from_the_first_filled_annotation_and_says_which(export):
    frame = export.frame("Brain_WT_1").set_index("Name")
    assert list(frame.index) == ["GD1(36:1;O2)", "GT1 36:1;O2", "GD3(37:1;O2)", "GM3+OAc(36:1;O2)"]
    assert frame.loc["GD1(36:1;O2)", "annotation_source"] == "compound_db_identity:compound_name"
    assert frame.loc["GT1 36:1;O2", "annotation_source"] == "lipid_annotations:lipid_annotations"


def test_unannotated_features_and_other_lipids_are_counted(export):
    assert export.n_features == 8
    assert export.n_not_annotated == 1  # feature 3 has no annotation at all
    # PC and TG (lipid annotations) and sphingosine-1-phosphate (spectral match)
    assert export.n_other_classes == 3


def test_each_sample_uses_its_own_rt_and_area(export):
    ko = export.frame("Brain_KO_1").set_index("Name")
    assert ko.loc["GD1(36:1;O2)", ["RT", "Volume"]].tolist() == ["9.422", "401790.0"]
    assert "GD3(37:1;O2)" not in ko.index  # not detected in that file
    assert export.samples["Brain_KO_1"].columns["rt"] == "datafile:Brain_KO_1.mzML:rt"
    assert "compound_db_identity:compound_annotation_score" in export.quality_columns


@pytest.mark.slow
def test_an_mzmine2_peak_list_is_read_by_its_row_columns():
    frame = pd.DataFrame(
        {
            "row ID": [1, 2, 3],
            "row m/z": [917.48, 804.58, 1179.74],
            "row retention time": [9.41, 14.21, 8.73],
            "row identity (main ID)": ["GD1(36:1;O2)", "PC 34:1", "GM3(36:1;O2)"],
            "WT_1.mzML Peak RT": [9.40, 14.20, 8.72],
            "WT_1.mzML Peak area": [5.3e5, 4.1e6, 3.2e5],
            "KO_1.mzML Peak RT": [9.43, 14.22, None],
            "KO_1.mzML Peak area": [4.0e5, 4.3e6, 0.0],
        }
    )
    export = ganglioside.read_export(frame)
    assert export.format == "MZmine 2"
    assert export.sample_names == ("WT_1", "KO_1")
    wt = export.frame("WT_1")
    assert wt["Name"].tolist() == ["GD1(36:1;O2)", "GM3(36:1;O2)"]
    assert wt["RT"].tolist() == [9.40, 8.72]
    assert export.frame("KO_1")["Name"].tolist() == ["GD1(36:1;O2)"]  # GM3 area 0 in KO_1
    assert export.n_other_classes == 1
