"""MS-DIAL exports: the alignment result (metadata rows, samples, class statistics) and the
peak list of one sample."""

from __future__ import annotations

import pandas as pd
import pytest

import ganglioside
from ganglioside import InputError
from tests.paths import EXPORTS

ALIGNMENT = EXPORTS / "msdial_alignment_area.txt"
PEAK_LIST = EXPORTS / "msdial_peaklist_Brain_WT_1.txt"
GANGLIOSIDES = [
    "GM3 36:1;O2",
    "GD1(36:1;O2)",
    "w/o MS2: GM1 36:1;O2",
    "GT1(36:1;O2)",
    "GD3 37:1;O2",
    "NGcGM3 36:1;O2",
    "GM3+OAc(36:1;O2)",
    "GQ1(36:1;O2)",
]


@pytest.fixture(scope="module")
def alignment():
    return ganglioside.read_export(ALIGNMENT)


def test_the_alignment_is_recognised_with_its_samples_in_order(alignment):
    assert alignment.format == "MS-DIAL alignment"
    # the class averages and standard deviations right of the samples are not samples
    assert alignment.sample_names == ("Brain_WT_1", "Brain_WT_2", "Brain_KO_1", "QC_01")


def test_each_sample_gets_its_metadata_rows(alignment):
    assert dict(alignment.samples["Brain_KO_1"].metadata) == {
        "Class": "KO",
        "File type": "Sample",
        "Injection order": "3",
        "Batch ID": "1",
    }
    assert alignment.samples["QC_01"].metadata["File type"] == "QC"


def test_only_gangliosides_are_kept_and_the_rest_is_counted(alignment):
    frame = alignment.frame("Brain_WT_1")
    assert frame["Name"].tolist() == GANGLIOSIDES
    assert alignment.n_features == 14
    # PC, PE, TG, SM, Cer by their Ontology; Unknown is not an annotation; "w/o MS2:" is read
    # with its mark kept
    assert alignment.n_other_classes == 5
    assert alignment.n_not_annotated == 1
    assert frame["Annotation flag"].tolist()[:3] == ["", "", "w/o MS2"]
    assert set(alignment.other_class_examples) == {
        "PC 34:1",
        "PE 38:4",
        "TG 52:2",
        "SM 34:1;O2",
        "Cer 42:1;O2",
    }


def test_a_sample_keeps_its_own_areas_and_the_average_rt(alignment):
    frame = alignment.frame("Brain_KO_1").set_index("Name")
    assert frame.loc["GT1(36:1;O2)", "Volume"] == "51200300"
    assert frame.loc["GT1(36:1;O2)", "RT"] == "8.701"
    assert alignment.samples["Brain_KO_1"].columns == {
        "name": "Metabolite name",
        "rt": "Average Rt(min)",
        "volume": "Brain_KO_1",
    }


def test_a_feature_with_zero_area_in_a_sample_is_left_out_of_that_sample_only(alignment):
    assert "GD3 37:1;O2" not in alignment.frame("Brain_WT_2")["Name"].tolist()
    assert "GD3 37:1;O2" in alignment.frame("Brain_KO_1")["Name"].tolist()
    assert alignment.samples["Brain_WT_2"].n_without_area == 1
    # the "w/o MS2:" GM1 has no area in Brain_KO_1
    assert alignment.samples["Brain_KO_1"].n_without_area == 1


def test_quality_columns_are_carried_as_evidence_and_not_used_as_filters(alignment):
    frame = alignment.frame("Brain_WT_1")
    for column in ("MS/MS matched", "Total score", "Fill %", "Alignment ID", "Adduct type"):
        assert column in frame.columns
    assert "MS/MS spectrum" in frame.columns  # read by the MS/MS evidence rule
    assert {"MS/MS matched", "Total score"} <= set(alignment.quality_columns)
    # the lowest-scoring ganglioside is still there
    assert frame.set_index("Name").loc["GQ1(36:1;O2)", "Total score"] == "58.80"


def test_source_row_points_at_the_feature_in_the_file(alignment):
    frame = alignment.frame("Brain_WT_1")
    lines = ALIGNMENT.read_text("utf-8").splitlines()
    for _, row in frame.iterrows():
        assert lines[row["source_row"] - 1].split("\t")[3] == row["Name"]


@pytest.mark.slow
def test_analysing_one_sample_records_the_input_in_the_summary():
    result = ganglioside.analyze(ALIGNMENT, sample="Brain_KO_1")
    block = result.summary["input"]
    assert block["format"] == "MS-DIAL alignment"
    assert block["sample"] == "Brain_KO_1"
    assert block["samples"] == ["Brain_WT_1", "Brain_WT_2", "Brain_KO_1", "QC_01"]
    assert block["n_skipped_other_classes"] == 5 and block["n_skipped_unannotated"] == 1
    assert block["n_rows"] == len(result.compounds) == 7
    assert block["sample_metadata"]["Class"] == "KO"
    assert result.source == "msdial_alignment_area.txt [Brain_KO_1]"
    # the evidence columns reach the compounds
    assert result.compounds["Total score"].astype(float).min() == pytest.approx(58.8)


@pytest.mark.slow
def test_a_multi_sample_file_without_a_sample_is_refused_with_the_samples_listed():
    with pytest.raises(InputError) as caught:
        ganglioside.analyze(ALIGNMENT)
    message = str(caught.value)
    assert "4 samples" in message and "'Brain_WT_1'" in message and "'QC_01'" in message
    assert "analyze_samples" in message


@pytest.mark.slow
def test_the_alignment_read_from_the_header_on_takes_every_numeric_column_as_a_sample():
    frame = pd.read_csv(ALIGNMENT, sep="\t", skiprows=4)
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith(("WT", "KO", "QC."))])
    frame = frame.drop(columns=["QC"])
    export = ganglioside.read_export(frame)
    assert export.sample_names == ("Brain_WT_1", "Brain_WT_2", "Brain_KO_1", "QC_01")
    assert export.samples["QC_01"].metadata == {}


def test_the_peak_list_is_one_sample_named_after_its_file():
    export = ganglioside.read_export(PEAK_LIST)
    assert export.format == "MS-DIAL peak list"
    assert export.sample_names == ("msdial_peaklist_Brain_WT_1",)
    frame = export.frame()
    assert frame["Name"].tolist() == [
        "GM3 36:1;O2",
        "GD1(36:1;O2)",
        "w/o MS2: GD3 36:1;O2",
        "GT1 36:1;O2",
    ]
    assert frame["RT"].tolist() == ["8.728", "9.411", "10.002", "8.699"]
    assert frame["Volume"].tolist() == ["321001", "530011", "20040", "56300110"]
    assert export.n_not_annotated == 1 and export.n_other_classes == 1
    assert {"Height", "MS/MS matched", "Total score", "Adduct"} <= set(frame.columns)


@pytest.mark.slow
def test_a_single_sample_export_is_analysed_without_naming_the_sample():
    result = ganglioside.analyze(PEAK_LIST)
    assert len(result.compounds) == 4
    assert result.summary["input"]["format"] == "MS-DIAL peak list"
    assert result.summary["input"]["sample"] == "msdial_peaklist_Brain_WT_1"
