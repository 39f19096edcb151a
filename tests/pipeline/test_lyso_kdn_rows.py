"""Lyso and KDN rows in a whole analysis: a lyso row gets its one-chain formula, its own RT
group, no Log P estimate from two-chain increments and no implausible-composition flag; a KDN
row is refused with a reason naming KDN, never read as another species."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.names import composition_frame
from ganglioside.rules.mass_evidence import ion_mz
from ganglioside.rules.plausibility import composition_words
from tests.paths import EXPORTS
from tests.rows import clean_series, table

LYSO = ("GM3(d18:1)", "lyso-GM1 d18:1")


def _with(df: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def _row(result, name: str) -> pd.Series:
    c = result.compounds
    return c[c["name"] == name].iloc[0]


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return table(clean_series("GM3") + clean_series("GD3", anchors=3))


@pytest.fixture(scope="module")
def with_lyso(base):
    extra = [{"Name": n, "RT": 3.0 + i, "Volume": 2e5, "Anchor": "F"} for i, n in enumerate(LYSO)]
    return analyze(_with(base, extra))


def test_lyso_rows_get_the_one_chain_formula_and_a_group_of_their_own(with_lyso):
    gm3 = _row(with_lyso, "GM3(d18:1)")
    assert gm3["formula"] == "C41H74N2O20"  # sphingosine + NeuAc + 2 Hex (as linked)
    assert gm3["ceramide"] == "18:1;O2/0:0" and gm3["group_key"] == "lyso-GM3"
    assert gm3["species"] == "GM3 18:1;O2/0:0"
    gm1 = _row(with_lyso, "lyso-GM1 d18:1")
    assert gm1["formula"] == "C55H97N3O30" and gm1["group_key"] == "lyso-GM1"
    for row in (gm3, gm1):
        assert "implausible_composition" not in row["warnings"]


def test_a_lyso_row_without_log_p_is_unverified_not_estimated(with_lyso, base):
    for name in LYSO:
        row = _row(with_lyso, name)
        assert row["log_p_source"] == "missing" and pd.isna(row["log_p_expected"])
        assert row["status"] == "unverified"
        assert row["identification_level"] == 4
    assert any("lyso row(s)" in w and "no Log P" in w for w in with_lyso.warnings)
    # the two-chain rows are judged exactly as without the lyso rows
    alone = analyze(base).compounds
    n = len(alone)
    assert with_lyso.compounds["status"].iloc[:n].tolist() == alone["status"].tolist()
    assert with_lyso.compounds["log_p"].iloc[:n].tolist() == alone["log_p"].tolist()


def test_a_lyso_row_with_a_log_p_is_not_judged_by_the_two_chain_composition_line(base):
    """Its group has no anchor, so only the composition-level model reaches it; that model,
    built on two-chain groups, would call it an outlier by extrapolation."""
    df = _with(
        base, [{"Name": "GM3(d18:1)", "RT": 3.0, "Volume": 2e5, "Log P": -2.0, "Anchor": "F"}]
    )
    row = _row(analyze(df), "GM3(d18:1)")
    assert row["log_p_source"] == "given" and row["model_level"] == "composition"
    assert row["status"] == "unverified" and row["identification_level"] == 4
    assert "cannot check a one-chain species" in row["reasons"]


def test_a_lyso_rows_measured_ion_fits_its_one_chain_formula(base):
    mass = composition_frame(["GM3(d18:1)"]).loc["GM3(d18:1)", "mass"]
    df = _with(base, [{"Name": "GM3(d18:1)", "RT": 3.0, "Volume": 2e5, "Anchor": "F"}])
    df["Average Mz"] = [
        ion_mz(m, "[M-H]-") for m in composition_frame(df["Name"]).loc[df["Name"], "mass"]
    ]
    df["Adduct type"] = "[M-H]-"
    df["MS/MS spectrum"] = ""
    df.loc[df.index[-1], "MS/MS spectrum"] = (
        f"290.0881:100 {ion_mz(mass, '[M-H]-') - 291.0954:.4f}:40"
    )
    row = _row(analyze(df), "GM3(d18:1)")
    assert abs(row["mz_error_ppm"]) < 0.5 and "mz:pass" in row["evidence"]
    assert "NeuAc B-H2O" in row["ms2_evidence"] and "-neuac" in row["ms2_evidence"]


def test_a_lyso_name_on_no_sphingoid_base_is_flagged_in_words(base):
    df = _with(
        base, [{"Name": "GM3(d14:3)", "RT": 3.0, "Volume": 2e5, "Log P": 0.5, "Anchor": "F"}]
    )
    result = analyze(df)
    row = _row(result, "GM3(d14:3)")
    assert row["ceramide"] == "14:3;O2/0:0"
    assert "implausible_composition" in row["warnings"]
    assert row["identification_level"] >= 4
    assert composition_words(14, 3, lyso=True) == (
        "lyso form on a 14:3 chain: a sphingoid base has 16-22 carbons and at most 2 double bonds"
    )


def test_a_lyso_name_without_a_chain_is_read_on_sphingosine_with_a_warning(base):
    df = _with(base, [{"Name": "LysoGM1", "RT": 3.0, "Volume": 2e5, "Anchor": "F"}])
    result = analyze(df)
    assert _row(result, "LysoGM1")["ceramide"] == "18:1;O2/0:0"
    assert any("'LysoGM1'" in w and "d18:1 (sphingosine)" in w for w in result.warnings)


@pytest.mark.parametrize(
    "name", ["KDN-GM1(d18:1/18:0)", "(KDN, Neu5Ac)GD1a(d18:1/18:0)", "GM3(KDN) 36:1;O2"]
)
def test_a_kdn_row_is_refused_with_a_reason_naming_kdn(base, name):
    result = analyze(
        _with(base, [{"Name": name, "RT": 8.0, "Volume": 1e5, "Log P": 2.0, "Anchor": "F"}])
    )
    row = _row(result, name)
    assert row["status"] == "invalid"
    assert "KDN (deaminoneuraminic acid" in row["reasons"]
    assert row["identification_level"] == 5
    assert pd.isna(row["mass"])  # no formula: nothing read as another species


# -- an MS-DIAL-like export with hand-written rows ---------------------------------------------


def _msdial_with(tmp_path, rows: list[dict[str, str]]):
    """The bundled MS-DIAL 5 alignment test file with ``rows`` appended (cells by column
    name, the rest copied from the GD1 34:1 row: its sample areas, scores and spectrum)."""
    lines = (EXPORTS / "msdial5_alignment_prefixes.txt").read_text().splitlines()
    header = lines[4].split("\t")
    template = next(line for line in lines[5:] if "\tGD1 34:1;O2\t" in line).split("\t")
    for i, cells in enumerate(rows):
        new = list(template)
        new[0] = str(900 + i)
        for column, value in cells.items():
            new[header.index(column)] = value
        lines.append("\t".join(new))
    path = tmp_path / "msdial_hand_rows.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _ion(name: str) -> float:
    return ion_mz(float(composition_frame([name]).loc[name, "mass"]), "[M-H]-")


@pytest.mark.slow
def test_an_msdial_export_reads_a_lyso_row_and_an_msms_artefact(tmp_path):
    parent_mz = 1807.93042  # GD1 34:1;O2's [M-H]- in the file, at 7.588 min
    path = _msdial_with(
        tmp_path,
        [
            {
                "Metabolite name": "GM1 18:1;O2/0:0",
                "Average Mz": f"{_ion('GM1(d18:1/0:0)'):.5f}",
                "Average Rt(min)": "3.100",
                "MS/MS spectrum": "290.08810 500 1278.60841 40",
            },
            {
                # a cluster ion the library named as a ganglioside: its MS/MS is GD1 34:1's ion
                "Metabolite name": "GD1 40:9;O2",
                "Average Mz": f"{_ion('GD1(40:9;O2)'):.5f}",
                "Average Rt(min)": "7.598",
                "MS/MS spectrum": f"290.08810 100 {parent_mz + 0.003:.5f} 900",
            },
        ],
    )
    result = analyze(path, sample="WT_1")
    c = result.compounds
    lyso = c[c["name"] == "GM1 18:1;O2/0:0"].iloc[0]
    assert lyso["formula"] == "C55H97N3O30" and lyso["group_key"] == "lyso-GM1"
    assert abs(lyso["mz_error_ppm"]) < 1 and "implausible_composition" not in lyso["warnings"]
    assert lyso["status"] == "unverified"  # no Log P in an MS-DIAL export, none estimated
    artefact = c[c["name"] == "GD1 40:9;O2"].iloc[0]
    parent = c[c["name"] == "GD1 34:1;O2"].iloc[0]
    assert artefact["status"] == "fragment" and artefact["artefact_of"] == parent["row"]
    assert "MS/MS artefact" in artefact["reasons"]
