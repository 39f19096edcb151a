"""analyze(): the order of the rules, progress reporting and the assembled result.

Order (ALGORITHM.md §3): read and check → parse → Rule 5 fragment candidates → Rule 3 isomer
tracks → Rule 1 RT model (fitted without the candidates, then used to decide them) → Rule 4
O-acetylation → Rule 2 sugar counts and categories → summary and quantities.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import AnalysisConfig
from .errors import ConfigError, InputError
from .logp import fit_logp
from .model_reports import describe_models
from .names import INT_FIELDS, TEXT_FIELDS, composition_frame
from .result import COMPOUND_COLUMNS, STATUSES, Analysis
from .rules import acetylation, categories, fragments, isomers
from .rules.retention import RetentionModel
from .summary import build_summary
from .table import read_table

Progress = Callable[[str, float, str], None]

_COMP_INT = INT_FIELDS
_COMP_TEXT = (*TEXT_FIELDS[1:], "formula")  # without parse_error
_RECORD_INT = tuple(c for c in INT_FIELDS if c not in ("series", "sialic"))


LOGP_SOURCES = ("given", "estimated", "missing")
VALID, OUTLIER, FRAGMENT, UNVERIFIED, INVALID = (STATUSES.index(s) for s in STATUSES)


def _categorical(codes: np.ndarray, labels: Any) -> pd.Categorical:
    """A categorical from integer codes and the (unique) label of each code."""
    return pd.Categorical.from_codes(np.asarray(codes), pd.Index(list(labels), dtype=object))


def _per_row_text(per_name: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """A per-name text value given to every row as a categorical (categories sorted, "" among
    them), without building one string object per row."""
    values = np.where(pd.isna(per_name), "", per_name).astype(object)
    name_codes, labels = pd.factorize(np.append(values, ""), sort=True)
    return _categorical(name_codes[:-1][codes], labels)


_MASSES = ("mass", "mz_h", "mz_2h")


def _per_row_number(per_name: np.ndarray, codes: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """A per-name number given to every row, NaN on the ``blank`` rows (one allocation)."""
    out = per_name[codes]
    out[blank] = np.nan
    return out


def _blank_where(values: Any, blank: np.ndarray) -> pd.Categorical:
    """The categorical ``values`` with "" (one of its categories) on the ``blank`` rows."""
    empty = int(np.flatnonzero(values.categories == "")[0])
    return _categorical(np.where(blank, empty, values.codes), values.categories)


def _label_code(labels: pd.Index | np.ndarray, label: str) -> int:
    """Code of ``label`` among factorized ``labels``, -1 when absent."""
    hits = np.flatnonzero(np.asarray(labels, dtype=object) == label)
    return int(hits[0]) if hits.size else -1


class _Steps:
    """Calls the user's progress callback, never letting it break the analysis."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()
        self._step: str | None = None

    def __call__(self, step: str, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if self._step is not None:
            self.timings[self._step] = self.timings.get(self._step, 0.0) + now - self._t
        self._step, self._t = step, now
        if self.callback is not None:
            self.callback(step, fraction, message)

    def done(self) -> None:
        self("summary", 1.0, "done")
        self._step = None


def analyze(
    source: str | Path | pd.DataFrame,
    config: AnalysisConfig | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Validate a ganglioside feature table.

    Parameters
    ----------
    source:
        Path of a CSV, TSV or XLSX file, or a DataFrame with columns Name, RT, Volume and
        optionally Log P and Anchor (matched case- and space-insensitively).
    config:
        An :class:`AnalysisConfig`, a mapping of parameters, or None for the defaults.
    progress:
        Optional callback ``progress(step, fraction, message)`` with ``fraction`` in [0, 1].

    Returns
    -------
    Analysis
        One record per input row (in input order), model reports, fragment events, summary,
        warnings and the parameters used.

    Raises
    ------
    InputError
        When the table as a whole cannot be analysed.
    ConfigError
        When a parameter is unknown or out of range.
    """
    if config is None:
        cfg = AnalysisConfig()
    elif isinstance(config, AnalysisConfig):
        cfg = config
    elif isinstance(config, Mapping):
        cfg = AnalysisConfig.from_mapping(config)
    else:
        raise ConfigError(f"config must be an AnalysisConfig or a mapping, got {type(config)}")
    steps = _Steps(progress)
    steps("read", 0.0, "reading the table")
    table = read_table(source, max_rt=cfg.max_rt)
    frame = table.frame
    warnings = list(table.warnings)
    n = len(frame)

    steps("parse", 0.1, f"parsing {n} names")
    if table.name_codes is not None and table.distinct_names is not None:
        codes, distinct = table.name_codes, table.distinct_names
    else:
        codes, uniques = pd.factorize(frame["name"], sort=False)
        distinct = np.asarray(uniques, dtype=object)
    comp_names = composition_frame(list(distinct))
    # Fill once per distinct name, then give every row its name's values by code: numbers
    # by a gather of small integers, texts as categoricals sharing the name's code.
    name_error = comp_names["parse_error"].fillna("").to_numpy(dtype=object)
    name_parsed = name_error == ""
    per_row = pd.DataFrame(
        {c: comp_names[c].fillna(0).to_numpy(dtype=np.int16)[codes] for c in _COMP_INT}
    )
    for c in _COMP_TEXT:
        per_row[c] = _per_row_text(comp_names[c].to_numpy(dtype=object), codes)
    problems = table.problems.to_numpy(dtype=object)
    parsed = name_parsed[codes]
    bad_name = np.flatnonzero(~parsed & (distinct[codes] != ""))
    if bad_name.size:
        problems = problems.copy()
        problems[bad_name] = [
            (p + "; " if p else "") + f"column 'Name': {e}"
            for p, e in zip(problems[bad_name], name_error[codes[bad_name]], strict=True)
        ]
    if not ((problems == "") & parsed).any():
        shown = " | ".join(f"row {i + 1}: {problems[i]}" for i in range(min(n, 3)))
        raise InputError(f"no usable row in {n} data rows, e.g. {shown}", file=table.source)

    # Log P: estimate where missing, flag where it disagrees with composition
    given = frame["log_p"].to_numpy(dtype=float)
    per_name_logp = pd.Series(given).groupby(codes).median().reindex(range(len(distinct)))
    names_filled = comp_names.reset_index(drop=True).fillna(0)
    lp_model = fit_logp(names_filled, per_name_logp.reset_index(drop=True).where(name_parsed))
    expected_logp = np.where(parsed, lp_model.predict(names_filled)[codes], np.nan)
    has_logp = np.isfinite(given)
    log_p = np.where(has_logp, given, expected_logp)
    source_code = np.where(has_logp, 0, np.where(np.isfinite(log_p), 1, 2)).astype(np.int8)
    log_p_source = _categorical(source_code, LOGP_SOURCES)
    mismatch = has_logp & parsed & (np.abs(given - expected_logp) > cfg.logp_mismatch)
    if lp_model.n_names < 8:
        mismatch[:] = False  # too few names to judge a composition estimate
    if (~has_logp & parsed).any():
        warnings.append(
            f"{int((~has_logp & parsed).sum())} row(s) had no Log P; estimated from composition "
            f"(increments fitted on {lp_model.n_names} named species"
            + (f", residual SD {lp_model.residual_sd:.2f})" if lp_model.n_names else ", prior)")
        )
    by_name = pd.Series(given).groupby(codes)
    spread = by_name.max() - by_name.min()
    inconsistent = spread[spread > 1e-6]
    if len(inconsistent):
        names_bad = [str(distinct[i]) for i in inconsistent.index[:5]]
        warnings.append(
            f"{len(inconsistent)} name(s) carry different Log P values on different rows "
            f"(Log P should follow from the structure), e.g. {', '.join(names_bad)}"
        )

    usable = (problems == "") & parsed & np.isfinite(log_p)
    invalid = ~((problems == "") & parsed)
    rt = frame["rt"].to_numpy(dtype=float)
    volume = frame["volume"].to_numpy(dtype=float)
    is_anchor = frame["is_anchor"].to_numpy(dtype=bool) & ~invalid

    steps("fragments", 0.25, "looking for in-source fragments")
    # codes are computed on distinct names and taken by each row
    cer_code = pd.factorize(comp_names["ceramide"].to_numpy(dtype=object))[0].astype(np.int32)[
        codes
    ]
    group_code = pd.factorize(comp_names["group_key"].fillna("").to_numpy(dtype=object))[0][codes]
    # the rules read composition and numbers from one frame (sharing the arrays, no copies)
    numbers = {
        "rt": rt,
        "volume": volume,
        "is_anchor": is_anchor,
        "log_p": log_p,
        "ceramide_code": cer_code,
        "group_code": group_code,
    }
    data = pd.concat([per_row, pd.DataFrame(numbers, copy=False)], axis=1)
    cands = fragments.find_candidates(
        data,
        usable,
        window=cfg.fragment_rt_window,
        deacetylation=cfg.fragment_deacetylation,
    )
    candidate = cands.parent >= 0

    steps("isomers", 0.4, "finding isomer tracks")
    name_keys = comp_names["group_key"].fillna("") + "|" + comp_names["ceramide"].fillna("")
    name_code = pd.factorize(name_keys.to_numpy(dtype=object))[0].astype(np.int32)[codes]
    anchors = usable & is_anchor
    track, n_tracks = isomers.anchor_tracks(group_code, name_code, rt, anchors)

    steps("retention", 0.5, "fitting the retention-time model")
    scoring = usable & ~candidate
    capable = isomers.isomer_capable(per_row) & usable
    pair_delta = isomers.pair_spacing(name_code, rt, scoring & capable & ~anchors)
    model = RetentionModel(
        min_anchors_group_model=cfg.min_anchors_group_model,
        min_q2=cfg.min_q2,
        rt_sd_floor=cfg.rt_sd_floor,
        robust=cfg.robust,
    ).fit(data, anchors, track, n_tracks, capable=capable, fallback_delta=pair_delta)
    delta = model.isomer_delta_
    rank = np.full(n, -2, dtype=np.int64)
    if delta is not None:
        rank[capable] = -1
        rank = isomers.pair_ranks(name_code, rt, scoring & capable, delta, rank)
    res = model.predict(data, usable, scoring & ~anchors, rank)
    del rank, track, scoring, capable  # large tables: keep only what later steps read
    multi_peak = res.track_inferred
    is_fragment, possible = fragments.decide(
        cands.parent,
        res.z,
        volume,
        outlier_z=cfg.outlier_z,
        keep_volume_ratio=cfg.fragment_keep_volume_ratio,
    )
    root = fragments.roots(cands.parent, is_fragment)

    steps("acetylation", 0.7, "checking O-acetylated species")
    base1, base2 = _oac_base_codes(comp_names, codes)
    oac_res = acetylation.check_acetylation(
        name_code,
        base1,
        base2,
        per_row["oac"].to_numpy(),
        rt,
        usable & ~is_fragment,
        default_shift=cfg.oac_expected_shift,
        coelution=cfg.oac_coelution,
        max_shift=cfg.oac_max_shift,
    )
    del base1, base2, name_code

    steps("categories", 0.8, "counting sugars and categorising")
    has_model = np.isfinite(res.predicted)
    outlier = usable & ~is_fragment & has_model & (np.abs(res.z) >= cfg.outlier_z) & ~anchors
    oac_code, oac_labels = pd.factorize(oac_res.label)
    oac_code = oac_code.astype(np.int8)  # a handful of labels
    oac_base, oac_shift, oac_expected = oac_res.base, oac_res.shift, oac_res.expected_shift
    del oac_res
    reversed_oac = oac_code == _label_code(oac_labels, "reversed")
    if cfg.oac_reversed_is_outlier:
        outlier |= usable & ~is_fragment & ~anchors & reversed_oac
    status = np.full(n, VALID, dtype=np.int8)
    status[~has_model] = UNVERIFIED
    status[outlier] = OUTLIER
    status[is_fragment] = FRAGMENT
    status[anchors] = VALID
    status[invalid] = INVALID
    status[~invalid & ~usable] = UNVERIFIED
    warnings.extend(
        categories.sugar_order_warnings(
            per_row["ceramide"], per_row["sugar_count"], pd.Series(rt), status == VALID
        )
    )

    steps("summary", 0.9, "assembling the result")
    volume_clean = np.nan_to_num(volume, nan=0.0)
    consolidated = np.where(is_fragment, 0.0, volume_clean)
    frag_idx = np.flatnonzero(is_fragment)
    np.add.at(consolidated, root[frag_idx], volume_clean[frag_idx])
    consolidated = np.where(invalid, np.nan, consolidated)

    letters = {**isomers.lettered_order(data, anchors), **cfg.isomer_elution_order}
    track_label = _track_labels(per_row, group_code, res.track, model, letters, multi_peak)
    rows = frame["row"].to_numpy()
    events = _fragment_events(
        rows, distinct, codes, frag_idx, cands.parent, root, rt, volume_clean, data
    )
    # parent and root rows and the RT offset, computed on the fragment rows only
    frag_parent = cands.parent[frag_idx]
    frag_parent_row = np.zeros(n, dtype=np.int32)
    frag_parent_row[frag_idx] = rows[frag_parent]
    frag_root_row = np.zeros(n, dtype=np.int32)
    frag_root_row[frag_idx] = rows[root[frag_idx]]
    frag_delta = np.full(n, np.nan)
    frag_delta[frag_idx] = rt[frag_idx] - rt[frag_parent]
    lost_codes = np.zeros(n, dtype=np.int32)
    lost_labels = [""]
    if frag_idx.size:
        found_codes, found_labels = fragments.lost_residue_codes(data, frag_idx, root[frag_idx])
        lost_codes[frag_idx] = found_codes + 1
        lost_labels += found_labels
    lost = _categorical(lost_codes, lost_labels)
    # what the record still needs of the input; the rest is let go before the record is built
    extras = {
        c if c not in COMPOUND_COLUMNS else f"input_{c}": frame[c].to_numpy()
        for c in frame.columns
        if c not in {"row", "name", "rt", "volume", "log_p", "is_anchor"}
    }
    source_name = table.source
    del data, frame, table, cer_code
    anchor_bad = anchors & (np.abs(res.anchor_z_loo) >= cfg.outlier_z)
    pi_low = res.predicted - cfg.outlier_z * res.sd
    pi_high = res.predicted + cfg.outlier_z * res.sd
    reasons, evidence, row_warnings = _explain(
        status=status,
        problems=problems,
        res=res,
        cfg=cfg,
        anchors=anchors,
        candidate_parent=cands.parent,
        possible=possible,
        root=root,
        distinct_names=distinct,
        name_codes=codes,
        lost=lost,
        oac=(oac_code, oac_labels),
        reversed_oac=reversed_oac,
        mismatch=mismatch,
        anchor_bad=anchor_bad,
        anchor_conflict=cands.anchor_conflict,
        source_code=source_code,
        multi_peak=multi_peak,
        volume=volume_clean,
        is_fragment=is_fragment,
        invalid=invalid,
    )

    reports = describe_models(model, res)
    warnings.extend(_model_warnings(model, anchors, status, n_tracks, delta))
    if anchor_bad.any():
        warnings.append(
            f"{int(anchor_bad.sum())} anchor(s) disagree with the model fitted without them "
            f"(|leave-one-out z| ≥ {cfg.outlier_z}): rows "
            + ", ".join(str(r) for r in rows[anchor_bad][:10])
            + "; review them (anchors are never demoted)"
        )
    if cands.anchor_conflict.any():
        warnings.append(
            f"{int(cands.anchor_conflict.sum())} anchor(s) co-elute with a larger species of the "
            "same ceramide like an in-source fragment would: rows "
            + ", ".join(str(r) for r in rows[cands.anchor_conflict][:10])
        )
    no_formula = parsed & (comp_names["formula"].fillna("").to_numpy(dtype=object) == "")[codes]
    if no_formula.any():
        examples = pd.unique(distinct[codes[no_formula]])[:5]
        warnings.append(
            f"{int(no_formula.sum())} row(s) have no sum formula or mass (pygoslin could not "
            f"read their headgroup or ceramide), e.g. {', '.join(map(str, examples))}; "
            "their other results are unaffected"
        )
    if mismatch.any():
        warnings.append(
            f"{int(mismatch.sum())} row(s) have a Log P that disagrees with their composition by "
            f"more than {cfg.logp_mismatch}: rows " + ", ".join(str(r) for r in rows[mismatch][:10])
        )

    def optional_row(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
        # a row number, or <NA>; 32 bits hold any table's row numbers
        return pd.arrays.IntegerArray(
            np.where(present, values, 0).astype(np.int32), ~np.asarray(present, dtype=bool)
        )

    columns: dict[str, Any] = {
        "row": rows,
        "name": _categorical(codes, distinct),
        "rt": rt,
        "volume": volume,
        "log_p": log_p,
        "log_p_source": log_p_source,
        "log_p_expected": np.round(expected_logp, 3, out=expected_logp),
        "is_anchor": is_anchor,
        **{
            c: _blank_where(per_row[c].array, invalid)
            for c in ("group_key", "core", "category", "isomer", "modifications", "ceramide")
        },
        **{c: per_row[c].to_numpy() for c in _RECORD_INT},
        "formula": _blank_where(per_row["formula"].array, invalid),
        **{
            c: _per_row_number(comp_names[c].to_numpy(dtype=float), codes, invalid) for c in _MASSES
        },
        "status": _categorical(status, STATUSES),
        "reasons": reasons,
        "evidence": evidence,
        "warnings": row_warnings,
        "predicted_rt": res.predicted,
        "residual": res.residual,
        "z": res.z,
        "pi_low": pi_low,
        "pi_high": pi_high,
        "model_level": res.level,
        "model_id": res.model_id,
        "isomer_track": track_label,
        "oac_label": _categorical(oac_code, oac_labels),
        "oac_base_row": optional_row(rows[np.clip(oac_base, 0, None)], oac_base >= 0),
        "oac_shift": oac_shift,
        "fragment_of": optional_row(frag_root_row, is_fragment),
        "fragment_parent": optional_row(frag_parent_row, is_fragment),
        "fragment_delta_rt": frag_delta,
        "fragment_lost": lost,
        "volume_consolidated": consolidated,
    }
    columns.update(extras)
    # the columns are fresh arrays: no copy, no consolidation into 2-D blocks
    compounds = pd.DataFrame(columns, copy=False)
    # large tables: let the intermediates go before the summary is computed
    del columns, extras, per_row, problems, expected_logp, cands, res, root, volume_clean
    del frag_parent_row, frag_root_row, lost_codes, oac_code, oac_base, group_code, codes

    steps.done()
    summary = build_summary(
        compounds,
        events,
        reports,
        cfg,
        source=source_name,
        timings=steps.timings,
        expected_oac_shift=oac_expected,
        logp_model=lp_model,
    )
    return Analysis(
        compounds=compounds,
        models=reports,
        fragments=events,
        summary=summary,
        warnings=warnings,
        config=cfg,
        source=source_name,
    )


def _oac_base_codes(comp_names: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the (group, ceramide) code of its species with one and two OAc fewer, or -1.

    Keys are built once per distinct name; rows take them through their name code.
    """
    names = comp_names.reset_index(drop=True)
    ok = names["parse_error"].fillna("x").to_numpy() == ""
    own = (names["group_key"].fillna("") + "|" + names["ceramide"].fillna("")).to_numpy(object)
    oac = names["oac"].fillna(0).to_numpy(dtype=np.int64)
    stem = [
        f"{c}{i}{_strip_oac(m)}" if good else ""
        for c, i, m, good in zip(
            names["core"].fillna(""),
            names["isomer"].fillna(""),
            names["modifications"].fillna(""),
            ok,
            strict=True,
        )
    ]
    keys = []
    for steps in (1, 2):
        left = oac - steps
        keys.append(
            np.array(
                [
                    f"{s}{'+' + (str(k) if k > 1 else '') + 'OAc' if k > 0 else ''}|{cer}"
                    if good and k >= 0
                    else ""
                    for s, k, cer, good in zip(
                        stem, left, names["ceramide"].fillna(""), ok, strict=True
                    )
                ],
                dtype=object,
            )
        )
    # codes shared with the rows' own (group, ceramide) codes
    universe = pd.Index(pd.unique(own))  # the same order as the rows' name codes
    out = []
    for k in keys:
        per_name = universe.get_indexer(k)
        out.append(per_name[codes])
    return out[0], out[1]


def _strip_oac(mods: str) -> str:
    parts = [p for p in mods.split("+") if p and not p.endswith("OAc")]
    return "".join(f"+{p}" for p in parts)


def _track_labels(
    per_row: pd.DataFrame,
    group_code: np.ndarray,
    track: np.ndarray,
    model: RetentionModel,
    letters: Mapping[str, tuple[str, ...]],
    inferred: np.ndarray,
) -> pd.Categorical:
    """Isomer track names: configured/anchor letters when known, else early/late."""
    n = len(track)
    core = per_row["core"].array
    core_codes = np.asarray(core.codes)
    labels: list[str] = [""]
    out = np.zeros(n, dtype=np.int64)  # index into labels
    multi = np.zeros(int(group_code.max()) + 1 if n else 0, dtype=np.int64)
    for g, n_t in model.n_tracks_.items():
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
    return _categorical(text_code[out], distinct)


def _combine(
    parts: list[tuple[np.ndarray, list[str]]],
    override: tuple[np.ndarray, str] | None = None,
) -> pd.Categorical:
    """Join per-row labels with ';' (empty labels skipped), as a categorical.

    Each part is (integer code per row, label per code).  The text of each distinct
    combination is built once; rows take theirs through one integer code.  ``override``
    (mask, text) replaces the text of the masked rows.
    """
    n = len(parts[0][0])
    combinations = int(np.prod([max(len(labels), 1) for _, labels in parts]))
    kind: type[np.signedinteger[Any]] = np.int32 if combinations < 2**31 else np.int64
    combined: np.ndarray = np.zeros(n, dtype=kind)
    stride = 1
    for codes, labels in parts:
        combined += np.multiply(codes, stride, dtype=kind)
        stride *= max(len(labels), 1)
    code, distinct = pd.factorize(combined)
    del combined
    code = code.astype(np.int32)
    texts = []
    for value in distinct.tolist():
        words = []
        for _, labels in parts:
            value, j = divmod(value, max(len(labels), 1))
            if labels and labels[j]:
                words.append(labels[j])
        texts.append(";".join(words))
    if override is not None:
        code[override[0]] = len(texts)
        texts.append(override[1])
    # two combinations may read the same; categories are unique
    text_code, distinct = pd.factorize(np.array(texts, dtype=object), sort=True)
    return _categorical(text_code.astype(np.int32)[code], distinct)


class _Texts:
    """Per-row texts held as a code per row into a list of distinct texts (a categorical)."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int32)
        self.texts: list[str] = [""]

    def set(self, rows: np.ndarray, text: str) -> None:
        self.code[rows] = len(self.texts)
        self.texts.append(text)

    def set_each(self, rows: np.ndarray, keys: np.ndarray, text_of: Callable[[Any], str]) -> None:
        """Give ``rows`` the text of their key; each distinct key's text is built once."""
        key_code, distinct = pd.factorize(keys)
        self.code[rows] = len(self.texts) + key_code
        self.texts.extend(text_of(k) for k in distinct.tolist())

    def categorical(self) -> pd.Categorical:
        text_code, distinct = pd.factorize(np.array(self.texts, dtype=object), sort=True)
        return _categorical(text_code.astype(np.int32)[self.code], distinct)


def _explain(**kw: Any) -> tuple[pd.Categorical, pd.Categorical, pd.Categorical]:
    """Reasons for the status, the evidence list and the warnings of every row.

    Reasons say why in words; the numbers behind them (predicted RT, residual, z, parent row,
    RT offset, lost residues) sit in their own columns, so that a reason is shared by many rows.
    """
    status = kw["status"]
    res = kw["res"]
    cfg = kw["cfg"]
    n = len(status)
    reasons = _Texts(n)
    level = res.level
    z = res.z

    bad = np.flatnonzero(status == INVALID)
    reasons.set_each(bad, kw["problems"][bad], str)
    for lvl, text in (
        ("group", "on its group's RT line"),
        ("pooled", "on the pooled RT line of its group"),
        ("composition", "on the RT line extrapolated from composition (group has no anchor)"),
    ):
        reasons.set(
            (status == VALID) & (level == lvl), f"RT within the prediction interval, {text}"
        )
    reasons.set(kw["anchors"], "anchor (confirmed standard)")
    unver = status == UNVERIFIED
    reasons.set(unver, "no RT model can reach this row (the file has too few anchors)")
    reasons.set(
        unver & (kw["source_code"] == LOGP_SOURCES.index("missing")),
        "Log P unknown and cannot be estimated",
    )
    limit = f"{cfg.outlier_z:g}"
    for lvl in ("group", "pooled", "composition"):
        reasons.set(
            (status == OUTLIER) & (level == lvl),
            f"RT off the {lvl} model's line, |z| >= {limit} (see predicted_rt, residual, z): "
            "likely misannotated",
        )
    rev = (status == OUTLIER) & kw["reversed_oac"] & (np.abs(z) < cfg.outlier_z)
    reasons.set(rev, "O-acetylated peak elutes before its base peak (reversed)")
    root = kw["root"]
    fr = np.flatnonzero(status == FRAGMENT)
    if fr.size:
        names, name_codes = kw["distinct_names"], kw["name_codes"]
        lost = kw["lost"]
        lost_codes = np.asarray(lost.codes, dtype=np.int64)[fr]
        n_lost = len(lost.categories)
        keys = (name_codes[root[fr]] * n_lost + lost_codes) * 2 + np.isfinite(z[fr])

        def fragment_text(key: int) -> str:
            rest, own_model = divmod(key, 2)
            name_code, lost_code = divmod(rest, n_lost)
            return (
                f"in-source fragment of {names[name_code]} (row in fragment_of): same "
                f"ceramide, co-elutes, lost {lost.categories[lost_code] or '?'}"
                + ("" if own_model else "; no RT model of its own")
            )

        reasons.set_each(fr, keys, fragment_text)

    # Evidence and warnings are combinations of a few labels: build each distinct combination
    # once and give every row its text through an integer code.
    has_model = np.isfinite(res.predicted)
    rt_pass = has_model & (np.abs(z) < cfg.outlier_z)
    oac_code, oac_labels = kw["oac"]
    src_code, src_labels = kw["source_code"], LOGP_SOURCES
    frag_code = np.where(kw["is_fragment"], 1, np.where(kw["possible"], 2, 0)).astype(np.int8)
    evidence = _combine(
        [
            (
                has_model.astype(np.int8) + rt_pass,
                ["rt_model:none", "rt_model:fail", "rt_model:pass"],
            ),
            (frag_code, ["fragment:no", "fragment:yes", "fragment:possible"]),
            (
                np.where(kw["mismatch"], len(src_labels), src_code).astype(np.int8),
                [f"logp:{v}" for v in src_labels] + ["logp:mismatch"],
            ),
            (oac_code, [f"oac:{v}" if v else "" for v in oac_labels]),
        ],
        override=(kw["invalid"], "input:invalid"),
    )
    frag_big = kw["is_fragment"] & (
        kw["volume"] > kw["volume"][np.clip(kw["candidate_parent"], 0, None)]
    )
    oac_warn = [
        f"oac_{v}" if v in ("reversed", "too_large", "coeluting") else "" for v in oac_labels
    ]
    flags = [
        (kw["possible"], "possible_fragment"),
        (kw["anchor_bad"], "anchor_inconsistent"),
        (kw["anchor_conflict"], "anchor_looks_like_fragment"),
        (kw["mismatch"], "logp_mismatch"),
        (res.logp_extrapolated & ~kw["invalid"], "logp_extrapolated"),
        ((level == "composition") & (status != INVALID), "extrapolated"),
        (kw["multi_peak"] & ~kw["invalid"] & ~kw["anchors"], "track_inferred"),
        (frag_big, "fragment_larger_than_parent"),
    ]
    warnings = _combine(
        [(np.asarray(m, dtype=bool), ["", label]) for m, label in flags[:6]]
        + [(oac_code, oac_warn)]
        + [(np.asarray(m, dtype=bool), ["", label]) for m, label in flags[6:]]
    )
    return reasons.categorical(), evidence, warnings


def _fragment_events(
    rows: np.ndarray,
    distinct: np.ndarray,
    codes: np.ndarray,
    frag_idx: np.ndarray,
    parent: np.ndarray,
    root: np.ndarray,
    rt: np.ndarray,
    volume: np.ndarray,
    data: pd.DataFrame,
) -> pd.DataFrame:
    cols = [
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
    if frag_idx.size == 0:
        return pd.DataFrame(columns=cols)
    p = parent[frag_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(volume[p] > 0, volume[frag_idx] / volume[p], np.nan)
    events = pd.DataFrame(
        {
            "root_row": rows[root[frag_idx]],
            "parent_row": rows[p],
            "parent_name": distinct[codes[p]],
            "fragment_row": rows[frag_idx],
            "fragment_name": distinct[codes[frag_idx]],
            "delta_rt": rt[frag_idx] - rt[p],
            "lost": fragments.lost_residues(data, frag_idx, p),
            "parent_volume": volume[p],
            "fragment_volume": volume[frag_idx],
            "volume_ratio": ratio,
        }
    )
    return events.sort_values(["root_row", "fragment_row"], kind="stable").reset_index(drop=True)


def _model_warnings(
    model: RetentionModel,
    anchors: np.ndarray,
    status: np.ndarray,
    n_tracks: dict[int, int],
    delta: float | None,
) -> list[str]:
    out = []
    n_anchors = int(anchors.sum())
    if model.comp_coef_ is None:
        out.append(
            f"only {n_anchors} usable anchor(s): no RT model can be fitted, so no row can be "
            "checked against its retention time (status unverified); add confirmed standards"
        )
    elif model.pooled_ is None:
        out.append(
            "no anchored group has two anchors at different Log P: the RT slope comes from "
            "across groups and every prediction is extrapolated; add more standards"
        )
    if model.n_tracks_:
        names = ", ".join(str(model.group_names_[g]) for g in sorted(model.n_tracks_))
        out.append(f"isomer tracks found in the anchors of: {names}")
    elif delta is not None:
        out.append(
            f"isomer spacing {delta:.3f} min estimated from repeated peaks of isomer-capable "
            "names (no anchor pairs)"
        )
    return out
