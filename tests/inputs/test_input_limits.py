"""Hostile inputs in the core: bounded messages, limits on size, control characters, tiny RT."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

import ganglioside
from ganglioside import cli
from ganglioside.errors import InputError, NameSyntaxError, bounded, excerpt
from ganglioside.inputs import read_table
from ganglioside.inputs.checks import Problems, check_names, check_rt, problem_text
from ganglioside.inputs.files import ReadLimits, check_upload, read_cells

SAMPLE = Path(ganglioside.__file__).parent / "data" / "measured_sample.csv"
GOOD_ROWS = SAMPLE.read_text().splitlines()[1:40]


def _table(tmp_path: Path, rows: list[str], name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("Name,RT,Volume,Log P,Anchor\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb_xlsx(cell_chars: int) -> bytes:
    """A small workbook whose one Name cell holds ``cell_chars`` characters (an inline string
    written into the sheet XML: openpyxl itself stops at Excel's 32,767)."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["Name", "RT", "Volume"]])))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>RT</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>Volume</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>GD1(36:1;O2)'
        + "A"
        * cell_chars
        + "</t></is></c>"
        '<c r="B2"><v>9.1</v></c><c r="C2"><v>100</v></c></row>'
        "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = (
                sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            )
            archive.writestr(item.filename, data)
    return out.getvalue()


# -- messages quote excerpts -------------------------------------------------------------------


def test_an_excerpt_keeps_the_start_and_says_how_much_was_left_out():
    assert excerpt("short") == "short"
    text = excerpt("x" * 5_000_000)
    assert text.startswith("x" * 80) and "4,999,920 characters" in text
    assert len(text) < 120


def test_a_bounded_message_keeps_its_head_and_its_tail():
    message = "start " + "y" * 100_000 + " expected a name"
    cut = bounded(message, 300)
    assert cut.startswith("start ") and cut.endswith("expected a name") and len(cut) < 400


def test_an_input_error_quoting_a_huge_value_stays_short():
    error = InputError("m" * 10_000, file="f" * 1000, column="c" * 1000, value="v" * 10**7)
    assert len(str(error)) < 3000
    assert len(error.to_dict()["value"]) < 120
    assert InputError("bad", value=12.5).to_dict()["value"] == "12.5"


def test_a_name_syntax_error_quoting_a_huge_name_stays_short():
    assert len(str(NameSyntaxError(f"got {'n' * 10**6!r}"))) <= 500


def test_a_row_problem_quotes_an_excerpt_of_its_value():
    assert len(problem_text("rt", "9" * 10**6, "not a number")) < 200


# -- limits ------------------------------------------------------------------------------------


def test_a_huge_name_cell_marks_its_row_invalid_and_is_cut(tmp_path):
    path = _table(tmp_path, [*GOOD_ROWS, "GD1(36:1;O2)" + "A" * 5_000_000 + ",9.1,100,,F"])
    table = read_table(path)
    problem = table.problems.iat[-1]
    assert "5,000,012 characters" in problem and len(problem) < 600
    assert len(str(table.frame["name"].iat[-1])) < 1100
    assert all(len(w) < 3000 for w in table.warnings)


def test_the_command_line_prints_a_short_line_for_a_huge_cell(tmp_path, capsys):
    path = _table(tmp_path, ["GD1(36:1;O2)" + "A" * 5_000_000 + ",9.1,100,,F"])
    code = cli.main(["analyze", str(path), "-o", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code != 0
    assert len(out) + len(err) < 5000
    assert "5,000,012 characters" in err


def test_ten_thousand_columns_are_refused_before_pandas_reads_them(tmp_path):
    header = ",".join(["Name", "RT", "Volume", *[f"c{i}" for i in range(10_000)]])
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + "GD1(36:1;O2),9,1" + ",0" * 10_000 + "\n")
    with pytest.raises(InputError, match="10,003 columns; at most 1,000") as caught:
        read_cells(path)
    assert len(str(caught.value)) < 400


def test_rows_over_the_limit_are_refused(tmp_path):
    path = _table(tmp_path, GOOD_ROWS)
    with pytest.raises(InputError, match="more than 10 data rows"):
        read_cells(path, limits=ReadLimits(max_rows=10))
    assert len(read_cells(path, limits=ReadLimits(max_rows=len(GOOD_ROWS))).cells) == 39


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_unread(tmp_path):
    content = bomb_xlsx(3_000_000)
    assert len(content) < 100_000  # a small file holding megabytes of XML
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(content)
    limits = ReadLimits(max_unpacked_mb=1)
    with pytest.raises(InputError, match="unpacks to 3 MB of XML; at most 1 MB"):
        read_cells(path, limits=limits)
    with pytest.raises(InputError, match="unpacks to"):
        check_upload(content, "bomb.xlsx", limits=limits)


def test_a_workbook_row_limit_stops_reading(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(_xlsx([["Name", "RT", "Volume"]] + [["GD1(36:1;O2)", 9.0, 1]] * 30))
    with pytest.raises(InputError, match="more than 10 data rows"):
        read_cells(path, limits=ReadLimits(max_rows=10))


def test_a_zip_that_is_no_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="not an Excel workbook"):
        check_upload(buffer.getvalue(), "t.xlsx")


def test_the_limits_come_from_the_environment():
    limits = ReadLimits.from_environ(
        {"GANGLIOSIDE_MAX_ROWS": "5", "GANGLIOSIDE_MAX_UNPACKED_MB": "2.5"}
    )
    assert (limits.max_rows, limits.max_unpacked_mb, limits.max_columns) == (5, 2.5, 1000)
    with pytest.raises(ValueError, match="GANGLIOSIDE_MAX_COLUMNS"):
        ReadLimits.from_environ({"GANGLIOSIDE_MAX_COLUMNS": "0"})


def test_the_upload_checks_are_cheap_and_hand_back_a_head_to_preview():
    sample = SAMPLE.read_bytes()
    assert check_upload(sample, "measured_sample.csv") == sample  # small: previewed whole
    big = b"Name,RT,Volume\n" + b"GD1(36:1;O2),9.1,100\n" * 30_000
    head = check_upload(big, "big.csv")
    assert head is not None and len(head) <= 256 * 1024 and head.endswith(b"\n")
    assert check_upload(b"Name,RT,Volume\n" + b"x" * 300_000 + b",9,1\n", "long.csv") is None
    with pytest.raises(InputError, match="lines; at most 11"):
        check_upload(big, "s.csv", limits=ReadLimits(max_rows=10))
    with pytest.raises(InputError, match="binary data"):
        check_upload(b"\x00\x01" * 100, "s.csv")
    # Windows-1252 is read (with a warning when analysed), not refused at the upload
    latin = "Name,RT\né,1\n".encode("latin-1")
    assert check_upload(latin, "s.csv") == latin
    book = _xlsx([["Name", "RT", "Volume"], ["GD1(36:1;O2)", 9.1, 100]])
    assert check_upload(book, "b.xlsx") is None  # a workbook is read by the worker
    with pytest.raises(InputError, match="3 columns; at most 2"):
        check_upload(book, "b.xlsx", limits=ReadLimits(max_columns=2))


# -- control characters and tiny retention times ------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\n", "\x1b[31m", "\x7f", "\x85"])
def test_a_control_character_in_a_name_marks_the_row_invalid(bad):
    import pandas as pd

    problems = Problems(2)
    check_names(pd.Series(["GD1(36:1;O2)", f"GD1(36:1{bad};O2)"], dtype=object), problems)
    found = problems.per_row()
    assert found.iat[0] == "" and "control character" in found.iat[1]


def test_a_nul_byte_after_the_first_4_kb_makes_its_row_invalid(tmp_path):
    rows = [*GOOD_ROWS] * 4 + ["GD1(36:1;O2)\x00x,9.1,100,,F"]
    path = _table(tmp_path, rows)
    assert path.read_bytes().index(b"\x00") > 4096
    result = ganglioside.analyze(path)
    last = result.compounds.iloc[-1]
    assert last["status"] == "invalid" and "control character" in last["reasons"]


def test_a_subnormal_retention_time_is_out_of_range():
    import pandas as pd

    problems = Problems(3)
    check_rt(pd.Series(["1e-320", "0.001", "0.01"]), problems, max_rt=120.0)
    found = problems.per_row()
    assert "out of range" in found.iat[0] and "out of range" in found.iat[1]
    assert found.iat[2] == ""
