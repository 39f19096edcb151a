"""The name parser, composition, formula and mass."""

from __future__ import annotations

import pytest

from ganglioside.errors import NameSyntaxError
from ganglioside.names import composition_frame, parse_name


def test_it_gives_gm3_the_formula_and_mass_of_the_design():
    frame = composition_frame(["GM3(36:1;O2)"])
    row = frame.loc["GM3(36:1;O2)"]
    assert row["formula"] == "C59H108N2O21"
    assert row["mass"] == pytest.approx(1180.7445, abs=1e-4)
    assert row["mz_h"] == pytest.approx(1180.7445 - 1.00728, abs=1e-4)
    assert row["mz_2h"] == pytest.approx((1180.7445 - 2 * 1.00728) / 2, abs=1e-4)


def test_it_adds_modifications_to_the_formula():
    frame = composition_frame(["GD1(36:1;O2)", "GD1+OAc(36:1;O2)", "GD1+dHex+OAc(36:1;O2)"])
    base = frame.loc["GD1(36:1;O2)", "mass"]
    assert frame.loc["GD1+OAc(36:1;O2)", "mass"] - base == pytest.approx(42.0106, abs=1e-3)
    assert frame.loc["GD1+dHex+OAc(36:1;O2)", "mass"] - base == pytest.approx(
        42.0106 + 146.0579, abs=1e-3
    )


def test_modification_order_does_not_matter():
    a = parse_name("GD1+OAc+dHex(36:1;O2)")
    b = parse_name("GD1+dHex+OAc(36:1;O2)")
    assert a.group_key == b.group_key == "GD1+dHex+OAc"


def test_it_reads_fuc_as_dhex_and_counts():
    p = parse_name("GQ1+2OAc+Fuc(38:1;O2)")
    assert p.oac == 2 and p.dhex == 1
    assert p.group_key == "GQ1+dHex+2OAc"


@pytest.mark.parametrize(
    ("name", "sugars", "category"),
    [
        ("GM1(36:1;O2)", 5, "GM"),
        ("GM4(36:1;O2)", 2, "GM"),
        ("GD3(36:1;O2)", 4, "GD"),
        ("GT1(36:1;O2)", 7, "GT"),
        ("GA1(36:1;O2)", 4, "GA"),
        ("GP1(36:1;O2)", 9, "GP"),
        ("GD1+OAc(36:1;O2)", 6, "GD"),
        ("GD1+HexNAc+dHex(36:1;O2)", 8, "GD"),
    ],
)
def test_it_counts_sugars_and_names_the_category(name, sugars, category):
    p = parse_name(name)
    assert p.sugar_count == sugars
    assert p.category == category


def test_an_isomer_letter_changes_the_group_but_not_the_formula():
    frame = composition_frame(["GD1a(36:1;O2)", "GD1(36:1;O2)", "GQ1bα(36:1;O2)"])
    assert frame.loc["GD1a(36:1;O2)", "group_key"] == "GD1a"
    assert frame.loc["GD1a(36:1;O2)", "formula"] == frame.loc["GD1(36:1;O2)", "formula"]
    assert frame.loc["GQ1bα(36:1;O2)", "isomer"] == "bα"


def test_it_reads_the_d_and_t_ceramide_prefixes():
    assert parse_name("GM1(d36:1)").oxygens == 2
    assert parse_name("GM1(t36:1)").oxygens == 3


@pytest.mark.parametrize(
    "name",
    ["GD1", "GX1(36:1;O2)", "GD1(36:1;O2", "GD1+(36:1;O2)", "GD1(361;O2)", "", "GD1(36:1)"],
)
def test_it_rejects_malformed_names_with_the_expected_form(name):
    with pytest.raises(NameSyntaxError, match="GD1"):
        parse_name(name)


def test_an_unknown_modification_is_an_error_that_names_it():
    with pytest.raises(NameSyntaxError, match=r"\+XYZ"):
        parse_name("GD1+XYZ(36:1;O2)")


def test_a_frame_keeps_unparseable_names_with_their_error():
    frame = composition_frame(["GD1(36:1;O2)", "junk"])
    assert frame.loc["junk", "parse_error"]
    assert frame.loc["GD1(36:1;O2)", "parse_error"] == ""


@pytest.mark.parametrize(
    ("name", "ceramide"),
    [
        ("GM3(d18:1/18:0)", "36:1;O2"),
        ("GM3(18:1;O2/18:0)", "36:1;O2"),
        ("GM3(d18:1/18:0;O)", "36:1;O3"),
        ("GM3(t18:0/18:0)", "36:0;O3"),
        ("GD1(36:1;2O)", "36:1;O2"),
    ],
)
def test_it_sums_molecular_species_ceramides(name, ceramide):
    assert parse_name(name).ceramide == ceramide
