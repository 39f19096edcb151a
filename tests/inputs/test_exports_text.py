"""Text as spreadsheets and instruments write it: encodings, line endings, quoted line breaks,
NUL bytes in a name, and messages that quote a bounded excerpt of a huge header."""

from __future__ import annotations

from pathlib import Path

import pytest

import ganglioside
from ganglioside import cli
from ganglioside.errors import InputError
from ganglioside.inputs.files import (
    ReadLimits,
    check_upload,
    cut_long_cells,
    decode_text,
    read_cells,
)
from ganglioside.inputs.formats import find_header

SAMPLE = Path(ganglioside.__file__).parent / "data" / "measured_sample.csv"
TEXT = SAMPLE.read_text(encoding="utf-8")
N_ROWS = len(TEXT.strip().splitlines()) - 1


def _names(result: ganglioside.AnalysisResult) -> list[str]:
    return result.compounds["name"].astype(str).tolist()


@pytest.fixture(scope="module")
def reference() -> ganglioside.AnalysisResult:
    return ganglioside.analyze(SAMPLE)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
    ],
)
def test_utf8_and_utf16_with_or_without_a_bom_give_the_same_result(
    tmp_path, reference, encoding, bom
):
    path = tmp_path / "t.csv"
    path.write_bytes(bom + TEXT.encode(encoding))
    result = ganglioside.analyze(path)
    assert _names(result) == _names(reference)
    assert result.compounds["status"].tolist() == reference.compounds["status"].tolist()
    assert not any("UTF-8" in w for w in result.warnings)


def test_windows_1252_is_read_with_a_warning_naming_the_first_byte(tmp_path):
    # a no-break space (0xa0) in a column the analysis never reads, far down the file
    lines = TEXT.strip().splitlines()
    lines[0] += ",SubClassKey"
    lines[1:] = [f"{line},x\xa0y" if i == 30 else f"{line},xy" for i, line in enumerate(lines[1:])]
    path = tmp_path / "ls.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    result = ganglioside.analyze(path)
    assert len(result.compounds) == N_ROWS
    warning = next(w for w in result.warnings if "not UTF-8" in w)
    assert "bytes a0" in warning and "line 32" in warning and "Windows-1252" in warning
    assert result.compounds["SubClassKey"].iat[30] == "x\xa0y"
    assert result.summary["input"]["encoding"] == "Windows-1252"


def test_decoding_names_the_encoding_and_refuses_only_binary_data():
    assert decode_text("GM3,é".encode("cp1252"), "f").encoding == "Windows-1252"
    assert decode_text(b"GM3,\x81x", "f").encoding == "Latin-1"  # 0x81: undefined in 1252
    assert decode_text("Name\nGM3".encode("utf-16-le"), "f").text == "Name\nGM3"
    for binary in (b"\x00\x01\x02\x03" * 50, b"\x1f\x8b\x08\x00rest", b"%PDF-1.7\n..."):
        with pytest.raises(InputError, match="binary data"):
            decode_text(binary, "f")


def test_old_mac_line_endings_are_read(tmp_path, reference):
    path = tmp_path / "mac.csv"
    path.write_bytes(TEXT.replace("\n", "\r").encode())
    assert _names(ganglioside.analyze(path)) == _names(reference)
    assert check_upload(path.read_bytes(), "mac.csv") is not None


def test_old_mac_line_endings_reach_the_command_line(tmp_path, capsys):
    path = tmp_path / "mac.csv"
    path.write_bytes(TEXT.replace("\n", "\r").encode())
    assert cli.main(["analyze", str(path), "-o", str(tmp_path / "out"), "--outputs", "csv"]) == 0
    assert f"{N_ROWS} rows" in capsys.readouterr().out


def test_a_quoted_line_break_is_a_cell_not_a_row_even_above_an_export_header(tmp_path):
    header = "Alignment ID\tAverage Rt(min)\tAverage Mz\tMetabolite name\tOntology\tS1\tS2"
    text = (
        '\t\t\t\t"File\ntype"\tSample\tSample\n'  # a metadata label holding a line break
        f"{header}\n"
        '1\t9.4\t917.5\t"GD1 36:1;O2\n(second line)"\tGD1\t100\t200\n'
        "2\t8.7\t1179.7\tGM3 36:1;O2\tGM3\t300\t400\n"
    )
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    raw = read_cells(path, find_header=find_header)
    assert raw.header_line == 2 and raw.header[0] == "Alignment ID"
    assert raw.cells.iloc[:, 3].tolist() == ["GD1 36:1;O2\n(second line)", "GM3 36:1;O2"]
    export = ganglioside.read_export(path)
    assert export.sample_names == ("S1", "S2")


def test_a_quoted_line_break_in_a_plain_table_marks_only_its_row(tmp_path):
    lines = TEXT.strip().splitlines()
    name, rest = lines[3].split(",", 1)
    lines[3] = f'"{name}\nx",{rest}'
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ganglioside.analyze(path)
    assert len(result.compounds) == N_ROWS
    assert result.compounds["status"].iat[2] == "invalid"
    assert "control character" in result.compounds["reasons"].iat[2]


def test_nul_bytes_in_a_name_make_that_row_invalid_not_the_file(tmp_path):
    lines = TEXT.strip().splitlines()
    lines[2] = lines[2].replace("(", "\x00(", 1)
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.read_bytes().index(b"\x00") < 4096
    result = ganglioside.analyze(path)
    assert len(result.compounds) == N_ROWS
    assert result.compounds["status"].iat[1] == "invalid"
    assert (result.compounds["status"] != "invalid").sum() > N_ROWS // 2


def test_a_huge_header_is_quoted_as_a_short_excerpt(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text("Metabolite," + "H" * 2_000_000 + ",Area\nGM3(36:1;O2),1,2\n")
    code = cli.main(["analyze", str(path), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "HHHH" in err and len(err) < 1_000, len(err)


def test_a_huge_cell_is_cut_before_the_table_is_parsed(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("Name,RT,Volume\nGD1(36:1;O2)" + "A" * 50_000 + ",9.1,100\nGM3(36:1;O2),8,2\n")
    raw = read_cells(path, limits=ReadLimits(max_cell_chars=100))
    cell = raw.cells.iat[0, 0]
    assert cell.startswith("GD1(36:1;O2)AAA") and cell.endswith("… (+49903 characters)")
    assert raw.cells.iloc[:, 1].tolist() == ["9.1", "8"]


def test_cutting_long_cells_keeps_separators_quotes_and_other_cells():
    text = 'a;"' + "x" * 30 + '";b\n' + "é" * 25 + "\tc"
    assert cut_long_cells(text, 10) == (
        'a;"xxxxxxxxxx… (+20 characters)";b\néééééééééé… (+15 characters)\tc'
    )
    assert cut_long_cells("a,b\n1,2\n", 10) == "a,b\n1,2\n"
