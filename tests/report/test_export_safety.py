"""The writers' defects of the reliability pass, one test each: a bare CR in a text column, a
full-width formula, a ``$`` in a name for the PDF, mzTab-M cells, study tables and an absurd
Log P."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import ganglioside
from ganglioside import report
from ganglioside.report.safe import is_formula, neutralise, table_text
from ganglioside.studies import mztab
from tests.paths import PACKAGE_DATA

SAMPLE = PACKAGE_DATA / "measured_sample.csv"
DOLLAR_NAME = "GM3 $x^{2$ (36:1;O2)"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture(scope="module")
def hostile_result() -> ganglioside.AnalysisResult:
    table = pd.read_csv(SAMPLE)
    table["Note"] = "x"
    extra = pd.DataFrame(
        {
            "Name": [DOLLAR_NAME, "GD1(36:1;O2)", "GD1(36:1;O2)"],
            "RT": [8.1, 8.2, 8.3],
            "Volume": [1000, 1000, 1000],
            "Log P": [1.2, 0.5, 0.5],
            "Anchor": ["F", "F", "F"],
            "Note": ["\r=1+1", '＝HYPERLINK("http://x")', 'a,"b"\nc'],
        }
    )
    return ganglioside.analyze(pd.concat([table, extra], ignore_index=True))


def test_a_bare_cr_in_a_text_column_is_quoted_and_neutralised(hostile_result):
    text = report.compounds_csv(hostile_result)
    assert '"\'\r=1+1"' in text  # quoted: a reader sees one field, a spreadsheet one row
    rows = _rows(text)
    assert len(rows) == len(hostile_result.compounds) + 1
    notes = [r[-1] for r in rows[1:]]
    assert notes[-3:] == ["'\r=1+1", '\'＝HYPERLINK("http://x")', 'a,"b"\nc']
    # pandas reads the file back to the same values, row for row
    back = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    assert back["Note"].tolist()[-3:] == notes[-3:]


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ('＝HYPERLINK("http://evil")', True),
        ("＠SUM(A1)", True),
        ("＋1+1", True),
        ("﹦1", True),
        ("\r=1+1", True),
        ("  =1", True),
        ("\x01\x02@x", True),
        ("\u3000=1", True),
        ("\ufeff=1", True),
        ("-0.5", False),
        (" -2e5", False),
        ("－1", False),  # a full-width plain number is a number
        ("GD1(36:1;O2)", False),
        ("'=1", False),
        ("a=1", False),
    ],
)
def test_formulas_are_found_after_blanks_controls_and_nfkc(cell, formula):
    assert is_formula(cell) is formula
    assert neutralise(cell) == ("'" + cell if formula else cell)


def test_the_workbook_neutralises_full_width_and_cr_led_formulas(hostile_result, tmp_path):
    path = report.write_all(hostile_result, tmp_path, outputs=("xlsx",))["workbook.xlsx"]
    sheet = openpyxl.load_workbook(path, read_only=True)["Compounds"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Note")
    notes = [r[column] for r in rows[-3:]]
    # the CR is stored as the XML escape _x000D_ (Excel shows a CR), after the quote
    assert notes[0] in ("'\r=1+1", "'_x000D_=1+1")
    assert notes[1] == '\'＝HYPERLINK("http://x")'


@pytest.mark.slow
def test_a_dollar_in_a_name_does_not_crash_the_pdf(hostile_result, tmp_path):
    assert DOLLAR_NAME in set(hostile_result.compounds["name"].astype(str))
    path = report.write_all(hostile_result, tmp_path, outputs=("pdf",))["report.pdf"]
    assert path.read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_the_command_writes_the_pdf_of_a_dollar_name(tmp_path):
    table = SAMPLE.read_text(encoding="utf-8") + f'"{DOLLAR_NAME}",8.1,1000,1.2,F\n'
    (tmp_path / "t.csv").write_text(table, encoding="utf-8")
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("ganglioside")),
            "analyze",
            "t.csv",
            "--outputs",
            "pdf",
            "-o",
            "out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "This is a bug" not in done.stderr
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF-")


def test_every_study_table_quotes_line_breaks_and_neutralises():
    frame = pd.DataFrame(
        {"name": ["\r=1", "a\rb", "c\nd", "e,f", "＠x"], "q_value": [0.1, 0.2, None, 1e-300, 1]}
    )
    for sep in (",", "\t"):
        text = table_text(frame, sep=sep)
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        assert [r[0] for r in rows[1:]] == ["'\r=1", "a\rb", "c\nd", "e,f", "'＠x"]


@pytest.mark.parametrize("value", ["a\tb", "a\rb", "a\nb", "a\x0bb", "a\u2028b", "a\x85b"])
def test_mztab_cells_keep_one_line_and_one_field(value):
    assert mztab._value(value) == "a b"


def test_mztab_cells_are_neutralised():
    assert mztab._value("=1+1") == "'=1+1"
    assert mztab._value("＠SUM(1)") == "'＠SUM(1)"


def test_a_huge_log_p_makes_the_row_invalid_not_a_crash():
    table = pd.read_csv(SAMPLE)
    table.loc[0, "Log P"] = 1e308
    result = ganglioside.analyze(table)
    first = result.compounds.iloc[0]
    assert first["status"] == "invalid"
    assert "Log P" in str(first["reasons"]) or "log_p" in str(first["reasons"])
