"""The output files beyond the report: fragments.csv, the streamed CSV and workbook, Parquet,
the output registry, and the imports each output needs."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from ganglioside.report import (
    DEFAULT_OUTPUTS,
    OUTPUTS,
    compounds_csv,
    parse_outputs,
    summary_json,
    write_all,
)
from ganglioside.report.parquet import parquet_bytes, write_parquet
from ganglioside.report.summary_json import MAX_LISTED_ROWS, row_warnings
from ganglioside.report.tables import write_compounds_csv
from ganglioside.report.workbook import EXCEL_MAX_ROWS, SHEETS, write_workbook
from tests.conftest import FORMULA_NAME, build_analysis, build_compounds

# -- the registry ------------------------------------------------------------------------------


def test_the_default_outputs_are_the_light_set():
    assert DEFAULT_OUTPUTS == ("csv", "fragments", "json", "html")
    assert list(OUTPUTS) == ["csv", "fragments", "json", "xlsx", "parquet", "html", "pdf"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("csv", ("csv",)),
        ("HTML, csv", ("csv", "html")),
        ("all", ("csv", "fragments", "json", "xlsx", "parquet", "html", "pdf")),
        ("default,xlsx", ("csv", "fragments", "json", "xlsx", "html")),
    ],
)
def test_parse_outputs_reads_names_in_the_order_they_are_written(text, expected):
    assert parse_outputs(text) == expected


def test_parse_outputs_names_the_unknown_output():
    with pytest.raises(ValueError, match="unknown output 'docx' in --outputs"):
        parse_outputs("csv,docx")


def test_every_output_has_a_media_type_a_writer_and_a_renderer():
    import importlib

    for output in OUTPUTS.values():
        assert "/" in output.media_type, output.name
        module = importlib.import_module(output.module, "ganglioside.report")
        assert callable(getattr(module, output.writer)), output.name
        assert callable(getattr(module, output.renderer)), output.name


@pytest.mark.slow
def test_the_pdf_report_is_an_output(small_analysis, tmp_path):
    paths = write_all(small_analysis, tmp_path / "out", outputs=("pdf",))
    assert list(paths) == ["report.pdf"]
    assert paths["report.pdf"].read_bytes().startswith(b"%PDF-")


def test_a_failed_writer_leaves_no_file_behind(small_analysis, tmp_path, monkeypatch):
    from ganglioside.report import tables

    def broken(analysis, path, progress=None):
        path.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(tables, "write_compounds_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_all(small_analysis, tmp_path, outputs=("csv",))
    assert list(tmp_path.iterdir()) == []


# -- CSV files ---------------------------------------------------------------------------------


def test_the_csv_written_in_blocks_is_the_text_of_compounds_csv(small_analysis, tmp_path):
    calls = []
    path = write_compounds_csv(
        small_analysis, tmp_path / "c.csv", progress=lambda *a: calls.append(a), block_rows=2
    )
    assert path.read_bytes() == compounds_csv(small_analysis).encode("utf-8")
    assert [c[0] for c in calls] == [2 / 9, 4 / 9, 6 / 9, 8 / 9, 1.0]
    assert calls[-1][1] == "9 of 9 rows"


def test_an_empty_table_still_gets_its_header(tmp_path):
    analysis = build_analysis(build_compounds().iloc[0:0])
    path = write_compounds_csv(analysis, tmp_path / "c.csv", block_rows=2)
    assert path.read_text(encoding="utf-8") == compounds_csv(analysis)
    assert path.read_text(encoding="utf-8").startswith("row,name,")


# -- summary.json ------------------------------------------------------------------------------


def test_row_warnings_count_each_code_and_list_the_first_rows():
    compounds = pd.DataFrame(
        {
            "row": range(1, 31),
            "warnings": ["extrapolated;track_inferred", "", "track_inferred"] * 10,
        }
    )
    counts = row_warnings(compounds)
    assert counts["extrapolated"] == {"rows": 10, "first_rows": list(range(1, 31, 3))}
    assert counts["track_inferred"]["rows"] == 20
    assert len(counts["track_inferred"]["first_rows"]) == MAX_LISTED_ROWS
    assert counts["track_inferred"]["first_rows"][:3] == [1, 3, 4]
    assert list(counts) == ["extrapolated", "track_inferred"]


@pytest.mark.slow
def test_summary_json_does_not_grow_with_the_number_of_rows(sample_analysis, large_analysis):
    small = json.loads(summary_json(sample_analysis))
    large = json.loads(summary_json(large_analysis))
    assert large["counts"]["total"] == 40 * small["counts"]["total"]
    assert large["fragments"]["events"] == len(large_analysis.fragments) > 1000
    codes = [set(str(w).split(";")) for w in large_analysis.compounds["warnings"]]
    for code, entry in large["row_warnings"].items():
        assert entry["rows"] == sum(code in c for c in codes) > 0
        assert len(entry["first_rows"]) <= MAX_LISTED_ROWS
    # No list grows with the rows: the longest ones are per model, group or ceramide.
    assert max(_list_lengths(large)) < 100 < len(large_analysis.compounds)
    assert len(summary_json(large_analysis)) < 50_000


def _list_lengths(value) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _list_lengths(v)]
    if isinstance(value, list):
        return [len(value), *(n for v in value for n in _list_lengths(v))]
    return [0]


# -- workbook.xlsx -----------------------------------------------------------------------------


def _records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.slow
def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets(small_analysis, tmp_path):
    # A sheet of 4 rows holds a header and 3 compounds: the 9 compounds need 3 sheets.
    path = write_workbook(small_analysis, tmp_path / "w.xlsx", max_rows=4)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Compounds", "Compounds (2)", "Compounds (3)"]
    assert [n for n in book.sheetnames if "(" not in n] == list(SHEETS)
    assert "Categories (2)" in book.sheetnames  # every long table is split the same way
    parts = [_records(book[name]) for name in book.sheetnames[:3]]
    assert [len(p) for p in parts] == [3, 3, 3]
    assert [r["row"] for p in parts for r in p] == list(range(1, 10))
    for name in book.sheetnames[:3]:
        assert book[name].freeze_panes == "A2" and book[name]["A1"].font.bold
    assert [r["name"] for r in parts[2]][1] == "'" + FORMULA_NAME  # row 8, neutralised
    summary = [r for n in book.sheetnames if n.startswith("Summary") for r in _records(book[n])]
    notes = {r["key"]: r["value"] for r in summary if r["key"].startswith("note")}
    assert notes["note.1"] == (
        "Compounds has 9 rows, more than one Excel sheet holds (3 below the header): "
        "rows 1–3 in 'Compounds'; rows 4–6 in 'Compounds (2)'; rows 7–9 in 'Compounds (3)'"
    )


@pytest.mark.slow
def test_a_table_that_fits_stays_on_one_sheet_at_excels_limit(small_analysis, tmp_path):
    assert EXCEL_MAX_ROWS == 1_048_576
    book = openpyxl.load_workbook(write_workbook(small_analysis, tmp_path / "w.xlsx"))
    assert book.sheetnames == list(SHEETS)
    assert not any(str(r["key"]).startswith("note") for r in _records(book["Summary"]))


def test_the_workbook_refuses_a_sheet_without_room_for_a_row(small_analysis, tmp_path):
    with pytest.raises(ValueError, match="max_rows must be at least 2"):
        write_workbook(small_analysis, tmp_path / "w.xlsx", max_rows=1)


@pytest.mark.slow
def test_the_workbook_reports_progress_by_rows(small_analysis, tmp_path):
    calls = []
    write_workbook(small_analysis, tmp_path / "w.xlsx", progress=lambda *a: calls.append(a))
    assert calls and calls[-1][0] == 1.0


# -- compounds.parquet -------------------------------------------------------------------------


@pytest.mark.slow
def test_parquet_keeps_values_and_types_without_spreadsheet_quoting(small_analysis, tmp_path):
    back = pd.read_parquet(write_parquet(small_analysis, tmp_path / "c.parquet"))
    original = small_analysis.compounds
    assert list(back.columns) == list(original.columns)
    assert back.loc[back["row"] == 8, "name"].item() == FORMULA_NAME  # as analysed
    assert back["is_anchor"].dtype == bool
    pd.testing.assert_series_equal(back["log_p"], original["log_p"])
    assert pd.read_parquet(io.BytesIO(parquet_bytes(small_analysis))).equals(back)


@pytest.mark.slow
def test_parquet_writes_a_column_of_mixed_types_as_text(tmp_path):
    compounds = build_compounds()
    compounds["Comment"] = [1, "two", 3.5, None, "x", 6, "7", 8, "=9"]
    back = pd.read_parquet(write_parquet(build_analysis(compounds), tmp_path / "c.parquet"))
    assert back["Comment"].tolist()[:3] == ["1", "two", "3.5"]
    assert back["Comment"].isna().tolist()[3]


@pytest.mark.slow
def test_parquet_records_the_software_version(small_analysis, tmp_path):
    import pyarrow.parquet as pq

    import ganglioside

    path = write_parquet(small_analysis, tmp_path / "c.parquet")
    metadata = pq.read_schema(path).metadata
    assert metadata[b"ganglioside.version"].decode() == ganglioside.__version__
    assert metadata[b"ganglioside.source"].decode() == "hand_built.csv"


# -- imports -----------------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    heavy = ("plotly", "xlsxwriter", "openpyxl", "pyarrow.parquet", "matplotlib")
    probe = code + f"\nimport sys\nprint(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    return set(filter(None, out.stdout.rstrip("\n").split("\n")[-1].split(",")))


@pytest.mark.slow
def test_the_command_and_the_report_package_load_no_writer_up_front():
    code = "import ganglioside, ganglioside.cli\nfrom ganglioside.report import write_all, OUTPUTS"
    assert _modules_after(code) == set()


@pytest.mark.slow
def test_each_output_loads_only_its_own_writer(sample_csv, tmp_path):
    code = (
        "from ganglioside import cli\n"
        f"assert cli.main(['analyze', {str(sample_csv)!r}, '-o', {str(tmp_path)!r}, "
        "'--outputs', 'csv,fragments,json,parquet']) == 0"
    )
    assert _modules_after(code) == {"pyarrow.parquet"}


@pytest.mark.slow
def test_the_pdf_output_loads_matplotlib_and_no_other_writer(sample_csv, tmp_path):
    code = (
        "from ganglioside import cli\n"
        f"assert cli.main(['analyze', {str(sample_csv)!r}, '-o', {str(tmp_path)!r}, "
        "'--outputs', 'csv,pdf']) == 0"
    )
    assert _modules_after(code) == {"matplotlib"}
