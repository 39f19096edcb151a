"""Sum formulas and masses: pygoslin for a plain core on its ceramide, molmass for the rest."""

from __future__ import annotations

import contextlib
import io
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


_REF_CORE = "GM3"
_REF_CERAMIDE = "36:1;O2"


@lru_cache(maxsize=4096)
def _glycolipid_counts(core: str, ceramide: str) -> np.ndarray:
    """Element counts of ``core ceramide`` as pygoslin computes it (no isomer letter)."""
    lipid = _lipid_parser().parse(f"{core} {ceramide}")
    return _counts(lipid.get_sum_formula())


@lru_cache(maxsize=64)
def _core_counts(core: str) -> np.ndarray:
    """Element counts of ``core`` on the reference ceramide.

    From pygoslin for the cores it knows; a core it does not know (GA3, GD4, GQ2 …) is the
    reference core plus or minus whole residues (NeuAc, Hex, HexNAc).
    """
    # pygoslin raises its own error types for an unknown headgroup
    with contextlib.suppress(Exception):
        return _glycolipid_counts(core, _REF_CERAMIDE)
    residues = residue_counts()
    hex_n, hexnac_n = CORE_NEUTRAL[int(core[2])]
    ref_hex, ref_hexnac = CORE_NEUTRAL[int(_REF_CORE[2])]
    return (
        _glycolipid_counts(_REF_CORE, _REF_CERAMIDE)
        + (SIALO_COUNT[core[1]] - SIALO_COUNT[_REF_CORE[1]]) * residues["NeuAc"]
        + (hex_n - ref_hex) * residues["Hex"]
        + (hexnac_n - ref_hexnac) * residues["HexNAc"]
    )


@lru_cache(maxsize=4096)
def core_ceramide_counts(core: str, ceramide: str) -> np.ndarray:
    """Element counts of a plain core on a ceramide.

    Formulas are additive, so one pygoslin call per distinct core and per distinct ceramide
    serves every combination: (core, cer) = (core, ref) + (ref, cer) - (ref, ref).
    """
    return (
        _core_counts(core)
        + _glycolipid_counts(_REF_CORE, ceramide)
        - _glycolipid_counts(_REF_CORE, _REF_CERAMIDE)
    )


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
