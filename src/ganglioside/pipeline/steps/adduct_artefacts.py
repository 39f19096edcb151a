"""Adduct and cluster artefacts: a feature whose measured precursor is another co-eluting
feature's ion plus a common adduct or cluster (Na−H, K−H, HCl, HCOOH, CH3COOH, HCOONa, NaCl)
is that feature's artefact, not a second ganglioside (status ``fragment``, ``artefact_of``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...codes import optional_row
from ...rules.mass_evidence import ARTEFACT_ADDITIONS, artefact_parents
from ..context import Context, Rule
from ..contract import Claim, Finding, Reason
from .mz_error import MzError

#: Largest |RT difference| (min) between an artefact ion and its parent: ions of one
#: molecule elute together (the same peak seen at two m/z).
ARTEFACT_RT_WINDOW = 0.05
_ADDITIONS = tuple(ARTEFACT_ADDITIONS.values())


@dataclass(frozen=True)
class AdductArtefacts:
    """Per row: the position of the feature it is an artefact of (-1 when none) and which
    addition (index into :data:`~ganglioside.rules.mass_evidence.ARTEFACT_ADDITIONS`)."""

    parent: np.ndarray
    addition: np.ndarray


def apply(ctx: Context) -> Finding:
    rows = ctx.rows
    measured = ctx.detail(MzError).measured
    candidates = ~rows.invalid & ~rows.standard & ~rows.anchors
    parent, which = artefact_parents(
        measured,
        rows.rt,
        np.nan_to_num(rows.volume, nan=0.0),
        candidates | (rows.anchors & np.isfinite(measured)),
        ppm=ctx.cfg.mz_tolerance_ppm,
        rt_window=ARTEFACT_RT_WINDOW,
    )
    parent[~candidates] = -1
    is_artefact = parent >= 0
    keys = np.where(is_artefact, parent * len(_ADDITIONS) + which, -1)

    def text(key: int) -> str:
        p, k = divmod(int(key), len(_ADDITIONS))
        return (
            f"adduct artefact: its precursor is row {rows.row[p]}'s ion {_ADDITIONS[k]} at the "
            "same RT, so it is that feature seen again, not a second ganglioside"
        )

    return Finding(
        rule="adduct_artefacts",
        detail=AdductArtefacts(parent, which),
        claims=(Claim("adduct_artefact", "fragment", is_artefact),),
        reasons=(Reason(is_artefact, status="fragment", rank=105, keys=keys, text_of=text),),
        columns={"artefact_of": optional_row(rows.row[np.clip(parent, 0, None)], is_artefact)},
    )


RULE = Rule("adduct_artefacts", apply, needs=(MzError,), makes=AdductArtefacts)
