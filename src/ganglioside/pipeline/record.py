"""The record of every row: fragment links, isomer track names, and the compound frame.

The columns are fresh arrays or categoricals given to the frame without a copy; their order is
that of :data:`~ganglioside.result.COMPOUND_COLUMNS`, then the extra input columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codes import blank_where, categorical, per_row_number
from ..logp import LOGP_SOURCES, LogPAssignment
from ..names import INT_FIELDS
from ..result import COMPOUND_COLUMNS, STATUSES
from ..rules import fragments, isomers
from ..rules.retention import RetentionResult
from .explain import Explanation
from .rows import ParsedNames, Rows
from .rule_steps import Acetylation

#: Columns of the clean table that the record rebuilds; the others pass through.
_TABLE_COLUMNS = frozenset({"row", "name", "rt", "volume", "log_p", "is_anchor"})
_RECORD_INT = tuple(c for c in INT_FIELDS if c not in ("series", "sialic"))
_RECORD_TEXT = ("group_key", "core", "category", "isomer", "modifications", "ceramide")
_MASSES = ("mass", "mz_h", "mz_2h")
#: Differences of two retention times are rounded to this many decimals (instruments give RT to
#: 3-4 decimals): -0.003, not the float noise -0.0030000000000001137.
RT_DIFFERENCE_DECIMALS = 6
_EVENT_COLUMNS = [
    "root_row",
    "parent_row",
    "parent_name",
    "fragment_row",
    "fragment_name",
    "delta_rt",
    "lost",
    "parent_volume",
    "fragment_volume",
    "volume_ratio",
]


def extra_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The input columns the analysis does not read, renamed ``input_<name>`` when a record
    column has their name."""
    return {
        c if c not in COMPOUND_COLUMNS else f"input_{c}": frame[c].to_numpy()
        for c in frame.columns
        if c not in _TABLE_COLUMNS
    }


@dataclass(frozen=True)
class FragmentLinks:
    """The fragments' links to their parents, per row (positional) and as events."""

    events: pd.DataFrame  # one row per fragment (AnalysisResult.fragments)
    parent_row: pd.arrays.IntegerArray  # row number of the direct parent, <NA> elsewhere
    root_row: pd.arrays.IntegerArray  # row number of the root parent, <NA> elsewhere
    delta_rt: np.ndarray  # RT(fragment) - RT(parent), NaN for non-fragments
    lost: pd.Categorical  # residues lost from the root ("" for non-fragments)
    consolidated: np.ndarray  # own volume plus the fragments' (0 for fragments, NaN invalid)


def link_fragments(
    data: pd.DataFrame,
    names: ParsedNames,
    rows: Rows,
    parent: np.ndarray,
    is_fragment: np.ndarray,
    root: np.ndarray,
) -> FragmentLinks:
    """Parent and root rows, RT offsets, lost residues and consolidated volumes."""
    n = len(parent)
    volume = np.nan_to_num(rows.volume, nan=0.0)
    frag = np.flatnonzero(is_fragment)
    consolidated = np.where(is_fragment, 0.0, volume)
    np.add.at(consolidated, root[frag], volume[frag])
    parent_row = np.zeros(n, dtype=np.int32)
    parent_row[frag] = rows.row[parent[frag]]
    root_row = np.zeros(n, dtype=np.int32)
    root_row[frag] = rows.row[root[frag]]
    delta_rt = np.full(n, np.nan)
    delta_rt[frag] = rows.rt[frag] - rows.rt[parent[frag]]
    lost_codes = np.zeros(n, dtype=np.int32)
    lost_labels = [""]
    if frag.size:
        found_codes, found_labels = fragments.lost_residue_codes(data, frag, root[frag])
        lost_codes[frag] = found_codes + 1
        lost_labels += found_labels
    return FragmentLinks(
        events=_fragment_events(data, names, rows, volume, frag, parent, root),
        parent_row=optional_row(parent_row, is_fragment),
        root_row=optional_row(root_row, is_fragment),
        delta_rt=delta_rt,
        lost=categorical(lost_codes, lost_labels),
        consolidated=np.where(rows.invalid, np.nan, consolidated),
    )


def _fragment_events(
    data: pd.DataFrame,
    names: ParsedNames,
    rows: Rows,
    volume: np.ndarray,
    frag: np.ndarray,
    parent: np.ndarray,
    root: np.ndarray,
) -> pd.DataFrame:
    """One row per fragment and its direct parent, ordered by root then fragment row."""
    if frag.size == 0:
        return pd.DataFrame(columns=_EVENT_COLUMNS)
    p = parent[frag]
    distinct, codes = names.distinct_names, names.name_codes
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(volume[p] > 0, volume[frag] / volume[p], np.nan)
    events = pd.DataFrame(
        {
            "root_row": rows.row[root[frag]],
            "parent_row": rows.row[p],
            "parent_name": distinct[codes[p]],
            "fragment_row": rows.row[frag],
            "fragment_name": distinct[codes[frag]],
            "delta_rt": rows.rt[frag] - rows.rt[p],
            "lost": fragments.lost_residues(data, frag, p),
            "parent_volume": volume[p],
            "fragment_volume": volume[frag],
            "volume_ratio": ratio,
        }
    )
    return events.sort_values(["root_row", "fragment_row"], kind="stable").reset_index(drop=True)


def track_labels(
    per_row: pd.DataFrame,
    group_code: np.ndarray,
    track: np.ndarray,
    n_tracks: Mapping[int, int],
    letters: Mapping[str, tuple[str, ...]],
    inferred: np.ndarray,
) -> pd.Categorical:
    """Isomer track names: configured/anchor letters when known, else early/late.

    ``track`` is the track each row was scored on, ``n_tracks`` the tracks of each multi-track
    group and ``inferred`` the rows whose track was inferred (two tracks).
    """
    n = len(track)
    core = per_row["core"].array
    core_codes = np.asarray(core.codes)
    labels: list[str] = [""]
    out = np.zeros(n, dtype=np.int64)  # index into labels
    multi = np.zeros(int(group_code.max()) + 1 if n else 0, dtype=np.int64)
    for g, n_t in n_tracks.items():
        multi[g] = n_t
    own = (multi[group_code] > 1) & (track >= 0) & ~inferred if len(multi) else inferred & False
    for k in np.unique(core_codes[own | inferred]).tolist():
        is_core = core_codes == k
        for mask, n_t in ((own & is_core, 0), (inferred & is_core, 2)):
            rows = np.flatnonzero(mask)
            if rows.size == 0:
                continue
            width = n_t or int(multi[group_code[rows]].max())
            names = isomers.track_labels(str(core.categories[k]), width, letters)
            out[rows] = len(labels) + np.clip(track[rows], 0, width - 1)
            labels.extend(names)
    text_code, distinct = pd.factorize(np.array(labels, dtype=object), sort=True)
    return categorical(text_code[out], distinct)


def optional_row(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """A row number, or <NA>; 32 bits hold any table's row numbers."""
    return pd.arrays.IntegerArray(
        np.where(present, values, 0).astype(np.int32), ~np.asarray(present, dtype=bool)
    )


def _identity_columns(rows: Rows, names: ParsedNames, logp: LogPAssignment) -> dict[str, Any]:
    """The record's columns from the input and the parsed name (``row`` to ``mz_2h``)."""
    per_row, codes, invalid = names.per_row, names.name_codes, rows.invalid
    return {
        "row": rows.row,
        "name": categorical(codes, names.distinct_names),
        "species": blank_where(per_row["species"].array, invalid),
        "rt": rows.rt,
        "volume": rows.volume,
        "log_p": rows.log_p,
        "log_p_source": categorical(logp.source_code, LOGP_SOURCES),
        "log_p_expected": np.round(logp.expected, 3),
        "is_anchor": rows.is_anchor,
        "is_internal_standard": rows.standard,
        **{c: blank_where(per_row[c].array, invalid) for c in _RECORD_TEXT},
        **{c: per_row[c].to_numpy() for c in _RECORD_INT},
        "formula": blank_where(per_row["formula"].array, invalid),
        **{
            c: per_row_number(names.composition[c].to_numpy(dtype=float), codes, invalid)
            for c in _MASSES
        },
    }


def compound_frame(
    rows: Rows,
    names: ParsedNames,
    logp: LogPAssignment,
    *,
    status: np.ndarray,
    explanation: Explanation,
    prediction: RetentionResult,
    outlier_z: float,
    track_label: pd.Categorical,
    oac: Acetylation,
    links: FragmentLinks,
    extras: Mapping[str, np.ndarray],
) -> pd.DataFrame:
    """The record: one row per input row, :data:`COMPOUND_COLUMNS` then the extra columns."""
    res = prediction
    columns = _identity_columns(rows, names, logp)
    columns.update(
        {
            "status": categorical(status, STATUSES),
            "reasons": explanation.reasons,
            "evidence": explanation.evidence,
            "warnings": explanation.warnings,
            "predicted_rt": res.predicted,
            "residual": res.residual,
            "z": res.z,
            "pi_low": res.predicted - outlier_z * res.sd,
            "pi_high": res.predicted + outlier_z * res.sd,
            "model_level": res.level,
            "model_id": res.model_id,
            "isomer_track": track_label,
            "oac_label": categorical(oac.code, oac.labels),
            "oac_base_row": optional_row(rows.row[np.clip(oac.base, 0, None)], oac.base >= 0),
            "oac_shift": np.round(oac.shift, RT_DIFFERENCE_DECIMALS),
            "fragment_of": links.root_row,
            "fragment_parent": links.parent_row,
            "fragment_delta_rt": np.round(links.delta_rt, RT_DIFFERENCE_DECIMALS),
            "fragment_lost": links.lost,
            "volume_consolidated": links.consolidated,
        }
    )
    columns.update(extras)
    # the columns are fresh arrays: no copy, no consolidation into 2-D blocks
    return pd.DataFrame(columns, copy=False)
