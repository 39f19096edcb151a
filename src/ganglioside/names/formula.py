"""Sum formulas and masses: ceramide and residues added up, molmass for the residue formulas
and the element masses; pygoslin reads the names of other dialects (:func:`goslin_parse`)."""

from __future__ import annotations

import contextlib
import io
import re
from functools import cache, lru_cache
from typing import Any

import numpy as np

from .grammar import CORE_NEUTRAL, RESIDUE_FORMULA, SIALO_COUNT

#: Elements counted, in Hill order.  Masses are computed from the first four (C, H, N, O) as
#: before sulfur was counted, plus sulfur where a name has some, so masses without sulfur keep
#: every bit.
ELEMENTS = ("C", "H", "N", "O", "S")
_CHNO = 4


@lru_cache(maxsize=1)
def _lipid_parser() -> Any:
    # pygoslin is slow to import (it pulls scipy.stats); load it on first use only.
    from pygoslin.parser.Parser import LipidParser

    return LipidParser()


def load_lipid_parser() -> None:
    """Load pygoslin's grammars now (a worker's warm-up) rather than at the first name that
    needs them: names the project's own grammar reads never load them."""
    _lipid_parser()


def goslin_parse(text: str) -> Any:
    """pygoslin's reading of ``text`` (a LipidAdduct), or None when no grammar reads it.

    pygoslin prints some warnings itself; they are kept off the user's terminal.
    """
    parser = _lipid_parser()
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            return parser.parse(text)
        except Exception:  # pygoslin raises its own exception types
            return None


def _counts(formula: str) -> np.ndarray:
    from molmass import Formula

    comp = {sym: item.count for sym, item in Formula(formula).composition().items()}
    extra = set(comp) - set(ELEMENTS)
    if extra:
        raise ValueError(f"unexpected elements {extra} in {formula}")
    return np.array([comp.get(e, 0) for e in ELEMENTS], dtype=np.int64)


#: A ceramide key ``c:db;Oo`` (carbons, double bonds, oxygens of base and fatty acid together),
#: or a lyso form's base ``c:db;Oo/0:0``.
_CERAMIDE_KEY = re.compile(r"^(\d+):(\d+);O(\d+)(/0:0)?$")


@lru_cache(maxsize=4096)
def ceramide_counts(ceramide: str) -> np.ndarray:
    """Element counts of the ceramide ``c:db;Oo``: a sphingoid base N-acylated by a fatty acid
    has C c, H 2c − 2db + 1, N 1 and O o + 1 (its hydroxyls and the amide's carbonyl), e.g.
    36:1;O2 → C36H71NO3.  A lyso form's base ``c:db;Oo/0:0`` has no acyl: C c, H 2c − 2db + 3,
    N 1, O o (its amine and hydroxyls), e.g. 18:1;O2/0:0 → C18H37NO2, sphingosine.

    Raises
    ------
    ValueError
        When ``ceramide`` is not a ``c:db;Oo`` key.
    """
    match = _CERAMIDE_KEY.match(ceramide)
    if match is None:
        raise ValueError(f"ceramide {ceramide!r} is not written c:db;Oo")
    c, db, o = (int(g) for g in match.groups()[:3])
    if match[4]:  # no N-acyl: the amide's water is not lost
        return np.array([c, 2 * c - 2 * db + 3, 1, o, 0], dtype=np.int64)
    return np.array([c, 2 * c - 2 * db + 1, 1, o + 1, 0], dtype=np.int64)


@lru_cache(maxsize=64)
def glycan_counts(core: str) -> np.ndarray:
    """Element counts of the glycan of a plain core (``GM3``, ``GD1`` …) as residues linked to
    the ceramide: its NeuAc, Hex and HexNAc (each residue formula already lost its water)."""
    residues = residue_counts()
    hex_n, hexnac_n = CORE_NEUTRAL[int(core[2])]
    return (
        SIALO_COUNT[core[1]] * residues["NeuAc"]
        + hex_n * residues["Hex"]
        + hexnac_n * residues["HexNAc"]
    )


def core_ceramide_counts(core: str, ceramide: str) -> np.ndarray:
    """Element counts of a plain core on a ceramide: the ceramide plus the core's glycan.

    Plain arithmetic on the residue formulas (molmass), so the common names need no lipid
    parser; ``tests/names/test_names.py`` checks it against pygoslin's sum formulas.
    """
    return ceramide_counts(ceramide) + glycan_counts(core)


@cache
def residue_counts() -> dict[str, np.ndarray]:
    return {code: _counts(formula) for code, formula in RESIDUE_FORMULA.items()}


@lru_cache(maxsize=1)
def _element_masses() -> tuple[np.ndarray, float]:
    from molmass import ELECTRON
    from molmass import ELEMENTS as TABLE

    masses = []
    for symbol in ELEMENTS:
        element = TABLE[symbol]
        # monoisotopic mass = the most abundant isotope (12C, 1H, 14N, 16O, 32S)
        iso = max(element.isotopes.values(), key=lambda i: i.abundance)
        masses.append(iso.mass)
    proton = TABLE["H"].isotopes[1].mass - ELECTRON.mass
    return np.array(masses), proton


def monoisotopic_masses(counts: np.ndarray) -> tuple[np.ndarray, float]:
    """Neutral monoisotopic mass of each row of element counts, and the proton mass."""
    masses, proton = _element_masses()
    chno = np.ascontiguousarray(counts[:, :_CHNO])
    mass = chno @ masses[:_CHNO]
    sulfur = counts[:, _CHNO]
    if sulfur.any():
        mass = mass + sulfur * masses[_CHNO]
    return mass, proton


def hill_formula(counts: np.ndarray) -> str:
    """Hill-order formula string of C, H, N, O, S counts."""
    return "".join(
        f"{sym}{n if n != 1 else ''}" for sym, n in zip(ELEMENTS, counts, strict=False) if n
    )
