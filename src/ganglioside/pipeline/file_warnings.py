"""The file-level warnings of an analysis: the words of each (used by the rules that note
them) and the list of the file's warnings, from the findings' notes in rank order."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..rules.retention import RetentionModel, TransferredModel
from .contract import Finding, ranked
from .rows import ParsedNames

#: At most this many row numbers are listed in one warning.
_SHOWN_ROWS = 10
#: Rows of one name this close in RT (min) look like one peak injected again.
REPLICATE_RT = 0.05
#: The replicate warning needs this share of the names, and at least this many, repeated.
REPLICATE_SHARE, REPLICATE_MIN_NAMES = 0.3, 5


def file_warnings(findings: Iterable[Finding]) -> list[str]:
    """The warnings of the file: the rules' notes in rank order (reading, Log P, sugar order,
    the RT model, the anchors, the missing formulas, replicates, Log P mismatches …)."""
    return [note.text for note in ranked([n for f in findings for n in f.notes])]


def rows_listed(row: np.ndarray, mask: np.ndarray) -> str:
    """The first row numbers of ``mask``, comma separated, and how many more there are."""
    chosen = row[mask]
    shown = ", ".join(str(r) for r in chosen[:_SHOWN_ROWS])
    more = len(chosen) - _SHOWN_ROWS
    return f"{shown} …and {more} more" if more > 0 else shown


def model_warnings(model: RetentionModel | TransferredModel, n_anchors: int) -> list[str]:
    """What the fitted RT model could not do, and the isomer tracks it found."""
    if isinstance(model, TransferredModel):
        return [
            f"RT lines from a saved calibration, moved to this run by {model.shift_:+.3f} min "
            f"(scale {model.scale_:.3f}, from {model.n_matches_} {model.match_source_}); "
            f"{len(model.unseen_groups_)} group(s) it did not have use its composition "
            "increments"
        ]
    out = []
    if model.refused_ is not None:
        out.append(f"no RT verdict on this file: {model.refused_} (rows are unverified)")
    if model.hydroxyl_refused_ is not None:
        out.append(
            f"the file's peaks put an extra ceramide oxygen at {model.hydroxyl_refused_:+.3f} min "
            "of RT; an extra oxygen makes the molecule more polar and cannot lengthen RT in "
            "reversed phase, so that term was refused and the prior used"
        )
    cal = model.self_calibration_
    if cal is not None:
        out.append(
            f"{n_anchors} usable anchor(s): the RT model was calibrated on the file's own peaks "
            f"(a robust fit on {cal.n_peaks} peaks of {cal.n_groups} groups set "
            f"{100 * cal.set_aside:.0f} % aside; prediction SDs widened "
            f"{cal.inflation:.2f}×).  Its verdicts assume most annotations are right; mark "
            "anchors or give a calibrant list for a firmer check"
        )
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
    out.extend(_bend_warning(model))
    if model.n_tracks_:
        groups = ", ".join(str(model.group_names_[g]) for g in sorted(model.n_tracks_))
        seen_in = "anchors" if model.fitted_on_ == "anchors" else "calibration peaks"
        out.append(f"isomer tracks found in the {seen_in} of: {groups}")
    elif model.isomer_delta_ is not None:
        out.append(
            f"isomer spacing {model.isomer_delta_:.3f} min estimated from repeated peaks of "
            "isomer-capable names (no anchor pairs)"
        )
    return out


def _bend_warning(model: RetentionModel) -> list[str]:
    """The lines that bend (RT quadratic in Log P), with their curvature."""
    bent = [
        (f"{model.group_names_[g]}", fit)
        for g, fit in sorted(model.group_fits_.items())
        if fit.curvature is not None
    ]
    if model.pooled_ is not None and model.pooled_.curvature is not None:
        bent.append(("the pooled line (and the groups without anchors)", model.pooled_))
    if not bent:
        return []
    described = "; ".join(
        f"{name}: {fit.curvature:+.4f} ± {fit.curvature_se:.4f} min per Log P unit²"
        for name, fit in bent
    )
    return [
        "RT is not linear in Log P here: these lines bend (a quadratic term, kept because "
        f"leave-one-out prediction improved clearly): {described}"
    ]


def formula_warning(names: ParsedNames) -> list[str]:
    """Parsed names that pygoslin could not give a formula."""
    formula = names.composition["formula"].fillna("").to_numpy(dtype=object)
    no_formula = names.parsed & (formula == "")[names.name_codes]
    if not no_formula.any():
        return []
    examples = pd.unique(names.distinct_names[names.name_codes[no_formula]])[:5]
    return [
        f"{int(no_formula.sum())} row(s) have no sum formula or mass (pygoslin could not "
        f"read their headgroup or ceramide), e.g. {', '.join(map(str, examples))}; "
        "their other results are unaffected"
    ]


def replicate_warning(rt: np.ndarray, codes: np.ndarray, n_names: int) -> list[str]:
    """Many names found again at nearly the same RT: replicate injections pasted into one table."""
    order = np.lexsort((rt, codes))
    same = (codes[order][1:] == codes[order][:-1]) & (np.diff(rt[order]) <= REPLICATE_RT)
    repeated = np.unique(codes[order][1:][same])
    if len(repeated) < max(REPLICATE_MIN_NAMES, REPLICATE_SHARE * n_names):
        return []
    return [
        f"{len(repeated)} of {n_names} names appear more than once within {REPLICATE_RT} min, "
        "as when replicate injections are pasted into one table; give each injection a table "
        "of its own and analyse them together with 'ganglioside study' (README, Studies)"
    ]
