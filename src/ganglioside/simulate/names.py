"""Writing names of simulated peaks, e.g. ``GD1+OAc(36:1;O2)``.

The names are written here from the composition, never with the package's own name parser
(:mod:`ganglioside.names`), so that the tests reading them back check that parser.
"""

from __future__ import annotations

import numpy as np

from .composition import CORES, Comp, cer_key, encode

# Modification fields and how a name writes them, in canonical order.
_MOD_CODES = (
    ("dhex", "dHex"),
    ("hex", "Hex"),
    ("hexnac", "HexNAc"),
    ("neugc", "NeuGc"),
    ("oac", "OAc"),
)


def _mod_tokens(c: Comp, i: int) -> list[str]:
    tokens = []
    for field_name, code in _MOD_CODES:
        count = int(c[field_name][i])
        if count == 1:
            tokens.append(code)
        elif count > 1:
            tokens.append(f"{count}{code}")
    return tokens


def names(
    c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray, reverse: np.ndarray
) -> np.ndarray:
    """Names for every row; ``reverse`` writes stacked modifications in reversed order."""
    gkey = encode(c)
    key = (gkey * 10_000 + cer_key(carbons, db, oxy)) * 2 + reverse.astype(np.int64)
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    text = np.empty(len(uniq), dtype=object)
    for u, i in enumerate(first):
        tokens = _mod_tokens(c, int(i))
        if reverse[i]:
            tokens.reverse()
        core = CORES[(int(c["n"][i]), int(c["f"][i]))]
        mods = "".join(f"+{t}" for t in tokens)
        text[u] = f"{core}{mods}({int(carbons[i])}:{int(db[i])};O{int(oxy[i])})"
    return text[inverse.ravel()]


def canonical_names(c: Comp, carbons: np.ndarray, db: np.ndarray, oxy: np.ndarray) -> np.ndarray:
    """Names with modifications in canonical order."""
    return names(c, carbons, db, oxy, np.zeros(len(carbons), dtype=bool))
