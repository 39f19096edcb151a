"""The name parser, composition, formula and mass."""

from __future__ import annotations

import pandas as pd
import pytest

from ganglioside.errors import NameSyntaxError
from ganglioside.names import NotAGanglioside, composition_frame, parse_name


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


# -- dialects ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "species", "dialect"),
    [
        ("GD1a(36:1;O2)", "GD1a 36:1;O2", "project"),
        ("GM3(d18:1(4E)/24:1(15Z))", "GM3 42:2;O2", "lipidmaps"),
        ("GM3 18:1;O2/16:0;O", "GM3 34:1;O3", "shorthand"),
        ("GM3 18:1;2/16:0", "GM3 34:1;O2", "goslin"),
        ("GM3 34:1;2O|GM3 18:1;2O/16:0", "GM3 34:1;O2", "msdial"),
        ("GD1a(d18:1_18:0)-2H", "GD1a 36:1;O2", "lipidsearch"),
        ("Disialoganglioside GD1a (d18:1/18:0)", "GD1a 36:1;O2", "hmdb"),
        ("GD1a(NeuAc/NeuGc) (d18:1/18:0)", "GD1a(NeuGc) 36:1;O2", "swisslipids"),
        ("GD1a-AC d36:1", "GD1a+OAc 36:1;O2", "lda"),
        ("asialo-GM1(d18:1/18:0)", "GA1 36:1;O2", "trivial"),
        ("Hex2NeuAcCer 36:1;O2", "GM3 36:1;O2", "composition"),
    ],
)
def test_each_dialect_reads_to_the_species_and_names_its_dialect(name, species, dialect):
    p = parse_name(name)
    assert p.species == species
    assert p.dialect == dialect


def test_n_glycolyl_is_a_replacement_of_neuac_and_adds_one_oxygen():
    frame = composition_frame(["GM3(36:1;O2)", "GM3(NeuGc)(36:1;O2)", "NGcGM3 36:1;O2"])
    gc = frame.loc["GM3(NeuGc)(36:1;O2)"]
    assert (gc["neuac"], gc["neugc"], gc["sialic"]) == (0, 1, 1)
    assert gc["formula"] == "C59H108N2O22"
    assert gc["mass"] - frame.loc["GM3(36:1;O2)", "mass"] == pytest.approx(15.9949, abs=1e-4)
    assert frame.loc["NGcGM3 36:1;O2", "species"] == gc["species"] == "GM3(NeuGc) 36:1;O2"


def test_plus_neugc_still_adds_a_sialic_acid():
    p = parse_name("GM3+NeuGc(36:1;O2)")
    assert (p.neuac, p.neugc, p.category) == (1, 1, "GD")


def test_two_of_two_sialic_acids_can_be_n_glycolyl_but_not_three():
    p = parse_name("GD1a(NeuGc/NeuGc)(d18:1/18:0)")
    assert (p.neuac, p.neugc, p.glycolyl) == (0, 2, 2)
    with pytest.raises(NameSyntaxError, match="N-glycolyl"):
        parse_name("GA1(NeuGc)(d18:1/18:0)")


def test_sulfate_adds_so3_to_the_formula():
    frame = composition_frame(["GM1(36:1;O2)", "SO3-GM1(d18:1/18:0)"])
    sulfated = frame.loc["SO3-GM1(d18:1/18:0)"]
    assert sulfated["sulfate"] == 1
    assert sulfated["formula"] == "C73H131N3O34S"
    assert sulfated["mass"] - frame.loc["GM1(36:1;O2)", "mass"] == pytest.approx(79.9568, abs=1e-4)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("GM3(d18:1/18:0-d5)", "d5"),
        ("d7-GM3(36:1;O2)", "d7"),
        ("[13C]GM3 36:1;O2", "[13C]"),
        ("GM1-d3(d18:1/18:0)", "d3"),
        ("GM3 18:1;O2/18:0(d7)", "(d7)"),
    ],
)
def test_a_labelled_standard_is_flagged_and_keeps_its_composition(name, label):
    p = parse_name(name)
    assert p.is_internal_standard
    assert p.label == label
    assert p.ceramide == "36:1;O2"


def test_a_sphingoid_base_is_never_taken_for_a_deuterium_label():
    for name in ("GM3(d18:1/16:0)", "GD3(d36:1)", "GM3 d18:1/16:0"):
        assert not parse_name(name).is_internal_standard


def test_an_adduct_is_taken_off_and_kept():
    assert parse_name("GM3(d18:1/16:0)[M-H]-").adduct == "[M-H]-"
    assert parse_name("GM1(d18:1_18:0)+NH4").adduct == "+NH4"
    assert parse_name("GM1(d18:1_18:0)+H-H2O").adduct == "+H-H2O"


@pytest.mark.parametrize(
    ("name", "lipid_class"),
    [
        ("PC 34:1", "PC"),
        ("TG(16:0/18:1/18:2)", "TG"),
        ("Cer(d18:1/16:0)", "Cer"),
        ("HexCer 34:1;O2", "HexCer"),
        ("SM 34:1;2O|SM 18:1;2O/16:0", "SM"),
        ("Gb3(d18:1/24:0)", "Gb3"),
    ],
)
def test_another_lipid_class_is_not_a_ganglioside_and_says_which_class(name, lipid_class):
    with pytest.raises(NotAGanglioside) as info:
        parse_name(name)
    assert info.value.lipid_class == lipid_class
    row = composition_frame([name]).loc[name]
    assert row["other_class"] == lipid_class
    assert "not a ganglioside" in row["parse_error"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("GM3(d18:x/16:0)", r"ceramide part 'd18:x/16:0' not understood; expected"),
        ("GM3", "has no ceramide part"),
        ("Xyz-GM3(d18:1/16:0)", r"prefix 'Xyz' .* not understood"),
        ("GM3-Foo(d18:1/16:0)", r"headgroup suffix '-Foo' .* not understood"),
        ("lyso-GM1(d18:1/16:0)", r"says lyso \(no N-acyl chain\) but its ceramide part"),
        ("Trisialoganglioside GD1a (d18:1/18:0)", "disagree on the number of sialic acids"),
        ("junk", "not a ganglioside name we can read"),
    ],
)
def test_an_unreadable_ganglioside_name_gets_an_error_naming_the_part(name, message):
    with pytest.raises(NameSyntaxError, match=message):
        parse_name(name)


def test_an_m_base_has_one_oxygen_though_pygoslin_reads_two():
    assert parse_name("GM3(m18:1/16:0)").oxygens == 1
    assert parse_name("GM3(m18:1(4E)/16:0)").oxygens == 1


def test_ceramide_forms_only_pygoslin_reads_are_read_through_it():
    # double-bond positions, hydroxy fatty acids written as (2OH) or h, old Goslin ;2 counts
    assert parse_name("GM3(d18:1(4E)/24:1(15Z))").ceramide == "42:2;O2"
    assert parse_name("GM3(t18:0/h24:0)").ceramide == "42:0;O4"
    assert parse_name("GM3(d18:1/16:0(2OH))").ceramide == "34:1;O3"
    assert parse_name("GM3 18:1;2/16:0;1").ceramide == "34:1;O3"


@pytest.mark.parametrize(
    "core", ["GA1", "GA2", "GM1", "GM2", "GM3", "GD1", "GD2", "GD3", "GT1", "GQ1"]
)
@pytest.mark.parametrize("ceramide", ["36:1;O2", "34:0;O2", "42:2;O2", "38:1;O3", "40:0;O4"])
def test_the_added_up_formula_of_a_core_on_a_ceramide_is_pygoslins(core, ceramide):
    from ganglioside.names.formula import _counts, core_ceramide_counts, goslin_parse

    lipid = goslin_parse(f"{core} {ceramide}")
    assert lipid is not None, f"pygoslin does not read {core} {ceramide}"
    assert (
        core_ceramide_counts(core, ceramide).tolist() == _counts(lipid.get_sum_formula()).tolist()
    )


def test_a_bare_number_is_an_unreadable_name_not_another_lipid_class():
    """'0' in a Name column is a mistake to show as an invalid row, not a lipid of class '0'
    set aside with the other classes (found by the fuzz suite)."""
    from ganglioside.names import composition_frame

    frame = composition_frame(["0", "12", "PC 34:1"])
    assert frame["other_class"].tolist() == ["", "", "PC"]
    assert "not a ganglioside name we can read" in frame["parse_error"].iat[0]


def test_each_name_is_parsed_once_per_process_and_gives_the_same_frame(monkeypatch):
    import ganglioside.names as names_module

    seen: list[str] = []
    parse = names_module.parse_name

    def counting(name):
        seen.append(name)
        return parse(name)

    monkeypatch.setattr(names_module, "parse_name", counting)
    names_module._name_record.cache_clear()
    first = ["GM3(36:1;O2)", "GD1a+OAc(38:1;O2)", "PC 34:1", "junk", "GM3(36:1;O2)"]
    second = ["GD1a+OAc(38:1;O2)", "GM1(36:1;O2)", "junk"]
    one = names_module.composition_frame(first)
    two = names_module.composition_frame(second)
    assert sorted(seen) == sorted({*first, *second})
    again = names_module.composition_frame(first)
    pd.testing.assert_frame_equal(again, one)
    assert list(two.index) == second
    assert two.loc["junk", "parse_error"] and two.loc["GM1(36:1;O2)", "parse_error"] == ""
    assert (
        one.loc["PC 34:1", "other_class"] == "PC" and one.loc["GM3(36:1;O2)", "other_class"] == ""
    )
    assert one["core"].dtype == object and one["carbons"].dtype == float
