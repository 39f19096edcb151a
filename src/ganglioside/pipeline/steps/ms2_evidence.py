"""MS/MS evidence: the ganglioside diagnostic ions found in each row's spectrum (where the
export gives one), listed in ``ms2_evidence`` (ion, m/z, ppm, relative intensity)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...rules.mass_evidence import ion_mz
from ...rules.ms2 import diagnostic_ions, match_ions, read_spectrum, sialic_evidence
from ..context import Context, Rule
from ..contract import Finding, Words
from ._export_columns import SPECTRUM_COLUMNS, export_column
from .mz_error import MzError

_COUNTS = ("neuac", "neugc", "oac", "hex", "hexnac")
_CERAMIDE = ("carbons", "double_bonds", "oxygens")


@dataclass(frozen=True)
class Ms2Evidence:
    """Per row: whether a spectrum was given, whether it holds sialic-acid evidence (a B-ion
    or a sialic-acid loss), and the matched ions as text."""

    has_spectrum: np.ndarray
    diagnostic: np.ndarray
    text: np.ndarray  # object: "NeuAc B-H2O@290.0896(+5.2ppm,23%);…" or ""
    base_peak: np.ndarray  # m/z of the spectrum's most intense peak (NaN without a spectrum)


def ms2_evidence(ctx: Context) -> Ms2Evidence:
    """Match each row's spectrum against the ions its composition should give."""
    n = len(ctx.rows.rt)
    spectra = export_column(ctx.extras, SPECTRUM_COLUMNS)
    has = np.zeros(n, dtype=bool)
    diagnostic = np.zeros(n, dtype=bool)
    text = np.full(n, "", dtype=object)
    base_peak = np.full(n, np.nan)
    if spectra is None:
        return Ms2Evidence(has, diagnostic, text, base_peak)
    per_row, mz = ctx.names.per_row, ctx.detail(MzError)
    mass = ctx.names.composition["mass"].to_numpy(dtype=float)[ctx.names.name_codes]
    checked = ~ctx.rows.invalid & ~ctx.rows.standard
    count = {c: per_row[c].to_numpy(dtype=np.int64) for c in (*_COUNTS, *_CERAMIDE)}
    lyso = per_row["lyso"].to_numpy(dtype=bool)
    for i in np.flatnonzero(checked):
        spectrum = read_spectrum(spectra[i])
        if spectrum.size == 0:
            continue
        has[i] = True
        base_peak[i] = spectrum[int(np.argmax(spectrum[:, 1])), 0]
        counts = {c: int(count[c][i]) for c in _COUNTS}
        # losses are looked for from [M-H]- only (not when the export names another adduct)
        mh = ion_mz(float(mass[i]), "[M-H]-")
        other_adduct = bool(np.isfinite(mz.expected[i]) and abs(mz.expected[i] - mh) > 0.5)
        precursor = np.nan if other_adduct else mh
        ceramide = (
            int(count["carbons"][i]),
            int(count["double_bonds"][i]),
            int(count["oxygens"][i]),
        )
        ions = diagnostic_ions(counts, float(precursor), ceramide, bool(lyso[i]))
        found = match_ions(spectrum, ions, ctx.cfg.ms2_tolerance)
        diagnostic[i] = sialic_evidence(found)
        text[i] = ";".join(m.text() for m in found)
    return Ms2Evidence(has, diagnostic, text, base_peak)


def apply(ctx: Context) -> Finding:
    found = ms2_evidence(ctx)
    code = found.has_spectrum.astype(np.int8) + found.diagnostic
    return Finding(
        rule="ms2_evidence",
        detail=found,
        evidence=(Words(code, ["", "ms2:no_diagnostic_ion", "ms2:diagnostic"], rank=16),),
        warnings=(
            Words.flag(found.has_spectrum & ~found.diagnostic, "ms2_without_sialic_ion", 85),
        ),
        columns={"ms2_evidence": found.text},
    )


RULE = Rule("ms2_evidence", apply, needs=(MzError,), makes=Ms2Evidence)
