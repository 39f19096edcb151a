"""The design table of a study: what it holds, and every problem named before anything runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ganglioside.errors import InputError
from ganglioside.studies import DesignError, read_design


def _tables(folder: Path, names: list[str]) -> None:
    for name in names:
        (folder / name).write_text("Name,RT,Volume\nGM3(36:1;O2),10.0,100\n", encoding="utf-8")


def _design(folder: Path, text: str) -> Path:
    path = folder / "design.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_design_is_read_with_paths_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    _tables(tmp_path / "runs", ["a.csv", "b.csv", "c.csv", "d.csv"])
    path = _design(
        tmp_path,
        "sample,file,group,batch,injection_order,replicate_of,tissue\n"
        "A,runs/a.csv,control,B1,3,,brain\n"
        "B,runs/b.csv,control,B1,1,,brain\n"
        "C,runs/c.csv,disease,B2,2,,liver\n"
        "D,runs/d.csv,disease,B2,4,,liver\n",
    )
    design = read_design(path)
    assert design.names == ("A", "B", "C", "D")
    assert design.groups == ("control", "disease")
    assert design.samples[0].source == tmp_path / "runs" / "a.csv"
    assert design.samples[0].injection_order == 3.0
    assert design.samples[2].extra == {"tissue": "liver"}
    assert list(design.frame()["tissue"]) == ["brain", "brain", "liver", "liver"]


def test_every_problem_is_listed_with_its_row_column_and_value(tmp_path: Path) -> None:
    _tables(tmp_path, ["a.csv", "b.csv", "c.csv"])
    path = _design(
        tmp_path,
        "sample,file,group,injection_order,replicate_of\n"
        "A,a.csv,control,1,\n"
        "A,b.csv,control,2,\n"
        "C,missing.csv,disease,x,\n"
        "D,c.csv,disease,4,Z\n",
    )
    with pytest.raises(DesignError) as caught:
        read_design(path)
    problems = {(p.row, p.column): p for p in caught.value.problems}
    assert problems[(2, "sample")].value == "A"
    assert "listed twice" in problems[(2, "sample")].message
    assert problems[(3, "file")].value == "missing.csv"
    assert "does not exist" in problems[(3, "file")].message
    assert problems[(3, "injection_order")].value == "x"
    assert problems[(4, "replicate_of")].value == "Z"
    # control has one distinct sample (A twice): too small to compare
    assert any(p.column == "group" and p.value == "control" for p in caught.value.problems)
    text = str(caught.value)
    assert "file design.csv, row 3, column 'file', value 'missing.csv'" in text
    assert isinstance(caught.value, InputError)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _design(tmp_path, "sample,table\nA,a.csv\n")
    with pytest.raises(DesignError) as caught:
        read_design(path)
    columns = {p.column for p in caught.value.problems}
    assert columns == {"file", "group"}
    assert "found: sample, table" in str(caught.value)


def test_a_group_with_one_sample_and_a_design_with_one_group_are_refused(tmp_path: Path) -> None:
    _tables(tmp_path, ["a.csv", "b.csv", "c.csv"])
    path = _design(tmp_path, "sample,file,group\nA,a.csv,x\nB,b.csv,x\nC,c.csv,y\n")
    with pytest.raises(DesignError, match="group has 1 sample"):
        read_design(path)
    path = _design(tmp_path, "sample,file,group\nA,a.csv,x\nB,b.csv,x\n")
    with pytest.raises(DesignError, match="one group"):
        read_design(path)


def test_replicates_count_once_and_must_stay_in_their_group(tmp_path: Path) -> None:
    _tables(tmp_path, ["a.csv", "b.csv", "c.csv", "d.csv", "e.csv"])
    path = _design(
        tmp_path,
        "sample,file,group,replicate_of\n"
        "A,a.csv,x,\nA2,b.csv,x,A\nC,c.csv,y,\nD,d.csv,y,\nE,e.csv,y,A\n",
    )
    with pytest.raises(DesignError) as caught:
        read_design(path)
    messages = [p.message for p in caught.value.problems]
    assert any("group has 1 sample" in m for m in messages)  # A and its replicate: one sample
    assert any("in the group of its sample" in m for m in messages)  # E is in y, A in x


def test_unknown_export_samples_and_unsafe_names(tmp_path: Path) -> None:
    export = tmp_path / "export.txt"
    export.write_text("x", encoding="utf-8")
    frame = pd.DataFrame({"sample": ["S1", "S2", "S3", "../x"], "group": ["a", "a", "b", "b"]})
    with pytest.raises(DesignError) as caught:
        read_design(frame, export=export, export_samples=["S1", "S2", "S3"])
    values = {(p.column, p.value) for p in caught.value.problems}
    assert ("sample", "../x") in values  # refused as a folder name and unknown to the export


def test_rows_sharing_a_file_take_their_sample_from_it(tmp_path: Path) -> None:
    _tables(tmp_path, ["all.csv", "own.csv"])
    path = _design(
        tmp_path,
        "sample,file,group\nS1,all.csv,a\nS2,all.csv,a\nS3,all.csv,b\nS4,own.csv,b\n",
    )
    design = read_design(path)
    assert [s.export_sample for s in design.samples] == ["S1", "S2", "S3", None]


def test_tables_in_memory_need_no_file() -> None:
    frame = pd.DataFrame({"sample": ["a", "b", "c", "d"], "group": ["x", "x", "y", "y"]})
    design = read_design(frame, in_memory=["a", "b", "c", "d"])
    assert all(s.source is None for s in design.samples)
