"""The record of every row: isomer track names and the compound frame, from the findings.

The columns are fresh arrays or categoricals given to the frame without a copy; their order is
that of :data:`~ganglioside.result.COMPOUND_COLUMNS`, then the extra input columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..codes import blank_where, categorical, optional_row, per_row_number
from ..logp import LOGP_SOURCES, LogPAssignment
from ..names import INT_FIELDS
from ..result import COMPOUND_COLUMNS, STATUSES
from ..rules import isomers
from .context import Context
from .explain import Explanation
from .rows import ParsedNames, Rows
from .steps.acetylation import Acetylation
from .steps.fragments import FragmentDecision
from .steps.retention import RetentionFit

#: Columns of the clean table that the record rebuilds; the others pass through.
_TABLE_COLUMNS = frozenset({"row", "name", "rt", "volume", "log_p", "is_anchor"})
_RECORD_INT = tuple(c for c in INT_FIELDS if c not in ("series", "sialic"))
_RECORD_TEXT = ("group_key", "core", "category", "isomer", "modifications", "ceramide")
_MASSES = ("mass", "mz_h", "mz_2h")
#: Differences of two retention times are rounded to this many decimals (instruments give RT to
#: 3-4 decimals): -0.003, not the float noise -0.0030000000000001137.
RT_DIFFERENCE_DECIMALS = 6


def extra_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The input columns the analysis does not read, renamed ``input_<name>`` when a record
    column has their name."""
    return {
        c if c not in COMPOUND_COLUMNS else f"input_{c}": frame[c].to_numpy()
        for c in frame.columns
        if c not in _TABLE_COLUMNS
    }


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
    ctx: Context,
    status: np.ndarray,
    explanation: Explanation,
    extras: Mapping[str, np.ndarray],
) -> pd.DataFrame:
    """The record: one row per input row, :data:`COMPOUND_COLUMNS` (with the columns the
    findings add) then the extra input columns."""
    rows, fit = ctx.rows, ctx.detail(RetentionFit)
    res, oac, links = fit.prediction, ctx.detail(Acetylation), ctx.detail(FragmentDecision).links
    columns = _identity_columns(rows, ctx.names, ctx.logp)
    columns.update(
        {
            "status": categorical(status, STATUSES),
            "reasons": explanation.reasons,
            "evidence": explanation.evidence,
            "warnings": explanation.warnings,
            "predicted_rt": res.predicted,
            "residual": res.residual,
            "z": res.z,
            "pi_low": res.predicted - fit.half_width_95,
            "pi_high": res.predicted + fit.half_width_95,
            "model_level": res.level,
            "model_id": res.model_id,
            "isomer_track": _track_label(ctx, fit),
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
    for finding in ctx.findings:
        columns.update(finding.columns)
    ordered = {c: columns.pop(c) for c in COMPOUND_COLUMNS if c in columns}
    # the columns are fresh arrays: no copy, no consolidation into 2-D blocks
    return pd.DataFrame({**ordered, **columns, **extras}, copy=False)


def _track_label(ctx: Context, fit: RetentionFit) -> pd.Categorical:
    """The isomer track name of every row (configured or anchor letters, else early/late)."""
    letters = {**isomers.lettered_order(ctx.data, ctx.rows.anchors), **ctx.cfg.isomer_elution_order}
    return track_labels(
        ctx.names.per_row,
        ctx.rows.group_code,
        fit.prediction.track,
        fit.n_tracks,
        letters,
        fit.prediction.track_inferred,
    )
