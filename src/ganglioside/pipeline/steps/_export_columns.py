"""The export's own columns a rule reads as evidence, found by their usual names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: Measured precursor m/z (MS-DIAL alignment and peak list, LipidSearch, generic tables).
MZ_COLUMNS = ("Average Mz", "Precursor m/z", "ObsMz", "Precursor Mz", "Measured m/z", "m/z", "mz")
#: Adduct (MS-DIAL, LipidSearch's ``Ion``, generic tables).
ADDUCT_COLUMNS = ("Adduct type", "Adduct", "MainIon", "Ion", "adduct_type")
#: MS/MS spectrum as text (MS-DIAL alignment ``MS/MS spectrum``, peak list ``MSMS spectrum``).
SPECTRUM_COLUMNS = ("MS/MS spectrum", "MSMS spectrum", "MS2 spectrum", "ms2_spectrum")


def export_column(extras: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray | None:
    """The first column of ``extras`` named one of ``names`` (case and spaces ignored)."""
    keyed = {k.lower().replace(" ", ""): v for k, v in extras.items()}
    for name in names:
        found = keyed.get(name.lower().replace(" ", ""))
        if found is not None:
            return found
    return None


def numbers(values: np.ndarray | None, n: int) -> np.ndarray:
    """A column as floats (NaN for what is not a number); all NaN without a column."""
    if values is None:
        return np.full(n, np.nan)
    out = np.full(n, np.nan)
    for i, v in enumerate(values):
        try:
            out[i] = float(str(v).replace(",", ".")) if str(v).strip() else np.nan
        except ValueError:
            continue
    return out
