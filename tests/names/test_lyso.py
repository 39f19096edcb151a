"""Lyso-gangliosides (the glycan on a sphingoid base, no N-acyl chain) are read as one chain:
the base's carbons, its formula without the amide's acyl, a group and ceramide key of their
own; the formula is checked against molmass and pygoslin."""

from __future__ import annotations

import pytest
from molmass import Formula

from ganglioside.errors import NameSyntaxError
from ganglioside.names import RESIDUE_FORMULA, composition_frame, parse_name
from ganglioside.names.formula import goslin_parse

SPHINGOSINE = "C18H37NO2"  # d18:1, 2-amino-4-octadecene-1,3-diol
# the glycan residues of each core (NeuAc, Hex, HexNAc counts), as linked (water lost)
GLYCAN = {"GM3": (1, 2, 0), "GM2": (1, 2, 1), "GM1": (1, 3, 1), "GD1": (2, 3, 1)}


def lyso_formula(core: str, base: str = SPHINGOSINE) -> str:
    """molmass's sum of the base and the core's residues (the expected formula)."""
    neuac, hexose, hexnac = GLYCAN[core]
    parts = [base] + [RESIDUE_FORMULA["NeuAc"]] * neuac + [RESIDUE_FORMULA["Hex"]] * hexose
    parts += [RESIDUE_FORMULA["HexNAc"]] * hexnac
    return Formula("".join(parts)).formula


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("GM3(d18:1)", "GM3"),
        ("GM3(18:1;O2)", "GM3"),
        ("GM3 18:1;O2", "GM3"),
        ("GM1(d18:1/0:0)", "GM1"),
        ("GM3 18:1;O2/0:0", "GM3"),
        ("GM3 d18:1_0:0", "GM3"),
        ("LysoGM1", "GM1"),
        ("lyso-GM3 d18:1", "GM3"),
        ("lyso-GM1(d18:1)", "GM1"),
        ("Lyso GM2 d18:1", "GM2"),
        ("lyso-GD1a(d18:1)", "GD1"),
    ],
)
def test_lyso_names_are_read_as_one_chain_with_the_bases_formula(name, core):
    p = parse_name(name)
    assert p.lyso
    assert (p.carbons, p.double_bonds, p.oxygens) == (18, 1, 2)
    assert p.ceramide == "18:1;O2/0:0"
    assert p.group_key.startswith("lyso-") and p.core == core
    assert p.species.endswith(" 18:1;O2/0:0")
    row = composition_frame([name]).loc[name]
    assert row["formula"] == lyso_formula(core)
    assert bool(row["lyso"])
    assert row["mass"] == pytest.approx(Formula(lyso_formula(core)).isotope.mass, abs=1e-6)


@pytest.mark.parametrize(
    "name", ["GM3(d18:1/0:0)", "GM1(d18:1/0:0)", "GM2 18:1;O2/0:0", "GM1 20:1;O2/0:0"]
)
def test_the_lyso_formula_is_pygoslins(name):
    """pygoslin reads the explicit empty acyl (``/0:0``) as a lyso form; ours agrees, and our
    species text reads back to the same composition."""
    ours = composition_frame([name]).loc[name]
    theirs = goslin_parse(name)
    assert theirs is not None
    assert ours["formula"] == Formula(theirs.get_sum_formula()).formula
    again = parse_name(str(ours["species"]))
    assert again.lyso and again.ceramide == ours["ceramide"]


def test_the_one_chain_reading_is_14_da_lighter_than_a_two_chain_one():
    """The error the issue reports: read as a two-chain ceramide 18:1;O2 the mass was off by
    the amide's O minus H2 (13.98 Da)."""
    lyso = composition_frame(["GM3(d18:1)"]).loc["GM3(d18:1)", "mass"]
    wrong = Formula(lyso_formula("GM3", "C18H35NO3")).isotope.mass
    assert wrong - lyso == pytest.approx(
        Formula("O").isotope.mass - Formula("H2").isotope.mass, abs=1e-6
    )


def test_another_base_and_two_chain_sums_are_read_as_before():
    d20 = parse_name("lyso-GM1(d20:1)")
    assert d20.lyso and d20.ceramide == "20:1;O2/0:0"
    assert composition_frame(["lyso-GM1(d20:1)"]).iloc[0]["formula"] == lyso_formula(
        "GM1", "C20H41NO2"
    )
    for name in ("GM3(d18:1/16:0)", "GM3 36:1;O2", "GM3(d36:1)", "GM3(36:1;O2)"):
        p = parse_name(name)
        assert not p.lyso and p.group_key == "GM3" and "/" not in p.ceramide


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lyso-GM3(d18:1/16:0)", r"says lyso \(no N-acyl chain\) but its ceramide part"),
        ("lyso-GM3 36:1;O2", r"says lyso .* not a sphingoid base alone"),
    ],
)
def test_a_lyso_name_with_a_fatty_acid_is_refused_naming_both(name, message):
    with pytest.raises(NameSyntaxError, match=message):
        parse_name(name)
