"""Evidence from the mass spectrometer: precursor m/z error and adduct artefacts.

Pure functions of numbers and strings.  Masses are computed from formulas with molmass's
element data (monoisotopic), never typed in: an adduct ``[M+HCOO]-`` is parsed into the
formulas it adds and removes and its charge; the ion's m/z is ``(M + added − removed − z ×
electron) / |z|`` with ``z`` the signed charge.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from molmass import Formula

#: Electron mass (Da), CODATA 2018.
ELECTRON = 0.000548579909
#: Shorthands of adduct parts, written as formulas.
_ALIASES = {
    "FA": "CH2O2",  # formic acid
    "HCOO": "CHO2",
    "HAc": "C2H4O2",  # acetic acid
    "Hac": "C2H4O2",
    "CH3COO": "C2H3O2",
    "OAc": "C2H3O2",
    "ACN": "C2H3N",
}
_ADDUCT = re.compile(r"^\[?(\d*)M((?:[+-]\d*[A-Za-z][A-Za-z0-9]*)*)\]?(\d*)([+-])$")
_PART = re.compile(r"([+-])(\d*)([A-Za-z][A-Za-z0-9]*)")
#: Neutral additions that turn one [M-H]- ion into a co-eluting artefact ion (in-source
#: adducts and clusters in negative mode): formula -> name shown.
ARTEFACT_ADDITIONS = {
    "Na-H": "+Na-H",
    "K-H": "+K-H",
    "HCl": "+HCl",
    "CH2O2": "+HCOOH",
    "C2H4O2": "+CH3COOH",
    "CHNaO2": "+HCOONa",
    "NaCl": "+NaCl",
}


@cache
def formula_mass(formula: str) -> float:
    """Monoisotopic mass of ``formula`` (molmass); a formula with a minus part (``Na-H``)
    is the difference of its parts."""
    if "-" in formula:
        head, *rest = formula.split("-")
        return formula_mass(head) - sum(formula_mass(r) for r in rest)
    return float(Formula(_ALIASES.get(formula, formula)).isotope.mass)


def _adduct_text(adduct: str) -> str:
    """The adduct written with its M and its charge sign: LipidSearch's ``-H`` → ``M-H-``."""
    text = adduct.strip().replace(" ", "")
    if text and text[0] in "+-" and not text.startswith("[M"):
        text = "M" + text  # LipidSearch writes the adduct without its M
        if text[-1] not in "+-":
            text += "-" if "-H" in text else "+"
    return text


def _parts_mass(parts: str) -> float | None:
    """The mass the signed parts of an adduct (``+HCOO``, ``-2H``) add; None when a part is
    not a formula."""
    added = 0.0
    for sign, count, part in _PART.findall(parts):
        try:
            mass = formula_mass(part)
        except Exception:  # molmass refuses a word that is not a formula
            return None
        added += (1 if sign == "+" else -1) * int(count or 1) * mass
    return added


@cache
def adduct_shift(adduct: str) -> tuple[float, int, int] | None:
    """(mass added to n·M, signed charge, n) of an adduct such as ``[M-H]-``, ``[M-2H]2-``,
    ``[M+HCOO]-``, ``[M+Na-2H]-``, ``-H`` (LipidSearch) or ``M-H``; None when it cannot be
    read."""
    found = _ADDUCT.match(_adduct_text(adduct))
    if not found:
        return None
    added = _parts_mass(found.group(2))
    if added is None:
        return None
    n = int(found.group(1) or 1)
    charge = int(found.group(3) or 1) * (1 if found.group(4) == "+" else -1)
    return added, charge, n


def ion_mz(mass: float, adduct: str) -> float:
    """m/z of the ion ``adduct`` of a neutral of monoisotopic ``mass`` (NaN when unreadable)."""
    shift = adduct_shift(adduct)
    if shift is None or not np.isfinite(mass):
        return float("nan")
    added, charge, n = shift
    return (n * mass + added - charge * ELECTRON) / abs(charge)


def ppm_error(measured: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """(measured − expected) / expected × 10⁶, NaN where either is missing."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.asarray(measured, float) - expected) / expected * 1e6


def artefact_parents(
    mz: np.ndarray,
    rt: np.ndarray,
    volume: np.ndarray,
    candidates: np.ndarray,
    *,
    ppm: float,
    rt_window: float,
) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the row whose ion plus a common adduct or cluster
    (:data:`ARTEFACT_ADDITIONS`) is this row's measured m/z at the same RT (within
    ``rt_window`` min and ``ppm``), else -1; and the addition's index.

    Only rows of ``candidates`` (a mask: rows with a measured m/z) take part; a parent must be
    more abundant than its artefact.  Sorting by m/z keeps the search to a binary search per
    addition.
    """
    n = len(mz)
    parent = np.full(n, -1, dtype=np.int64)
    which = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(candidates & np.isfinite(mz) & np.isfinite(rt))
    if idx.size < 2:
        return parent, which
    order = idx[np.argsort(mz[idx])]
    sorted_mz = mz[order]
    for k, formula in enumerate(ARTEFACT_ADDITIONS):
        delta = formula_mass(formula)
        target = mz[idx] - delta
        tol = np.abs(target) * ppm * 1e-6
        lo = np.searchsorted(sorted_mz, target - tol, side="left")
        hi = np.searchsorted(sorted_mz, target + tol, side="right")
        for i, a, b in zip(idx, lo, hi, strict=True):
            if parent[i] >= 0 or a >= b:
                continue
            near = order[a:b]
            near = near[(np.abs(rt[near] - rt[i]) <= rt_window) & (volume[near] > volume[i])]
            if near.size:
                parent[i] = int(near[np.argmax(volume[near])])
                which[i] = k
    return parent, which
