"""Precursor m/z against the formula: ``mz_error_ppm`` where the export gives the measured m/z
and the adduct; beyond ``mz_tolerance_ppm`` the name does not fit the ion (an outlier)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...codes import per_row_number
from ...rules.mass_evidence import ion_mz, ppm_error
from ..context import Context, Rule
from ..contract import Claim, Finding, Note, Reason, Words
from ._export_columns import ADDUCT_COLUMNS, MZ_COLUMNS, export_column, numbers


@dataclass(frozen=True)
class MzError:
    """Per row: the measured precursor m/z, the formula's ion m/z and the error (ppm); NaN
    where the export gives no m/z or adduct.  ``off``: beyond the tolerance."""

    measured: np.ndarray
    expected: np.ndarray
    ppm: np.ndarray
    off: np.ndarray


def mz_error(ctx: Context) -> MzError:
    """The error of every row with a measured m/z, an adduct that can be read and a formula."""
    n = len(ctx.rows.rt)
    measured = numbers(export_column(ctx.extras, MZ_COLUMNS), n)
    adducts = export_column(ctx.extras, ADDUCT_COLUMNS)
    names = ctx.names
    mass = per_row_number(
        names.composition["mass"].to_numpy(dtype=float), names.name_codes, ctx.rows.invalid
    )
    expected = np.full(n, np.nan)
    if adducts is not None:
        for i in np.flatnonzero(np.isfinite(measured) & np.isfinite(mass)):
            expected[i] = ion_mz(float(mass[i]), str(adducts[i]))
    ppm = ppm_error(measured, expected)
    with np.errstate(invalid="ignore"):
        off = np.abs(ppm) > ctx.cfg.mz_tolerance_ppm
    return MzError(measured, expected, ppm, off & ~ctx.rows.invalid & ~ctx.rows.standard)


def apply(ctx: Context) -> Finding:
    found = mz_error(ctx)
    tol = ctx.cfg.mz_tolerance_ppm
    checked = np.isfinite(found.ppm)
    keys = np.round(np.where(found.off, found.ppm, 0.0), 1)
    notes: tuple[Note, ...] = ()
    if found.off.any():
        notes = (
            Note(
                f"{int(found.off.sum())} row(s) whose measured precursor m/z is more than "
                f"{tol:g} ppm from their formula's ion (see mz_error_ppm): misannotated",
                45,
            ),
        )
    return Finding(
        rule="mz_error",
        detail=found,
        claims=(Claim("mz_mismatch", "outlier", found.off & ~ctx.rows.anchors),),
        reasons=(
            Reason(
                found.off,
                status="outlier",
                rank=75,
                keys=keys,
                text_of=lambda ppm: (
                    f"precursor m/z {ppm:+.1f} ppm from the formula's ion (tolerance "
                    f"{tol:g} ppm): the name does not fit the ion; likely misannotated"
                ),
            ),
        ),
        evidence=(Words(checked.astype(np.int8) + found.off, ["", "mz:pass", "mz:fail"], rank=15),),
        warnings=(Words.flag(found.off & ctx.rows.anchors, "mz_mismatch", rank=25),),
        notes=notes,
        columns={"mz_error_ppm": np.round(found.ppm, 2)},
    )


RULE = Rule("mz_error", apply, makes=MzError)
