"""The composition of a ganglioside name and this project's own grammar.

The project's grammar is Svennerholm headgroup shorthand plus the LIPID MAPS ceramide sum
composition::

    core [isomer] {+[count]modification} "(" carbons ":" double_bonds ";O" oxygens ")"

e.g. ``GD1(36:1;O2)``, ``GT1b+OAc(38:1;O2)``, ``GD1+dHex+OAc(36:1;O2)``, ``GM3+Gc(36:1;O2)``
(N-glycolyl GM3: one NeuAc of the core is NeuGc).  The other dialects (:mod:`.dialects`) are
read into the same :class:`ParsedName`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import NameSyntaxError

#: Sialic-acid letter → number of NeuAc in the core, and the category it names.
SIALO_COUNT = {"A": 0, "M": 1, "D": 2, "T": 3, "Q": 4, "P": 5}
CATEGORY_BY_SIALIC = {0: "GA", 1: "GM", 2: "GD", 3: "GT", 4: "GQ", 5: "GP"}

#: Neutral sugars of the core chain by series digit f (5 - f sugars): (Hex, HexNAc).
CORE_NEUTRAL = {1: (3, 1), 2: (2, 1), 3: (2, 0), 4: (1, 0)}

#: Formula added by each modification: a glycosidic residue, an ester, a sulfate, or (``Gc``)
#: the oxygen that turns one NeuAc of the core into NeuGc.
RESIDUE_FORMULA = {
    "Hex": "C6H10O5",
    "HexNAc": "C8H13NO5",
    "NeuAc": "C11H17NO8",
    "NeuGc": "C11H17NO9",
    "dHex": "C6H10O4",
    "OAc": "C2H2O",
    "Gc": "O",
    "SO3": "SO3",
}
#: Accepted spellings (case-insensitive) → canonical modification code.
MOD_ALIASES = {
    "oac": "OAc",
    "dhex": "dHex",
    "fuc": "dHex",
    "hex": "Hex",
    "hexnac": "HexNAc",
    "neuac": "NeuAc",
    "neu5ac": "NeuAc",
    "neugc": "NeuGc",
    "neu5gc": "NeuGc",
    "gc": "Gc",
    "so3": "SO3",
    "sulfo": "SO3",
}
#: The residues a ganglioside is counted in, in the order names and texts list them.  This is
#: the one definition: the rules, the Log P estimate and the record use these codes and columns.
MOD_ORDER = ("NeuAc", "NeuGc", "Hex", "HexNAc", "dHex", "OAc")
#: The record's count column of each residue (same order as :data:`MOD_ORDER`).
RESIDUE_COLUMNS = tuple(code.lower() for code in MOD_ORDER)
#: Count column → residue code, e.g. ``"hexnac"`` → ``"HexNAc"``.
RESIDUE_LABEL = dict(zip(RESIDUE_COLUMNS, MOD_ORDER, strict=True))
#: Every modification code in the order a name lists it: the NeuAc → NeuGc replacement first,
#: then the residues, then sulfate (not a residue of the rules: it carries no sugar).
NAME_MOD_ORDER = ("Gc", *MOD_ORDER, "SO3")

PROJECT_NAME = re.compile(
    r"^G(?P<sia>[AMDTQP])(?P<series>[1-4])"
    r"(?P<isomer>(?:[abc](?:α|alpha)?|α|alpha)?)"
    r"(?P<mods>(?:\+[^+()]*)*)"
    r"\((?P<cer>[^()]+)\)$"
)
_MOD = re.compile(r"^(?P<n>\d*)(?P<code>[A-Za-z0-9]+)$")
KNOWN_MODS = (
    "OAc, dHex (Fuc), Hex, HexNAc, NeuAc, NeuGc, Gc, SO3, each with an optional count (+2OAc)"
)


#: The group-key prefix of a lyso form, and the empty acyl of its ceramide key and species.
LYSO_PREFIX = "lyso-"
LYSO_ACYL = "/0:0"


@dataclass(frozen=True)
class ParsedName:
    """The parts and composition of one ganglioside name."""

    name: str
    core: str
    isomer: str
    modifications: tuple[tuple[str, int], ...]
    carbons: int
    double_bonds: int
    oxygens: int
    series: int
    neuac: int
    neugc: int
    hex: int
    hexnac: int
    dhex: int
    oac: int
    sulfate: int = 0
    #: a labelled internal standard (deuterium, 13C, 15N label, or marked ISTD): its
    #: composition is read, but it is no endogenous species
    is_internal_standard: bool = False
    #: the notation the name was read in: project, lipidmaps, shorthand, goslin, msdial,
    #: lipidsearch, hmdb, swisslipids, lda, trivial, composition
    dialect: str = "project"
    adduct: str = ""
    label: str = ""
    #: a lyso-ganglioside: the glycan on a sphingoid base with no N-acyl chain; the carbons,
    #: double bonds and oxygens are the base's (``GM3(d18:1)``, ``lyso-GM1 d18:1``)
    lyso: bool = False

    @property
    def mod_string(self) -> str:
        """Canonical modification suffix, e.g. ``+dHex+OAc`` (in :data:`NAME_MOD_ORDER`)."""
        return "".join(f"+{n if n > 1 else ''}{code}" for code, n in self.modifications)

    @property
    def group_key(self) -> str:
        """Core + isomer + canonical modifications: the RT model group (``lyso-`` before a
        lyso form's: one chain elutes far from two, so it is a group of its own)."""
        return f"{LYSO_PREFIX if self.lyso else ''}{self.core}{self.isomer}{self.mod_string}"

    @property
    def ceramide(self) -> str:
        """The ceramide key ``c:db;Oo``; a lyso form's is its base with an empty acyl,
        ``18:1;O2/0:0`` (Goslin's notation of a lyso lipid)."""
        lyso = LYSO_ACYL if self.lyso else ""
        return f"{self.carbons}:{self.double_bonds};O{self.oxygens}{lyso}"

    @property
    def glycolyl(self) -> int:
        """How many sialic acids of the core are NeuGc instead of NeuAc."""
        return dict(self.modifications).get("Gc", 0)

    @property
    def species(self) -> str:
        """LIPID MAPS species-level shorthand with the isomer letter and the glycan changes,
        e.g. ``GD1a 36:1;O2``, ``GM3(NeuGc) 36:1;O2``, ``GT1b+OAc 38:1;O2``: the same species
        gives the same text whatever the dialect of its name."""
        k = self.glycolyl
        gc = "" if k == 0 else "(NeuGc)" if k == 1 else f"({k}NeuGc)"
        rest = "".join(
            f"+{n if n > 1 else ''}{code}" for code, n in self.modifications if code != "Gc"
        )
        oxy = "" if self.oxygens == 0 else ";O" if self.oxygens == 1 else f";O{self.oxygens}"
        lyso = LYSO_ACYL if self.lyso else ""
        head = f"{self.core}{self.isomer}{gc}{rest}"
        return f"{head} {self.carbons}:{self.double_bonds}{oxy}{lyso}"

    @property
    def sialic(self) -> int:
        return self.neuac + self.neugc

    @property
    def sugar_count(self) -> int:
        return self.neuac + self.neugc + self.hex + self.hexnac + self.dhex

    @property
    def category(self) -> str:
        return CATEGORY_BY_SIALIC.get(min(self.sialic, 5), "GP")


@dataclass(frozen=True)
class Headgroup:
    """The glycan part of a name: Svennerholm core, isomer letter and modifications."""

    sia: str  # sialic letter A M D T Q P
    series: int  # 1-4
    isomer: str = ""
    mods: tuple[tuple[str, int], ...] = ()
    lyso: bool = False  # the name says lyso (``lyso-GM1``, ``LysoGM3``)


def read_mods(text: str, name: str) -> dict[str, int]:
    """``+OAc+2dHex`` → ``{"OAc": 1, "dHex": 2}`` (the project grammar's modification list)."""
    mods: dict[str, int] = {}
    for token in text.split("+")[1:]:
        tm = _MOD.match(token)
        code = MOD_ALIASES.get(tm["code"].lower()) if tm else None
        if tm is None or code is None:
            raise NameSyntaxError(
                f"unknown modification {'+' + token!r} in {name!r}; known: {KNOWN_MODS}"
            )
        count = int(tm["n"]) if tm["n"] else 1
        if count < 1:
            raise NameSyntaxError(f"modification count must be ≥ 1 in {name!r}")
        mods[code] = mods.get(code, 0) + count
    return mods


def ordered_mods(mods: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((code, mods[code]) for code in NAME_MOD_ORDER if mods.get(code, 0) > 0)


def check_ceramide(carbons: int, dbonds: int, oxygens: int, name: str) -> None:
    if carbons < 10 or carbons > 80 or dbonds > carbons // 2 or oxygens > 8:
        raise NameSyntaxError(
            f"ceramide {carbons}:{dbonds};O{oxygens} in {name!r} is not plausible "
            "(expected 10-80 carbons, at most one double bond per two carbons, at most 8 O)"
        )


def assemble(
    name: str, head: Headgroup, ceramide: tuple[int, int, int], **extra: object
) -> ParsedName:
    """The :class:`ParsedName` of a headgroup on a ceramide (``extra``: the optional fields)."""
    carbons, dbonds, oxygens = ceramide
    check_ceramide(carbons, dbonds, oxygens, name)
    mods = dict(head.mods)
    core_sialic = SIALO_COUNT[head.sia]
    gc = mods.get("Gc", 0)
    if gc > core_sialic + mods.get("NeuAc", 0):
        raise NameSyntaxError(
            f"{name!r} makes {gc} sialic acid(s) N-glycolyl (NeuGc) but G{head.sia}"
            f"{head.series} has only {core_sialic + mods.get('NeuAc', 0)}"
        )
    hex_core, hexnac_core = CORE_NEUTRAL[head.series]
    return ParsedName(
        name=name,
        core=f"G{head.sia}{head.series}",
        isomer=head.isomer,
        modifications=ordered_mods(mods),
        carbons=carbons,
        double_bonds=dbonds,
        oxygens=oxygens,
        series=head.series,
        neuac=core_sialic + mods.get("NeuAc", 0) - gc,
        neugc=mods.get("NeuGc", 0) + gc,
        hex=hex_core + mods.get("Hex", 0),
        hexnac=hexnac_core + mods.get("HexNAc", 0),
        dhex=mods.get("dHex", 0),
        oac=mods.get("OAc", 0),
        sulfate=mods.get("SO3", 0),
        **extra,  # type: ignore[arg-type]
    )


def project_headgroup(match: re.Match[str], name: str) -> Headgroup:
    """The headgroup of a name matched by :data:`PROJECT_NAME`."""
    mods = read_mods(match["mods"], name)
    return Headgroup(
        sia=match["sia"],
        series=int(match["series"]),
        isomer=match["isomer"].replace("alpha", "α"),
        mods=ordered_mods(mods),
    )
