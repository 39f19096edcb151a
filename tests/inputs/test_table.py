"""Reading tables: formats, columns, row checks and whole-file errors."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

from ganglioside import InputError
from ganglioside.inputs import read_table

GOOD = "Name,RT,Volume,Log P,Anchor\nGD1(36:1;O2),9.144,100,1.53,T\nGM1(36:1;O2),10.1,50,4.0,F\n"


def write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_it_reads_a_csv_with_a_byte_order_mark(tmp_path):
    table = read_table(write(tmp_path, "\ufeff" + GOOD))
    assert list(table.frame["name"]) == ["GD1(36:1;O2)", "GM1(36:1;O2)"]
    assert list(table.frame["row"]) == [1, 2]
    assert list(table.frame["is_anchor"]) == [True, False]
    assert (table.problems == "").all()


def test_it_reads_tsv_and_semicolon_files(tmp_path):
    tsv = read_table(write(tmp_path, GOOD.replace(",", "\t"), "t.tsv"))
    quoted = GOOD.replace(",", ";").replace("GD1(36:1;O2)", '"GD1(36:1;O2)"')
    semi = read_table(write(tmp_path, quoted.replace("GM1(36:1;O2)", '"GM1(36:1;O2)"'), "t.txt"))
    assert tsv.frame["rt"].tolist() == semi.frame["rt"].tolist() == [9.144, 10.1]


def test_it_reads_xlsx(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "RT", "Volume", "Log P", "Anchor"])
    ws.append(["GD1(36:1;O2)", 9.144, 100, -0.94, True])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.frame.loc[0, "log_p"] == -0.94
    assert bool(table.frame.loc[0, "is_anchor"])


def test_it_matches_column_names_loosely_and_keeps_extra_columns(tmp_path):
    text = "name, rt ,VOLUME,log_p,anchor,Sample\nGD1(36:1;O2),9.1,1,1.5,yes,S1\n"
    table = read_table(write(tmp_path, text))
    assert table.frame.loc[0, "Sample"] == "S1"
    assert bool(table.frame.loc[0, "is_anchor"])


def test_log_p_and_anchor_are_optional(tmp_path):
    table = read_table(write(tmp_path, "Name,RT,Volume\nGD1(36:1;O2),9.1,1\n"))
    assert table.frame["log_p"].isna().all()
    assert not table.frame["is_anchor"].any()


def test_it_rejects_a_file_without_rt_column(tmp_path):
    with pytest.raises(InputError, match="RT") as err:
        read_table(write(tmp_path, "Name,Volume\nGD1(36:1;O2),1\n"))
    assert err.value.file == "t.csv"


def test_it_rejects_duplicated_columns(tmp_path):
    with pytest.raises(InputError, match="RT"):
        read_table(write(tmp_path, "Name,RT,RT,Volume\nGD1(36:1;O2),1,2,3\n"))
    with pytest.raises(InputError, match="more than once"):
        read_table(write(tmp_path, "Name,RT,Volume,x,x\nGD1(36:1;O2),1,2,3,4\n"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("Name,RT,Volume\n", "no data rows"),
        (b"\x00\x01\x02binary", "not a text table"),
    ],
)
def test_it_rejects_unusable_files_with_a_clear_message(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_table(write(tmp_path, content))


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_bad_rows_are_kept_with_a_reason_naming_row_column_and_value(tmp_path):
    text = (
        "Name,RT,Volume,Log P,Anchor\n"
        "GD1(36:1;O2),abc,1,1.5,T\n"
        "GD1(36:1;O2),-2,1,1.5,F\n"
        "GD1(36:1;O2),9,-5,1.5,F\n"
        "GD1(36:1;O2),9,5,1.5,maybe\n"
        "GD1(36:1;O2),9,5,1.5,F\n"
    )
    table = read_table(write(tmp_path, text))
    problems = table.problems.tolist()
    assert "'RT'" in problems[0] and "'abc'" in problems[0] and "not a number" in problems[0]
    assert "'RT'" in problems[1] and "out of range" in problems[1]
    assert "'Volume'" in problems[2] and "-5" in problems[2]
    assert "'Anchor'" in problems[3] and "maybe" in problems[3]
    assert problems[4] == ""
    assert "row 1" in table.warnings[0]


def test_a_file_where_every_row_is_bad_is_a_whole_file_error(tmp_path):
    with pytest.raises(InputError, match="no usable row"):
        read_table(write(tmp_path, "Name,RT,Volume\nA,x,1\nB,y,2\n"))


def test_it_takes_a_dataframe_and_leaves_it_unchanged():
    df = pd.DataFrame({"Name": ["GD1(36:1;O2)"], "RT": [9.1], "Volume": [5], "Anchor": ["T"]})
    before = df.copy()
    table = read_table(df)
    assert table.source == "<DataFrame>"
    pd.testing.assert_frame_equal(df, before)
