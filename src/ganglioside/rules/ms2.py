"""MS/MS evidence: ganglioside diagnostic ions and losses in an export's spectrum.

A spectrum is read from the text exports write (MS-DIAL ``290.0896:136 308.1002:50 …``;
pairs separated by spaces, semicolons or commas, m/z and intensity by ``:`` or a space).  In
negative mode the diagnostic ions of a ganglioside are (masses from formulas, molmass):

* sialic-acid B-ions: NeuAc [C11H17NO8 − H]⁻ 290.088 and [C11H19NO9 − H]⁻ 308.099; NeuGc
  306.083 / 324.094; O-acetyl-NeuAc 332.099 / 350.109 (only looked for when the name has the
  residue);
* losses from the precursor: a sialic acid (NeuAc 291.095, NeuGc 307.090), a hexose (162.053),
  a HexNAc (203.079);
* the ceramide: [Cer − H]⁻ of the name's ceramide (C_a H_(2a−2b+1) N O_(c+1)); of a lyso
  form, the sphingoid base [LCB − H]⁻ (C_a H_(2a−2b+3) N O_c).

Facts about which fragments gangliosides give come from the literature on ganglioside
MS/MS (sialic-acid oxonium/B-ions and Y-type losses; the same ions LDA 2's ganglioside rules
use); the code is the project's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .mass_evidence import ELECTRON, formula_mass

_PAIR = re.compile(r"(\d+(?:\.\d+)?)\s*[: ]\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)")
_PROTON = formula_mass("H") - ELECTRON


@dataclass(frozen=True)
class Match:
    """One diagnostic ion found: its name, theoretical and measured m/z, error (ppm) and
    intensity relative to the spectrum's base peak (%)."""

    ion: str
    mz: float
    measured: float
    ppm: float
    relative: float

    def text(self) -> str:
        return f"{self.ion}@{self.measured:.4f}({self.ppm:+.1f}ppm,{self.relative:.0f}%)"


def read_spectrum(text: object) -> np.ndarray:
    """The (m/z, intensity) pairs of a spectrum cell, shape (n, 2); empty when none."""
    if not isinstance(text, str) or not text.strip():
        return np.empty((0, 2))
    pairs = [(float(a), float(b)) for a, b in _PAIR.findall(text.replace(",", " "))]
    return np.array(pairs, dtype=float).reshape(-1, 2)


def _anion(formula: str) -> float:
    """m/z of [formula − H]⁻."""
    return formula_mass(formula) - _PROTON


def diagnostic_ions(
    composition: dict[str, int],
    precursor: float,
    ceramide: tuple[int, int, int] | None,
    lyso: bool = False,
) -> dict[str, float]:
    """The ions to look for (name -> m/z) for a ganglioside of ``composition`` (counts of
    ``neuac``, ``neugc``, ``oac``, ``hex``, ``hexnac``), its precursor m/z (singly charged
    [M−H]⁻ or NaN) and its ceramide (carbons, double bonds, oxygens); a lyso form's is its
    sphingoid base, [base − H]⁻ (C_a H_(2a−2b+3) N O_c)."""
    ions: dict[str, float] = {}
    if composition.get("neuac", 0) > 0:
        ions["NeuAc B-H2O"] = _anion("C11H17NO8")
        ions["NeuAc B"] = _anion("C11H19NO9")
    if composition.get("neugc", 0) > 0:
        ions["NeuGc B-H2O"] = _anion("C11H17NO9")
        ions["NeuGc B"] = _anion("C11H19NO10")
    if composition.get("oac", 0) > 0 and composition.get("neuac", 0) > 0:
        ions["NeuAc+OAc B-H2O"] = _anion("C13H19NO9")
        ions["NeuAc+OAc B"] = _anion("C13H21NO10")
    if np.isfinite(precursor):
        losses = {"neuac": "C11H17NO8", "neugc": "C11H17NO9", "hex": "C6H10O5"}
        losses["hexnac"] = "C8H13NO5"
        for key, residue in losses.items():
            if composition.get(key, 0) > 0:
                ions[f"-{key}"] = precursor - formula_mass(residue)
    if ceramide is not None and lyso:
        a, b, c = ceramide
        ions["LCB-H"] = _anion(f"C{a}H{2 * a - 2 * b + 3}NO{c}")
    elif ceramide is not None:
        a, b, c = ceramide
        ions["Cer-H"] = _anion(f"C{a}H{2 * a - 2 * b + 1}NO{c + 1}")
    return ions


def match_ions(spectrum: np.ndarray, ions: dict[str, float], tolerance: float) -> list[Match]:
    """The ions of ``ions`` found in ``spectrum`` within ``tolerance`` Da (the most intense
    peak within it), in the order of ``ions``."""
    if spectrum.size == 0:
        return []
    mz, intensity = spectrum[:, 0], spectrum[:, 1]
    base = float(intensity.max()) if intensity.max() > 0 else 1.0
    out = []
    for name, target in ions.items():
        near = np.flatnonzero(np.abs(mz - target) <= tolerance)
        if near.size:
            best = near[np.argmax(intensity[near])]
            ppm = (mz[best] - target) / target * 1e6
            out.append(
                Match(name, target, float(mz[best]), float(ppm), 100 * intensity[best] / base)
            )
    return out


def sialic_evidence(matches: list[Match]) -> bool:
    """Whether the matches include a sialic-acid B-ion or a sialic-acid loss: the ions that
    say the precursor is a ganglioside (a ceramide ion alone does not)."""
    return any(m.ion.startswith(("NeuAc", "NeuGc", "-neuac", "-neugc")) for m in matches)


#: Residues a ganglioside's precursor loses in MS/MS (count column → formula as linked).
LOSSES = {
    "neuac": "C11H17NO8",
    "neugc": "C11H17NO9",
    "hex": "C6H10O5",
    "hexnac": "C8H13NO5",
    "dhex": "C6H10O4",
    "oac": "C2H2O",
}


def glycan_loss(composition: dict[str, int], delta: float, tolerance: float) -> bool:
    """Whether losing residues of ``composition`` (at most its counts of each) takes
    ``delta`` Da off the precursor, within ``tolerance``: the ion is then the name's own
    fragment (a GD1's [M−H−NeuAc]⁻), not another feature's ion."""
    sums = np.zeros(1)
    for key, formula in LOSSES.items():
        n = int(composition.get(key, 0))
        if n > 0:
            steps = np.arange(n + 1) * formula_mass(formula)
            sums = (sums[:, None] + steps[None, :]).ravel()
    return bool(np.any(np.abs(sums[1:] - delta) <= tolerance)) if sums.size > 1 else False


def dominating_precursors(
    base_peak: np.ndarray,
    mz: np.ndarray,
    rt: np.ndarray,
    candidates: np.ndarray,
    owners: np.ndarray,
    *,
    tolerance: float,
    rt_window: float,
) -> np.ndarray:
    """For each row of ``candidates``, the row of ``owners`` whose measured precursor m/z is
    the base peak of the candidate's MS/MS spectrum (within ``tolerance`` Da), eluting with it
    (within ``rt_window`` min) and lighter than the candidate's own precursor (a product ion);
    -1 when none.  The closest in m/z wins."""
    parent = np.full(len(mz), -1, dtype=np.int64)
    pool = np.flatnonzero(owners & np.isfinite(mz) & np.isfinite(rt))
    todo = np.flatnonzero(candidates & np.isfinite(base_peak) & np.isfinite(mz) & np.isfinite(rt))
    if pool.size == 0:
        return parent
    for i in todo:
        near = pool[
            (np.abs(mz[pool] - base_peak[i]) <= tolerance)
            & (np.abs(rt[pool] - rt[i]) <= rt_window)
            & (mz[pool] < mz[i] - tolerance)
            & (pool != i)
        ]
        if near.size:
            parent[i] = int(near[np.argmin(np.abs(mz[near] - base_peak[i]))])
    return parent
