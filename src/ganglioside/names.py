"""Ganglioside names: one parser for every rule, composition, sum formula and mass.

A name is Svennerholm headgroup shorthand plus the LIPID MAPS ceramide sum composition::

    core [isomer] {+[count]modification} "(" carbons ":" double_bonds ";O" oxygens ")"

e.g. ``GD1(36:1;O2)``, ``GT1b+OAc(38:1;O2)``, ``GD1+dHex+OAc(36:1;O2)``.  The headgroup and
ceramide formula come from pygoslin, which reads the ``GM3 36:1;O2`` form; the modifications and
the element masses come from molmass.  Each distinct name is parsed once per table, and each
distinct core and ceramide is sent to pygoslin once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .errors import NameSyntaxError

#: Sialic-acid letter → number of NeuAc in the core, and the category it names.
SIALO_COUNT = {"A": 0, "M": 1, "D": 2, "T": 3, "Q": 4, "P": 5}
CATEGORY_BY_SIALIC = {0: "GA", 1: "GM", 2: "GD", 3: "GT", 4: "GQ", 5: "GP"}

#: Neutral sugars of the core chain by series digit f (5 - f sugars): (Hex, HexNAc).
CORE_NEUTRAL = {1: (3, 1), 2: (2, 1), 3: (2, 0), 4: (1, 0)}

#: Residue formulas added by each modification (as a glycosidic residue or an ester).
RESIDUE_FORMULA = {
    "Hex": "C6H10O5",
    "HexNAc": "C8H13NO5",
    "NeuAc": "C11H17NO8",
    "NeuGc": "C11H17NO9",
    "dHex": "C6H10O4",
    "OAc": "C2H2O",
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
}
#: The residues a ganglioside is counted in, in the order names and texts list them.  This is
#: the one definition: the rules, the Log P estimate and the record use these codes and columns.
MOD_ORDER = ("NeuAc", "NeuGc", "Hex", "HexNAc", "dHex", "OAc")
#: The record's count column of each residue (same order as :data:`MOD_ORDER`).
RESIDUE_COLUMNS = tuple(code.lower() for code in MOD_ORDER)
#: Count column → residue code, e.g. ``"hexnac"`` → ``"HexNAc"``.
RESIDUE_LABEL = dict(zip(RESIDUE_COLUMNS, MOD_ORDER, strict=True))

_NAME = re.compile(
    r"^G(?P<sia>[AMDTQP])(?P<series>[1-4])"
    r"(?P<isomer>(?:[abc](?:α|alpha)?|α|alpha)?)"
    r"(?P<mods>(?:\+[^+()]*)*)"
    r"\((?P<cer>[^()]+)\)$"
)
# sum composition (36:1;O2, d36:1) or molecular species (d18:1/18:0, 18:1;O2/18:0;O)
_CHAIN = re.compile(r"^(?P<base>[dt])?(?P<c>\d+):(?P<db>\d+)(?:;(?P<o>\d*)O(?P<o2>\d*))?$")
_MOD = re.compile(r"^(?P<n>\d*)(?P<code>[A-Za-z0-9]+)$")
_ELEMENTS = ("C", "H", "N", "O")


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

    @property
    def mod_string(self) -> str:
        """Canonical modification suffix, e.g. ``+dHex+OAc`` (alphabetical by code order)."""
        return "".join(f"+{n if n > 1 else ''}{code}" for code, n in self.modifications)

    @property
    def group_key(self) -> str:
        """Core + isomer + canonical modifications: the RT model group."""
        return f"{self.core}{self.isomer}{self.mod_string}"

    @property
    def ceramide(self) -> str:
        return f"{self.carbons}:{self.double_bonds};O{self.oxygens}"

    @property
    def sialic(self) -> int:
        return self.neuac + self.neugc

    @property
    def sugar_count(self) -> int:
        return self.neuac + self.neugc + self.hex + self.hexnac + self.dhex

    @property
    def category(self) -> str:
        return CATEGORY_BY_SIALIC.get(min(self.sialic, 5), "GP")


def _chain(text: str, name: str) -> tuple[int, int, int | None, str | None]:
    cm = _CHAIN.match(text)
    if cm is None:
        raise NameSyntaxError(
            f"ceramide {text!r} in {name!r} is not understood; expected e.g. (36:1;O2), "
            "(d36:1) or (d18:1/18:0)"
        )
    if cm["o"] is None:
        oxy = None
    else:
        # ";O2" and ";2O" both mean two oxygens, ";O" one
        digits = cm["o"] or cm["o2"]
        oxy = int(digits) if digits else 1
    return int(cm["c"]), int(cm["db"]), oxy, cm["base"]


def _ceramide(text: str, name: str) -> tuple[int, int, int]:
    """Carbons, double bonds and oxygens of a sum or molecular-species ceramide."""
    parts = text.split("/")
    if len(parts) > 2:
        raise NameSyntaxError(f"ceramide {text!r} in {name!r} has more than two chains")
    chains = [_chain(p, name) for p in parts]
    carbons = sum(c[0] for c in chains)
    dbonds = sum(c[1] for c in chains)
    base = chains[0]
    if base[2] is not None:
        oxygens = base[2]
    elif base[3] == "t":
        oxygens = 3
    elif base[3] == "d" or len(chains) == 2:
        oxygens = 2  # a dihydroxy sphingoid base is implied by the molecular-species form
    else:
        raise NameSyntaxError(
            f"{name!r} has no ceramide oxygen count; expected e.g. (36:1;O2) or (d36:1)"
        )
    if len(chains) == 2:
        oxygens += chains[1][2] or 0  # hydroxylated fatty acid, e.g. 18:0;O
    return carbons, dbonds, oxygens


def parse_name(name: str) -> ParsedName:
    """Parse one ganglioside name.

    Whitespace is ignored; modification order does not matter; ``Fuc`` is read as ``dHex``;
    a ``d``/``t`` ceramide prefix (``d36:1``) stands for two/three oxygens.

    Raises
    ------
    NameSyntaxError
        If the name does not follow the grammar or carries an unknown modification.
    """
    if not isinstance(name, str):
        raise NameSyntaxError(f"expected a name such as GD1(36:1;O2), got {name!r}")
    text = re.sub(r"\s+", "", name)
    m = _NAME.match(text)
    if m is None:
        raise NameSyntaxError(
            f"{name!r} does not follow the grammar core[isomer]{{+mod}}(C:DB;On), "
            "e.g. GD1(36:1;O2) or GT1b+OAc(38:1;O2)"
        )
    mods: dict[str, int] = {}
    for token in m["mods"].split("+")[1:]:
        tm = _MOD.match(token)
        code = MOD_ALIASES.get(tm["code"].lower()) if tm else None
        if tm is None or code is None:
            raise NameSyntaxError(
                f"unknown modification {'+' + token!r} in {name!r}; known: "
                "OAc, dHex (Fuc), Hex, HexNAc, NeuAc, NeuGc, each with an optional count (+2OAc)"
            )
        count = int(tm["n"]) if tm["n"] else 1
        if count < 1:
            raise NameSyntaxError(f"modification count must be ≥ 1 in {name!r}")
        mods[code] = mods.get(code, 0) + count
    carbons, dbonds, oxygens = _ceramide(m["cer"], name)
    if carbons < 10 or carbons > 80 or dbonds > carbons // 2 or oxygens > 8:
        raise NameSyntaxError(
            f"ceramide {carbons}:{dbonds};O{oxygens} in {name!r} is not plausible "
            "(expected 10-80 carbons, at most one double bond per two carbons, at most 8 O)"
        )
    isomer = m["isomer"].replace("alpha", "α")
    series = int(m["series"])
    hex_core, hexnac_core = CORE_NEUTRAL[series]
    ordered = tuple((code, mods[code]) for code in MOD_ORDER if code in mods)
    return ParsedName(
        name=name,
        core=f"G{m['sia']}{series}",
        isomer=isomer,
        modifications=ordered,
        carbons=carbons,
        double_bonds=dbonds,
        oxygens=oxygens,
        series=series,
        neuac=SIALO_COUNT[m["sia"]] + mods.get("NeuAc", 0),
        neugc=mods.get("NeuGc", 0),
        hex=hex_core + mods.get("Hex", 0),
        hexnac=hexnac_core + mods.get("HexNAc", 0),
        dhex=mods.get("dHex", 0),
        oac=mods.get("OAc", 0),
    )


# -- formula and mass ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lipid_parser() -> Any:
    # pygoslin is slow to import (it pulls scipy.stats); load it on first use only.
    from pygoslin.parser.Parser import LipidParser

    return LipidParser()


def _counts(formula: str) -> np.ndarray:
    from molmass import Formula

    comp = {sym: item.count for sym, item in Formula(formula).composition().items()}
    extra = set(comp) - set(_ELEMENTS)
    if extra:
        raise ValueError(f"unexpected elements {extra} in {formula}")
    return np.array([comp.get(e, 0) for e in _ELEMENTS], dtype=np.int64)


_REF_CORE = "GM3"
_REF_CERAMIDE = "36:1;O2"


@lru_cache(maxsize=4096)
def _glycolipid_counts(core: str, ceramide: str) -> np.ndarray:
    """Element counts of ``core ceramide`` as pygoslin computes it (no isomer letter)."""
    lipid = _lipid_parser().parse(f"{core} {ceramide}")
    return _counts(lipid.get_sum_formula())


@lru_cache(maxsize=4096)
def core_ceramide_counts(core: str, ceramide: str) -> np.ndarray:
    """Element counts of a plain core on a ceramide.

    Formulas are additive, so one pygoslin call per distinct core and per distinct ceramide
    serves every combination: (core, cer) = (core, ref) + (ref, cer) - (ref, ref).
    """
    return (
        _glycolipid_counts(core, _REF_CERAMIDE)
        + _glycolipid_counts(_REF_CORE, ceramide)
        - _glycolipid_counts(_REF_CORE, _REF_CERAMIDE)
    )


@cache
def residue_counts() -> dict[str, np.ndarray]:
    return {code: _counts(formula) for code, formula in RESIDUE_FORMULA.items()}


@lru_cache(maxsize=1)
def _element_masses() -> tuple[np.ndarray, float]:
    from molmass import ELECTRON, ELEMENTS

    masses = []
    for symbol in _ELEMENTS:
        element = ELEMENTS[symbol]
        # monoisotopic mass = the most abundant isotope for C, H, N, O
        iso = max(element.isotopes.values(), key=lambda i: i.abundance)
        masses.append(iso.mass)
    proton = ELEMENTS["H"].isotopes[1].mass - ELECTRON.mass
    return np.array(masses), proton


def hill_formula(counts: np.ndarray) -> str:
    """Hill-order formula string of C, H, N, O counts."""
    return "".join(
        f"{sym}{n if n != 1 else ''}" for sym, n in zip(_ELEMENTS, counts, strict=True) if n
    )


INT_FIELDS = (
    "carbons",
    "double_bonds",
    "oxygens",
    "series",
    "neuac",
    "neugc",
    "hex",
    "hexnac",
    "dhex",
    "oac",
    "sialic",
    "sugar_count",
)
TEXT_FIELDS = (
    "parse_error",
    "core",
    "isomer",
    "modifications",
    "group_key",
    "ceramide",
    "category",
)
_FRAME_COLUMNS = ["parse_error", *TEXT_FIELDS[1:6], *INT_FIELDS, "category"]


@lru_cache(maxsize=65536)
def _name_record(name: str) -> tuple[dict[str, object], np.ndarray | None]:
    """The composition record of one name and its element counts (None without a formula).

    Cached: a table's names recur across analyses (reruns, batches of one lab).
    """
    try:
        p = parse_name(name)
    except NameSyntaxError as exc:
        return {"name": name, "parse_error": str(exc)}, None
    record: dict[str, object] = {
        "name": name,
        "parse_error": "",
        "core": p.core,
        "isomer": p.isomer,
        "modifications": p.mod_string,
        "group_key": p.group_key,
        "ceramide": p.ceramide,
        "carbons": p.carbons,
        "double_bonds": p.double_bonds,
        "oxygens": p.oxygens,
        "series": p.series,
        "neuac": p.neuac,
        "neugc": p.neugc,
        "hex": p.hex,
        "hexnac": p.hexnac,
        "dhex": p.dhex,
        "oac": p.oac,
        "sialic": p.sialic,
        "sugar_count": p.sugar_count,
        "category": p.category,
    }
    try:
        c = core_ceramide_counts(p.core, p.ceramide).copy()
    except Exception:  # pygoslin raises its own error types: the row keeps no formula
        return record, None
    residues = residue_counts()
    for code, n in p.modifications:
        c += n * residues[code]
    c.flags.writeable = False  # shared through the cache
    return record, c


def composition_frame(names: pd.Series | list[str]) -> pd.DataFrame:
    """Parse distinct names into a frame indexed by name.

    Columns: parse_error (empty when parsed), core, isomer, modifications, group_key, ceramide,
    carbons, double_bonds, oxygens, series, neuac, neugc, hex, hexnac, dhex, oac, sialic,
    sugar_count, category, formula, mass, mz_h, mz_2h.  A name that does not parse keeps a row
    with its ``parse_error`` and empty fields.
    """
    distinct = pd.unique(pd.Series(names, dtype=object))
    records: list[dict[str, object]] = []
    counts = np.zeros((len(distinct), len(_ELEMENTS)), dtype=np.int64)
    has_formula = np.zeros(len(distinct), dtype=bool)
    for i, name in enumerate(distinct):
        record, element_counts = _name_record(name)
        records.append(record)
        if element_counts is not None:
            counts[i] = element_counts
            has_formula[i] = True
    frame = pd.DataFrame.from_records(records, index="name") if records else pd.DataFrame()
    frame = frame.reindex(index=distinct, columns=_FRAME_COLUMNS)
    for col in INT_FIELDS:
        frame[col] = frame[col].astype(float)
    for col in TEXT_FIELDS:
        frame[col] = frame[col].astype(object)
    frame.index.name = "name"
    masses, proton = _element_masses()
    mass = np.where(has_formula, counts @ masses, np.nan)
    frame["formula"] = [
        hill_formula(c) if ok else "" for c, ok in zip(counts, has_formula, strict=True)
    ]
    frame["mass"] = mass
    frame["mz_h"] = mass - proton
    frame["mz_2h"] = (mass - 2 * proton) / 2
    return frame
