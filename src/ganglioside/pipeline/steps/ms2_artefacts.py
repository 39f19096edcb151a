"""MS/MS-dominated artefacts: a feature whose MS/MS spectrum is dominated by another co-eluting
feature's precursor ion (its base peak is that precursor, lighter than its own) is that
feature seen again — a cluster or adduct that falls apart into it on collision — not a second
ganglioside (status ``fragment``, ``artefact_of``).  A base peak that the name's own glycan
losses explain (a GD1 giving [M−H−NeuAc]⁻, the co-eluting GM1's ion) is the name's evidence,
not an artefact's.

This rule writes ``artefact_of`` for both kinds of artefact (the adduct rule's parent first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...codes import optional_row
from ...rules.ms2 import dominating_precursors, glycan_loss
from ..context import Context, Rule
from ..contract import Claim, Finding, Reason
from .adduct_artefacts import ARTEFACT_RT_WINDOW, AdductArtefacts
from .ms2_evidence import Ms2Evidence
from .mz_error import MzError

_LOSS_COUNTS = ("neuac", "neugc", "hex", "hexnac", "dhex", "oac")


@dataclass(frozen=True)
class Ms2Artefacts:
    """Per row: the position of the feature whose precursor dominates its MS/MS spectrum
    (-1 when none)."""

    parent: np.ndarray


def ms2_artefacts(ctx: Context) -> Ms2Artefacts:
    rows = ctx.rows
    measured = ctx.detail(MzError).measured
    base_peak = ctx.detail(Ms2Evidence).base_peak
    adduct = ctx.detail(AdductArtefacts).parent
    tolerance = ctx.cfg.ms2_tolerance
    candidates = ~rows.invalid & ~rows.standard & ~rows.anchors & (adduct < 0)
    parent = dominating_precursors(
        base_peak,
        measured,
        rows.rt,
        candidates,
        ~rows.invalid,
        tolerance=tolerance,
        rt_window=ARTEFACT_RT_WINDOW,
    )
    count = {c: ctx.names.per_row[c].to_numpy(dtype=np.int64) for c in _LOSS_COUNTS}
    for i in np.flatnonzero(parent >= 0):
        counts = {c: int(count[c][i]) for c in _LOSS_COUNTS}
        if glycan_loss(counts, float(measured[i] - measured[parent[i]]), tolerance):
            parent[i] = -1  # the name's own fragment: evidence for it
    return Ms2Artefacts(parent)


def apply(ctx: Context) -> Finding:
    rows = ctx.rows
    found = ms2_artefacts(ctx)
    parent = found.parent
    is_artefact = parent >= 0
    measured = ctx.detail(MzError).measured

    def text(p: int) -> str:
        return (
            f"MS/MS artefact: its MS/MS spectrum is dominated by row {rows.row[p]}'s precursor "
            f"ion (m/z {measured[p]:.4f}) at the same RT, which no loss of its own name "
            "explains, so it is that feature seen again, not a second ganglioside"
        )

    adduct = ctx.detail(AdductArtefacts).parent
    either = np.where(adduct >= 0, adduct, parent)
    return Finding(
        rule="ms2_artefacts",
        detail=found,
        claims=(Claim("ms2_artefact", "fragment", is_artefact),),
        reasons=(Reason(is_artefact, status="fragment", rank=106, keys=parent, text_of=text),),
        columns={"artefact_of": optional_row(rows.row[np.clip(either, 0, None)], either >= 0)},
    )


RULE = Rule(
    "ms2_artefacts", apply, needs=(MzError, Ms2Evidence, AdductArtefacts), makes=Ms2Artefacts
)
