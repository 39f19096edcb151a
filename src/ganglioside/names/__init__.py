"""Ganglioside names: one parser for every rule, composition, sum formula and mass.

The project's own grammar is Svennerholm headgroup shorthand plus the LIPID MAPS ceramide sum
composition (``GD1(36:1;O2)``, ``GT1b+OAc(38:1;O2)``, ``GM3+Gc(36:1;O2)``); the dialects of
lipid databases and tools are read too (:mod:`.dialects`): LIPID MAPS and Goslin species and
molecular species (``GM3(d18:1/16:0)``, ``GM3 18:1;O2/16:0``), MS-DIAL 4 and 5, LipidSearch
(with adducts), HMDB and trivial names, SwissLipids decorations, LDA suffixes, N-glycolyl
forms and labelled internal standards.  The formula adds up the ceramide and the residues
(residue formulas and element masses from molmass; checked against pygoslin's in the tests).
Each distinct name is parsed once per table; pygoslin reads only what the project's grammar
does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NameSyntaxError
from .dialects import NotAGanglioside, parse_name
from .formula import (
    ELEMENTS,
    _lipid_parser,
    core_ceramide_counts,
    hill_formula,
    load_lipid_parser,
    monoisotopic_masses,
    residue_counts,
)
from .grammar import (
    CATEGORY_BY_SIALIC,
    CORE_NEUTRAL,
    MOD_ALIASES,
    MOD_ORDER,
    NAME_MOD_ORDER,
    RESIDUE_COLUMNS,
    RESIDUE_FORMULA,
    RESIDUE_LABEL,
    SIALO_COUNT,
    ParsedName,
)

__all__ = [
    "CATEGORY_BY_SIALIC",
    "CORE_NEUTRAL",
    "ELEMENTS",
    "INT_FIELDS",
    "MOD_ALIASES",
    "MOD_ORDER",
    "NAME_FIELDS",
    "NAME_MOD_ORDER",
    "RESIDUE_COLUMNS",
    "RESIDUE_FORMULA",
    "RESIDUE_LABEL",
    "SIALO_COUNT",
    "TEXT_FIELDS",
    "NotAGanglioside",
    "ParsedName",
    "_lipid_parser",
    "composition_frame",
    "core_ceramide_counts",
    "hill_formula",
    "load_lipid_parser",
    "parse_name",
    "residue_counts",
]

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
#: Columns of the frame beyond the record's fields: the normalised species, the dialect the
#: name was read in, the class of a lipid that is no ganglioside, whether the name is a
#: labelled internal standard, the sulfate count, and whether it is a lyso form (one chain).
NAME_FIELDS = ("species", "dialect", "other_class", "is_internal_standard", "sulfate", "lyso")
_FRAME_COLUMNS = ["parse_error", *TEXT_FIELDS[1:6], *INT_FIELDS, "category", *NAME_FIELDS]


def _record(p: ParsedName) -> dict[str, object]:
    return {
        "name": p.name,
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
        "species": p.species,
        "dialect": p.dialect,
        "other_class": "",
        "is_internal_standard": p.is_internal_standard,
        "sulfate": p.sulfate,
        "lyso": p.lyso,
    }


def _parse_record(name: str) -> tuple[dict[str, object], np.ndarray | None]:
    """The composition record of one name and its element counts (None without a formula)."""
    try:
        p = parse_name(name)
    except NotAGanglioside as exc:
        return {"name": name, "parse_error": str(exc), "other_class": exc.lipid_class}, None
    except NameSyntaxError as exc:
        return {"name": name, "parse_error": str(exc)}, None
    record = _record(p)
    try:
        c = core_ceramide_counts(p.core, p.ceramide).copy()
    except (KeyError, ValueError):  # a core or ceramide key outside the grammar: no formula
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
    sugar_count, category, species, dialect, other_class, is_internal_standard, sulfate,
    formula, mass, mz_h, mz_2h.  A name that does not parse keeps a row with its
    ``parse_error`` and empty fields; a lipid of another class also gets its ``other_class``.

    Each name's row is parsed once per process (:func:`_name_record`) and the frame is built
    column by column from the cached rows.
    """
    distinct = pd.unique(pd.Series(names, dtype=object))
    rows = [_name_record(name) for name in distinct]
    # the index and formula's dtypes as pandas infers them (str; an empty frame: a range)
    index = pd.Index(distinct, name="name") if len(distinct) else pd.RangeIndex(0, name="name")
    columns = _columns([row[0] for row in rows], index)
    counts = np.zeros((len(distinct), len(ELEMENTS)), dtype=np.int64)
    has_formula = np.zeros(len(distinct), dtype=bool)
    for i, (_, element_counts, _) in enumerate(rows):
        if element_counts is not None:
            counts[i], has_formula[i] = element_counts, True
    mass, proton = monoisotopic_masses(counts)
    mass = np.where(has_formula, mass, np.nan)
    columns["formula"] = [row[2] for row in rows]
    columns["mass"] = mass
    columns["mz_h"] = mass - proton
    columns["mz_2h"] = (mass - 2 * proton) / 2
    return pd.DataFrame(columns, index=index, copy=False)


_FLOAT_COLUMNS = frozenset((*INT_FIELDS, "sulfate"))
_BOOL_COLUMNS = frozenset(("is_internal_standard", "lyso"))


def _columns(rows: list[tuple[object, ...]], index: pd.Index) -> dict[str, Any]:
    """The frame's columns (:data:`_FRAME_COLUMNS`) from the names' cached rows."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(_FRAME_COLUMNS)
    columns: dict[str, Any] = {}
    for col, column in zip(_FRAME_COLUMNS, values, strict=True):
        if col in _FLOAT_COLUMNS:
            columns[col] = np.array(column, dtype=float)
        elif col in _BOOL_COLUMNS:
            columns[col] = np.array([v is True or v is np.True_ for v in column], dtype=bool)
        else:
            columns[col] = _objects(column, index)
    return columns


def _objects(values: Sequence[object], index: pd.Index) -> pd.Series:
    """``values`` as an object column (pandas would infer a string dtype from an array)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return pd.Series(out, index=index, dtype=object, copy=False)


@lru_cache(maxsize=65536)
def _name_record(name: str) -> tuple[tuple[object, ...], np.ndarray | None, str]:
    """One name's values in the frame's columns (missing: NaN; ``other_class`` ""), its
    element counts (None without a formula) and its formula text ("" without one).

    Cached (the values are immutable, the counts read-only): a table's names recur across
    analyses (a study's samples, reruns, batches of one lab), so each is parsed once per
    process.
    """
    record, counts = _parse_record(name)
    values = tuple(record.get(col, np.nan) for col in _FRAME_COLUMNS)
    other = _FRAME_COLUMNS.index("other_class")
    if values[other] is None or values[other] is np.nan:
        values = (*values[:other], "", *values[other + 1 :])
    return values, counts, "" if counts is None else hill_formula(counts)
