"""Names from LIPID MAPS, HMDB, SwissLipids, MS-DIAL, Calico and SphingolipidsID that were not
read before (issue 19), each read as the species it names, or refused with the reason."""

from __future__ import annotations

import pytest

import ganglioside
from ganglioside.errors import NameSyntaxError
from ganglioside.names import parse_name
from ganglioside.names.ceramide import base_assumed


@pytest.mark.parametrize(
    ("name", "species", "composition"),
    [
        # HMDB: double-bond position before the fatty acyl chain
        ("Ganglioside GM3 (d18:1/9Z-18:1)", "GM3 36:2;O2", {"neuac": 1, "hex": 2}),
        ("Ganglioside GD1a (d18:1/11Z,14Z-20:2)", "GD1a 38:3;O2", {"neuac": 2, "hexnac": 1}),
        # a remark in parentheses after the chains
        ("GM3 16:1;O2/16:0 (qualifier)", "GM3 32:1;O2", {"neuac": 1}),
        # hyphen between the chains
        ("GD1a d18:1-20:0", "GD1a 38:1;O2", {"neuac": 2, "hex": 3}),
        # branched and extended glycans before the core
        ("Gal(Fuc)-GD1b(d18:1/18:0)", "GD1b+Hex+dHex 36:1;O2", {"hex": 4, "dhex": 1}),
        ("Fuc(Gal)-GM1(d18:1/18:0)", "GM1+Hex+dHex 36:1;O2", {"hex": 4, "dhex": 1}),
        ("Lex-GM1(d18:1/18:0)", "GM1+Hex+HexNAc+dHex 36:1;O2", {"hexnac": 2, "dhex": 1}),
        (
            "NeuGc-LacNAc-GM1(NeuGc)(d18:1/18:0)",
            "GM1(NeuGc)+NeuGc+Hex+HexNAc 36:1;O2",
            {"neuac": 0, "neugc": 2, "hex": 4, "hexnac": 2},
        ),
        # Calico: Ac before the core is an O-acetyl
        ("AcGM3(d18:1/18:0)", "GM3+OAc 36:1;O2", {"oac": 1}),
        ("AcGD1a(d18:1/18:0)", "GD1a+OAc 36:1;O2", {"oac": 1, "neuac": 2}),
        # HMDB without the base letter: read as d18:1 (with a warning in an analysis)
        ("Ganglioside GM3 (18:1/16:0)", "GM3 34:1;O2", {"oxygens": 2}),
    ],
)
def test_names_of_the_public_notations_are_read(name, species, composition):
    parsed = parse_name(name)
    assert parsed.species == species
    for field, value in composition.items():
        assert getattr(parsed, field) == value, field


@pytest.mark.parametrize("name", ["KDN-GM1(d18:1/18:0)", "(KDN, Neu5Ac)GD1a(d18:1/18:0)"])
def test_kdn_species_are_refused_naming_kdn(name):
    with pytest.raises(NameSyntaxError, match=r"KDN .deaminoneuraminic acid"):
        parse_name(name)


def test_an_internal_standard_label_is_not_taken_for_a_remark():
    parsed = parse_name("GM3 (d18:1/16:0) (ISTD)")
    assert parsed.is_internal_standard and parsed.species == "GM3 34:1;O2"


@pytest.mark.parametrize(
    ("name", "assumed"),
    [
        ("Ganglioside GM3 (18:1/16:0)", True),
        ("GM3 18:1_16:0", True),
        ("GM3(d18:1/16:0)", False),
        ("GM3 18:1;O2/16:0", False),
        ("GM3 36:1;O2", False),
    ],
)
def test_a_base_only_implied_is_noticed(name, assumed):
    assert base_assumed(name) is assumed


def test_an_analysis_warns_when_it_assumes_the_base(tmp_path):
    path = tmp_path / "hmdb.csv"
    path.write_text(
        "Name,RT,Volume\n"
        "Ganglioside GM3 (18:1/16:0),8.1,100\n"
        "GM3(d18:1/20:0),9.6,100\n"
        "GD1a(d18:1/18:0),9.4,300\n"
        "GD1a(d18:1/20:0),10.2,300\n"
    )
    result = ganglioside.analyze(path)
    warning = next(w for w in result.warnings if "sphingoid base" in w)
    assert "1 name(s)" in warning and "'Ganglioside GM3 (18:1/16:0)'" in warning
    assert "d18:1" in warning
