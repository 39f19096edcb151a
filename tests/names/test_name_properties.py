"""Property-based tests of the name grammar: a random composition written in each dialect
parses back to that composition.

The writers below follow each dialect's conventions on their own (they share no code with the
parser); each dialect draws only the modifications it can write.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganglioside.errors import NameSyntaxError
from ganglioside.names import composition_frame, parse_name

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIALIC = {"A": 0, "M": 1, "D": 2, "T": 3, "Q": 4, "P": 5}
NEUTRAL = {1: (3, 1), 2: (2, 1), 3: (2, 0), 4: (1, 0)}
BASE_O = {"d": 2, "t": 3, "m": 1}


@dataclass(frozen=True)
class Comp:
    sia: str
    series: int
    isomer: str
    mods: dict[str, int]
    base: str
    lcb: tuple[int, int]
    fa: tuple[int, int]
    fa_oh: int

    @property
    def core(self) -> str:
        return f"G{self.sia}{self.series}"

    @property
    def head(self) -> str:
        return self.core + self.isomer

    @property
    def total(self) -> tuple[int, int, int]:
        return (
            self.lcb[0] + self.fa[0],
            self.lcb[1] + self.fa[1],
            BASE_O[self.base] + self.fa_oh,
        )


@st.composite
def comps(draw, mods=(), bases="dtm", fa_oh=True, isomers=("", "a", "b", "c")):
    sia = draw(st.sampled_from("AMDTQP"))
    series = draw(st.integers(1, 4))
    chosen: dict[str, int] = {}
    for code in mods:
        limit = {"OAc": 2, "Gc": SIALIC[sia]}.get(code, 1)
        n = draw(st.integers(0, limit))
        if n:
            chosen[code] = n
    base = draw(st.sampled_from(bases))
    lcb = (draw(st.integers(16, 22)), draw(st.integers(0, 1 if base == "t" else 2)))
    fa_c = draw(st.integers(12, 30))
    fa = (fa_c, draw(st.integers(0, min(3, fa_c // 4))))
    return Comp(
        sia, series, draw(st.sampled_from(isomers)), chosen, base, lcb, fa,
        draw(st.integers(0, 1)) if fa_oh else 0,
    )  # fmt: skip


def expected(c: Comp) -> dict[str, object]:
    hex_core, hexnac_core = NEUTRAL[c.series]
    m = c.mods
    carbons, dbonds, oxygens = c.total
    return {
        "core": c.core,
        "neuac": SIALIC[c.sia] + m.get("NeuAc", 0) - m.get("Gc", 0),
        "neugc": m.get("NeuGc", 0) + m.get("Gc", 0),
        "hex": hex_core + m.get("Hex", 0),
        "hexnac": hexnac_core + m.get("HexNAc", 0),
        "dhex": m.get("dHex", 0),
        "oac": m.get("OAc", 0),
        "sulfate": m.get("SO3", 0),
        "carbons": carbons,
        "double_bonds": dbonds,
        "oxygens": oxygens,
    }


def check(name: str, c: Comp, isomer: str | None = None, standard: bool = False) -> None:
    p = parse_name(name)
    got = {field: getattr(p, field) for field in expected(c)}
    assert got == expected(c), name
    assert p.isomer == (c.isomer if isomer is None else isomer), name
    assert p.is_internal_standard == standard, name


# -- writers, one per dialect --------------------------------------------------------------------


def lcb_text(c: Comp, style: str) -> str:
    n = BASE_O[c.base]
    body = f"{c.lcb[0]}:{c.lcb[1]}"
    return {
        "prefix": f"{c.base}{body}",
        "O": f"{body};O{n if n > 1 else ''}",
        "nO": f"{body};{n}O",
        "n": f"{body};{n}",
    }[style]


def sum_text(c: Comp, style: str) -> str:
    carbons, dbonds, oxygens = c.total
    body = f"{carbons}:{dbonds}"
    return {
        "O": f"{body};O{oxygens if oxygens > 1 else ''}",
        "nO": f"{body};{oxygens}O",
        "n": f"{body};{oxygens}",
    }[style]


def project(c: Comp) -> str:
    mods = "".join(f"+{n if n > 1 else ''}{code}" for code, n in sorted(c.mods.items()))
    return f"{c.head}{mods}({sum_text(c, 'O')})"


def lipidmaps(c: Comp, fa_oh: str = "(2OH)") -> str:
    fa = f"{c.fa[0]}:{c.fa[1]}" + (fa_oh if c.fa_oh else "")
    return f"{c.head}({lcb_text(c, 'prefix')}/{fa})"


def shorthand(c: Comp, molecular: bool) -> str:
    if not molecular:
        return f"{c.head} {sum_text(c, 'O')}"
    return f"{c.head} {lcb_text(c, 'O')}/{c.fa[0]}:{c.fa[1]}{';O' if c.fa_oh else ''}"


def goslin(c: Comp, molecular: bool) -> str:
    if not molecular:
        return f"{c.head} {sum_text(c, 'n')}"
    return f"{c.head} {lcb_text(c, 'n')}/{c.fa[0]}:{c.fa[1]}{';1' if c.fa_oh else ''}"


def msdial(c: Comp, version: int) -> str:
    style = "nO" if version == 4 else "O"
    head = "NGcGM3" if c.mods.get("Gc") else c.head
    fa = f"{c.fa[0]}:{c.fa[1]}{';(2OH)' if c.fa_oh else ''}"
    return f"{head} {sum_text(c, style)}|{head} {lcb_text(c, style)}/{fa}"


def lipidsearch(c: Comp, adduct: str) -> str:
    fa = f"{c.fa[0]}:{c.fa[1]}{'+O' if c.fa_oh else ''}"
    return f"{c.head}({lcb_text(c, 'prefix')}_{fa}){adduct}"


def swisslipids(c: Comp) -> str:
    words = {"dHex": "Fuc-", "HexNAc": "GalNAc-", "Hex": "Gal-", "SO3": "SO3-", "OAc": "Ac-O-9-"}
    prefix = "".join(words[code] * n for code, n in c.mods.items() if code in words)
    gc = c.mods.get("Gc", 0)
    sialic = ["NeuGc"] * gc + ["NeuAc"] * (SIALIC[c.sia] - gc)
    listed = f"({'/'.join(sialic)})" if gc else ""
    return f"{prefix}{c.head}{listed} ({lcb_text(c, 'prefix')}/{c.fa[0]}:{c.fa[1]})"


def lda(c: Comp) -> str:
    suffix = "-AC" * c.mods.get("OAc", 0) + "-Fuc" * c.mods.get("dHex", 0)
    return f"{c.head}{suffix} {lcb_text(c, 'prefix')}/{c.fa[0]}:{c.fa[1]}"


# -- properties ----------------------------------------------------------------------------------

ALL_MODS = ("Gc", "NeuAc", "NeuGc", "Hex", "HexNAc", "dHex", "OAc", "SO3")


@pytest.mark.slow
@SETTINGS
@given(comps(mods=ALL_MODS, bases="dtm", isomers=("", "a", "b", "c", "bα")))
def test_project_names_parse_back(c):
    check(project(c), c)


@SETTINGS
@given(comps(), st.sampled_from(["(2OH)", ";O"]))
def test_lipidmaps_names_parse_back(c, fa_oh):
    check(lipidmaps(c, fa_oh), c)


@SETTINGS
@given(comps(), st.booleans())
def test_shorthand_and_old_goslin_names_parse_back(c, molecular):
    check(shorthand(c, molecular), c)
    check(goslin(c, molecular), c)


@SETTINGS
@given(comps(bases="dt"), st.sampled_from([4, 5]))
def test_msdial_names_parse_back(c, version):
    check(msdial(c, version), c)


@SETTINGS
@given(
    comps(mods=("Gc",), bases="dt").filter(
        lambda c: not c.mods or (c.core == "GM3" and c.isomer == "")
    ),
    st.sampled_from([4, 5]),
)
def test_msdial_n_glycolyl_gm3_parses_back(c, version):
    check(msdial(c, version), c)


@SETTINGS
@given(comps(), st.sampled_from(["", "-H", "-2H", "+H", "+NH4", "+HCOO", "[M-H]-"]))
def test_lipidsearch_names_parse_back(c, adduct):
    check(lipidsearch(c, adduct), c)


@SETTINGS
@given(comps(mods=("Gc", "Hex", "HexNAc", "dHex", "OAc", "SO3"), fa_oh=False))
def test_swisslipids_names_parse_back(c):
    check(swisslipids(c), c)


@SETTINGS
@given(comps(mods=("OAc", "dHex"), fa_oh=False))
def test_lda_names_parse_back(c):
    check(lda(c), c)


@SETTINGS
@given(comps(fa_oh=False, isomers=("", "a", "b")))
def test_hmdb_names_parse_back(c):
    word = {"A": "Asialoganglioside", "M": "Monosialoganglioside", "D": "Disialoganglioside"}
    name = (
        f"{word.get(c.sia, 'Ganglioside')} {c.head} ({lcb_text(c, 'prefix')}/{c.fa[0]}:{c.fa[1]})"
    )
    check(name, c)


@SETTINGS
@given(
    comps(fa_oh=False),
    st.sampled_from(["{}-d5", "d7-{}", "[13C]{}", "{} (IS)"]),
    st.booleans(),
)
def test_labelled_standards_parse_back_flagged(c, label, molecular):
    plain = shorthand(c, molecular) if molecular else lipidmaps(c)
    head, _, rest = plain.partition(" ") if molecular else plain.partition("(")
    labelled = label.format(head) + (" " if molecular else "(") + rest
    check(labelled, c, standard=True)


@pytest.mark.slow
@SETTINGS
@given(comps(mods=ALL_MODS))
def test_the_mass_follows_the_composition(c):
    """Each added residue, the NeuAc→NeuGc swap (+O) and a sulfate (+SO3) change the mass by
    their own increment."""
    plain = Comp(c.sia, c.series, c.isomer, {}, c.base, c.lcb, c.fa, c.fa_oh)
    frame = composition_frame([project(plain), project(c)])
    delta = frame.loc[project(c), "mass"] - frame.loc[project(plain), "mass"]
    increments = {
        "Gc": 15.99491, "NeuAc": 291.09542, "NeuGc": 307.09033, "Hex": 162.05282,
        "HexNAc": 203.07937, "dHex": 146.05791, "OAc": 42.01057, "SO3": 79.95682,
    }  # fmt: skip
    assert delta == pytest.approx(sum(increments[k] * n for k, n in c.mods.items()), abs=1e-3)


@pytest.mark.slow
@SETTINGS
@given(st.text(max_size=40))
def test_any_text_parses_or_raises_a_name_error(text):
    try:
        parse_name(text)
    except NameSyntaxError as exc:
        assert str(exc)


@SETTINGS
@given(
    comps(mods=("Gc",), fa_oh=False).filter(lambda c: c.mods.get("Gc") == 1),
    st.sampled_from(["NGc{}", "Gc{}", "NeuGc-{}", "Neu5Gc-{}", "N-glycolyl {}", "{}(NeuGc)"]),
)
def test_n_glycolyl_words_make_one_sialic_acid_neugc(c, form):
    check(f"{form.format(c.head)} {sum_text(c, 'O')}", c)


@SETTINGS
@given(comps(isomers=("",), fa_oh=False).filter(lambda c: c.sia != "A"))
def test_compositions_read_as_their_svennerholm_core(c):
    hex_n, hexnac_n = NEUTRAL[c.series]
    sialic = SIALIC[c.sia]
    glycan = (
        f"Hex{hex_n if hex_n > 1 else ''}"
        + (f"HexNAc{hexnac_n if hexnac_n > 1 else ''}" if hexnac_n else "")
        + f"NeuAc{sialic if sialic > 1 else ''}"
    )
    check(f"{glycan}Cer {sum_text(c, 'O')}", c)
