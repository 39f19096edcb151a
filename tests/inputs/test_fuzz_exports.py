"""Fuzzing the writers: generated tables (arbitrary Unicode names and extra columns, control and
full-width characters, NaN/inf/huge numbers, line endings and encodings) pushed through reading,
``analyze`` and every writer.

Asserted for each example: a result or a clear error (a :class:`GangliosideError`, never "This
is a bug"); every CSV/TSV well-formed (read back by Python's ``csv`` module to the same number
of rows and the same values, neutralised); no text cell of any table export (CSV, TSV, XLSX,
mzTab-M) that a spreadsheet would run as a formula; the PDF written whatever the names hold.

The normal run tries a few hundred examples;
``pytest -m long_fuzz tests/inputs/test_fuzz_exports.py`` runs the same properties with
thousands (see ``SLOW_EXAMPLES``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganglioside import AnalysisResult, GangliosideError, analyze, report
from ganglioside.report.safe import is_formula, neutralise, table_text
from ganglioside.studies import mztab

pytestmark = pytest.mark.slow

#: Examples per property in the normal run, and under the ``slow`` marker.
FAST_EXAMPLES = {"table": 300, "analyze": 40, "pdf": 6}
SLOW_EXAMPLES = {"table": 5000, "analyze": 1000, "pdf": 100}

#: Characters a user file may hold that matter to a writer or a spreadsheet.
AWKWARD = "=+-@\t\r\n,;\"'$^{}_\\<>&|%\x00\x01\x0b\x0c\x1b\x7f\x85\u2028\u3000＝＠＋－﹦\ufeff"
TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(AWKWARD), st.characters(codec="utf-8")), max_size=16
)
NAMES = st.one_of(
    st.sampled_from(
        [
            "GD1(36:1;O2)",
            "GM1(38:1;O2)",
            "GT1+OAc(36:1;O2)",
            "GM3(d36:1)",
            "GM3 $x^{2$ (36:1;O2)",
            '＝HYPERLINK("http://x")',
            "\r=1+1",
            "GD1(36:1;O2)\n=2",
        ]
    ),
    TEXT,
)
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=40),
    st.sampled_from([1e308, -1e308, 5e-324, 0.0]),
)
ENDINGS = ("\n", "\r\n", "\r")  # CR alone: old Mac exports
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le")  # utf-16-le: no BOM


def _settings(kind: str, slow: bool) -> settings:
    examples = (SLOW_EXAMPLES if slow else FAST_EXAMPLES)[kind]
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _read_back(text: str, sep: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


def _cell(value: object) -> str | None:
    """What a text cell must read back as (``None`` for cells not checked: numbers, missing)."""
    if isinstance(value, str):
        return str(neutralise(value))
    return None


def check_table_text(frame: pd.DataFrame, text: str, sep: str) -> None:
    """``text`` is ``frame`` well-formed: same rows and columns, text cells the same
    (neutralised), no cell a spreadsheet would run."""
    rows = _read_back(text, sep)
    assert len(rows) == len(frame) + 1
    assert rows[0] == [str(neutralise(str(c))) for c in frame.columns]
    for i, line in enumerate(rows[1:]):
        assert len(line) == frame.shape[1]
        for j, value in enumerate(frame.iloc[i]):
            expected = _cell(value)
            if expected is not None:
                assert line[j] == expected
            if isinstance(value, str):
                assert not is_formula(line[j]), line[j]


FRAMES = st.lists(st.tuples(TEXT, TEXT, NUMBERS), min_size=0, max_size=6).flatmap(
    lambda rows: st.tuples(st.just(rows), st.lists(TEXT, min_size=3, max_size=3, unique=True))
)


def _frame(rows: list[tuple[str, str, float]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            columns[0]: pd.Series([r[0] for r in rows], dtype=object),
            columns[1]: pd.Series([r[1] for r in rows], dtype="category"),
            columns[2]: pd.Series([r[2] for r in rows], dtype=float),
        }
    )


def _table_property(data: tuple[list[tuple[str, str, float]], list[str]]) -> None:
    frame = _frame(*data)
    for sep in (",", "\t"):
        check_table_text(frame, table_text(frame, sep=sep), sep)


@given(FRAMES)
@_settings("table", slow=False)
def test_every_table_text_reads_back_quoted_and_neutralised(data):
    _table_property(data)


@pytest.mark.long_fuzz
@given(FRAMES)
@_settings("table", slow=True)
def test_every_table_text_reads_back_quoted_and_neutralised_thousands(data):
    _table_property(data)


def _mztab_property(value: str) -> None:
    cell = mztab._value(value)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", cell)
    assert not is_formula(cell)


@given(TEXT)
@_settings("table", slow=False)
def test_mztab_cells_hold_no_field_or_line_break_and_no_formula(value):
    _mztab_property(value)


@pytest.mark.long_fuzz
@given(TEXT)
@_settings("table", slow=True)
def test_mztab_cells_hold_no_field_or_line_break_and_no_formula_thousands(value):
    _mztab_property(value)


# -- whole tables through reading, analyze and every writer ---------------------------------------

ROWS = st.lists(
    st.tuples(NAMES, NUMBERS, NUMBERS, NUMBERS, st.sampled_from(["T", "F", "", "yes"]), TEXT),
    min_size=1,
    max_size=8,
)
EXTRA_NAME = st.one_of(st.sampled_from(["Note", "=cmd", "＠x", "a\rb", "c,d"]), TEXT)


def _csv_line(cells: tuple[object, ...] | list[object], ending: str) -> str:
    """One CSV line as RFC 4180 writes it: a cell holding a comma, a quote, a CR or an LF is
    quoted.  (Python's csv writer quotes only the characters of its own line terminator, so
    with CR endings it would leave an LF bare: a row break to every reader.)"""
    texts = []
    for value in cells:
        text = "" if value is None else str(value)
        if any(char in text for char in ',"\r\n'):
            text = '"' + text.replace('"', '""') + '"'
        texts.append(text)
    return ",".join(texts) + ending


def _input_bytes(rows: list[tuple[object, ...]], extra: str, ending: str, encoding: str) -> bytes:
    lines = [_csv_line(["Name", "RT", "Volume", "Log P", "Anchor", extra], ending)]
    lines += [_csv_line(row, ending) for row in rows]
    return "".join(lines).encode(encoding, errors="surrogatepass")


def _analyze_or_error(source: Path | pd.DataFrame) -> AnalysisResult | None:
    try:
        return analyze(source)
    except GangliosideError as exc:
        assert "This is a bug" not in str(exc)
        assert str(exc).strip()
        return None


def _check_workbook(path: Path) -> None:
    book = openpyxl.load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not is_formula(cell.value), (sheet.title, cell.coordinate)


def _check_outputs(result: AnalysisResult, folder: Path) -> None:
    written = report.write_all(result, folder, outputs=("csv", "xlsx", "json", "html"))
    with written["compounds.csv"].open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    compounds = result.compounds
    texts = {
        c: object for c in compounds.columns if not pd.api.types.is_numeric_dtype(compounds[c])
    }
    check_table_text(compounds.astype(texts), text, ",")
    _check_workbook(written["workbook.xlsx"])
    json.loads(written["summary.json"].read_text(encoding="utf-8"))
    page = written["report.html"].read_text(encoding="utf-8")
    for name in result.compounds["name"].astype(str):
        if "<" in name:
            assert name not in page


def _analyze_property(tmp: Path, rows, extra, ending, encoding) -> None:
    path = tmp / "table.csv"
    # cells as generated: line breaks inside a quoted cell are well-formed CSV (RFC 4180)
    path.write_bytes(_input_bytes(rows, extra, ending, encoding))
    for source in (path, _as_frame(rows, extra)):
        result = _analyze_or_error(source)
        if result is None:
            continue
        assert len(result.compounds) == len(rows)
        _check_outputs(result, tmp / ("out_file" if source is path else "out_frame"))


def _as_frame(rows: list[tuple[object, ...]], extra: str) -> pd.DataFrame | Path:
    columns = ["Name", "RT", "Volume", "Log P", "Anchor", extra]
    if extra in columns[:-1]:
        columns[-1] = extra + "_"
    return pd.DataFrame([list(r) for r in rows], columns=columns)


ANALYZE_ARGS = (ROWS, EXTRA_NAME, st.sampled_from(ENDINGS), st.sampled_from(ENCODINGS))


@given(*ANALYZE_ARGS)
@_settings("analyze", slow=False)
def test_generated_tables_give_a_result_or_a_clear_error_and_safe_exports(
    tmp_path_factory, rows, extra, ending, encoding
):
    _analyze_property(tmp_path_factory.mktemp("fuzz"), rows, extra, ending, encoding)


@pytest.mark.long_fuzz
@given(*ANALYZE_ARGS)
@_settings("analyze", slow=True)
def test_generated_tables_give_a_result_or_a_clear_error_and_safe_exports_thousands(
    tmp_path_factory, rows, extra, ending, encoding
):
    _analyze_property(tmp_path_factory.mktemp("fuzz"), rows, extra, ending, encoding)


def _pdf_property(tmp: Path, names: list[str]) -> None:
    frame = pd.DataFrame(
        {
            "Name": ["GD1(36:1;O2)", "GD1(38:1;O2)", *names],
            "RT": [7.5, 8.6, *np.linspace(7, 9, len(names))],
            "Volume": 1e5,
            "Log P": [1.0, 2.0, *np.linspace(1, 2, len(names))],
            "Anchor": ["T", "T", *["F"] * len(names)],
        }
    )
    result = analyze(frame)
    path = report.write_all(result, tmp, outputs=("pdf",))["report.pdf"]
    assert path.read_bytes().startswith(b"%PDF-")


@given(st.lists(NAMES, min_size=1, max_size=4))
@_settings("pdf", slow=False)
def test_the_pdf_is_written_whatever_the_names_hold(tmp_path_factory, names):
    _pdf_property(tmp_path_factory.mktemp("pdf"), names)


@pytest.mark.long_fuzz
@given(st.lists(NAMES, min_size=1, max_size=4))
@_settings("pdf", slow=True)
def test_the_pdf_is_written_whatever_the_names_hold_hundreds(tmp_path_factory, names):
    _pdf_property(tmp_path_factory.mktemp("pdf"), names)
