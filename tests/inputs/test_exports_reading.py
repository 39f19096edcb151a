"""Reading the files of exports: separators, decimal commas, rows above the header."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

import ganglioside
from ganglioside import InputError
from ganglioside.inputs import read_table
from ganglioside.inputs.checks import Problems, check_rt
from ganglioside.inputs.decimals import is_decimal_comma_column, to_decimal_points
from ganglioside.inputs.files import count_separators, read_cells, sniff_separator
from tests.paths import EXPORTS

SAMPLE = Path(ganglioside.__file__).parent / "data" / "measured_sample.csv"


# -- separators ---------------------------------------------------------------------------------


def test_separators_inside_brackets_and_quotes_are_not_counted():
    assert count_separators("GD1(36:1;O2);9,5;100", ";") == 2
    assert count_separators('"a;b";[x;y];c', ";") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name,RT,Volume\nGD1(36:1;O2),9.5,100\nGM3(36:1;O2),8.7,50\n", ","),
        # the ';' inside the names is not a separator
        ("Name,RT\nGD1(36:1;O2),9.5\nGD3(36:1;O2),10.1\n", ","),
        # European: ';' between columns, decimal commas in every data row
        ("Name;RT;Volume;Log P\nGD1(36:1;O2);9,5;100;1,2\nGM3(36:1;O2);8,7;50;7,7\n", ";"),
        ("Name\tRT\tVolume\nGM3 36:1;O2\t8.7\t50\nGD1 36:1;O2\t9.5\t100\n", "\t"),
        # a preamble line does not decide
        ("Job\tgangliosides\nName;RT;Volume\nGD1;9,5;1\nGM3;8,7;2\nGD3;10,1;3\n", ";"),
        ("Name\nGD1(36:1;O2)\n", ","),
    ],
)
def test_the_separator_is_the_one_every_line_agrees_on(text, expected):
    assert sniff_separator(text) == expected


@pytest.mark.slow
def test_a_semicolon_file_with_unquoted_semicolons_in_brackets_is_read():
    raw = read_cells(EXPORTS / "table_semicolon_decimal_comma.csv")
    assert raw.separator == ";" and raw.decimal == ","
    assert raw.header == ["Name", "RT", "Volume", "Log P", "Anchor"]
    assert raw.cells.iloc[0].tolist() == ["GD1(34:1;O2)", "7.588", "530172", "0.44", "T"]


@pytest.mark.slow
def test_the_european_table_gives_the_same_results_as_the_original_rows(tmp_path):
    original = pd.read_csv(SAMPLE).iloc[:40]
    european = analyze_rows(EXPORTS / "table_semicolon_decimal_comma.csv")
    plain = tmp_path / "plain.csv"
    original.to_csv(plain, index=False)
    expected = analyze_rows(plain)
    pd.testing.assert_frame_equal(european, expected)


def analyze_rows(path: Path) -> pd.DataFrame:
    result = ganglioside.analyze(path)
    return result.compounds[["name", "rt", "volume", "log_p", "status"]].astype(
        {"name": str, "status": str}
    )


# -- decimal commas -----------------------------------------------------------------------------


def test_a_column_of_decimal_comma_numbers_is_recognised_and_rewritten():
    cells = pd.Series(["9,5", "1.234,5", "12", "#N/A", "", "-0,25"], dtype=object)
    assert is_decimal_comma_column(cells)
    assert to_decimal_points(cells).tolist() == ["9.5", "1234.5", "12", "#N/A", "", "-0.25"]


@pytest.mark.parametrize(
    "cells",
    [
        ["9.5", "8,7"],  # a point decimal next to a comma: not one notation
        ["12", "14"],  # no comma at all
        ["GD1(36:1;O2)", "9,5"],  # not every cell a number
    ],
)
def test_a_column_is_left_alone_unless_it_is_clearly_decimal_comma(cells):
    assert not is_decimal_comma_column(pd.Series(cells, dtype=object))


def test_a_comma_separated_file_keeps_its_cells_and_a_decimal_comma_cell_gets_a_hint(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text('Name,RT,Volume\nGD1(36:1;O2),"9,5",100\nGM3(36:1;O2),8.7,50\n', "utf-8")
    table = read_table(path)
    assert table.problems[0] == (
        "column 'RT', value '9,5': not a number (decimal comma? write 9.5 with a point, or "
        "save the file with ';' between columns); expected a retention time in minutes"
    )
    assert table.problems[1] == ""


def test_the_hint_is_only_given_to_cells_that_look_like_decimal_commas():
    problems = Problems(3)
    check_rt(pd.Series(["abc", "9,5", "9.5"]), problems, max_rt=120.0)
    texts = problems.per_row().tolist()
    assert "decimal comma?" not in texts[0] and "not a number" in texts[0]
    assert "decimal comma?" in texts[1]
    assert texts[2] == ""


# -- rows above the header ----------------------------------------------------------------------


@pytest.mark.slow
def test_metadata_rows_above_an_export_header_are_kept_apart():
    raw = read_cells(EXPORTS / "msdial_alignment_area.txt", find_header=ganglioside_header)
    assert raw.header_line == 5 and raw.header[0] == "Alignment ID"
    assert [row[34] for row in raw.above] == ["Class", "File type", "Injection order", "Batch ID"]
    assert len(raw.cells) == 14


def ganglioside_header(top):
    from ganglioside.inputs.formats import find_header

    return find_header(top)


def test_a_plain_table_is_read_from_its_first_line_as_before():
    raw = read_cells(SAMPLE, find_header=ganglioside_header)
    assert raw.header_line == 1 and raw.above == () and len(raw.cells) == 323


@pytest.mark.slow
def test_an_export_saved_as_a_workbook_is_read_with_its_metadata_rows(tmp_path):
    text = (EXPORTS / "msdial_alignment_area.txt").read_text("utf-8").splitlines()
    book = Workbook()
    sheet = book.active
    for line in text:
        sheet.append([_number_or_text(cell) for cell in line.split("\t")])
    path = tmp_path / "alignment.xlsx"
    book.save(path)
    export = ganglioside.read_export(path)
    assert export.format == "MS-DIAL alignment"
    assert export.sample_names == ("Brain_WT_1", "Brain_WT_2", "Brain_KO_1", "QC_01")
    assert export.samples["QC_01"].metadata["File type"] == "QC"
    frame = export.frame("Brain_KO_1")
    gt1 = frame.loc[frame["Name"] == "GT1(36:1;O2)"]
    assert float(gt1["Volume"].item()) == 51200300


def _number_or_text(cell: str) -> object:
    try:
        return float(cell)
    except ValueError:
        return cell or None


def test_a_dataframe_can_name_itself_in_messages():
    frame = pd.DataFrame({"Name": ["GD1(36:1;O2)"], "RT": ["x"], "Volume": [1]})
    frame.attrs["source"] = "my table"
    with pytest.raises(InputError, match="my table"):
        read_table(frame)


def test_reading_says_how_the_file_was_read():
    export = ganglioside.read_export(EXPORTS / "skyline_report_de.csv")
    assert dict(export.reading) == {
        "separator": ";",
        "decimal": ",",
        "header_line": 1,
        "rows_above_header": 0,
        "encoding": "utf-8",
    }
    volumes = export.frame("Brain_WT_1")["Volume"].astype(float)
    assert np.isclose(volumes.iloc[0], 321971.2)


def test_an_msdial_alignment_saved_as_csv_is_read_like_the_tab_file(tmp_path):
    rows = [
        line.split("\t")
        for line in (EXPORTS / "msdial_alignment_area.txt").read_text("utf-8").splitlines()
    ]
    path = tmp_path / "alignment.csv"
    pd.DataFrame(rows).to_csv(path, header=False, index=False)  # quotes the cells with commas
    tab = ganglioside.read_export(EXPORTS / "msdial_alignment_area.txt")
    comma = ganglioside.read_export(path)
    assert comma.reading["separator"] == ","
    assert comma.sample_names == tab.sample_names
    pd.testing.assert_frame_equal(comma.frame("QC_01"), tab.frame("QC_01"))


def test_a_lipidsearch_csv_with_a_preamble_is_found_below_it(tmp_path):
    text = (EXPORTS / "lipidsearch4_alignment.txt").read_text("utf-8").replace("\t", ",")
    path = tmp_path / "lipidsearch.csv"
    path.write_text(text, "utf-8")
    export = ganglioside.read_export(path)
    assert export.format == "LipidSearch" and export.reading["header_line"] == 7
    assert export.samples["s2"].metadata == {"file": "Brain_KO_1.raw"}
