"""The identification level of every row (:mod:`ganglioside.identification`), from the final
statuses and the MS evidence; it claims no status, so it runs after every rule that does."""

from __future__ import annotations

import numpy as np

from ...codes import categorical
from ...identification import LEVELS, WEAK_PREFIX, identification_levels
from ...inputs.export import ANNOTATION_FLAG
from ..context import Context, Rule
from ..contract import Finding, Words
from ..status import ISTD, UNVERIFIED, VALID
from .composition_check import CompositionCheck
from .ms2_evidence import Ms2Evidence
from .mz_error import MzError

#: The software's marks of a weak annotation (the ``Annotation flag`` column of an MS-DIAL
#: export), as evidence words.
FLAG_WORDS = {"low score": "low_score", "no MS2": "no_ms2", "w/o MS2": "without_ms2"}


def annotation_flags(ctx: Context) -> np.ndarray:
    """Per row: 0 without a mark, else 1 + the mark's place in :data:`FLAG_WORDS`."""
    flags = ctx.extras.get(ANNOTATION_FLAG)
    if flags is None:
        return np.zeros(len(ctx.rows.row), dtype=np.int8)
    codes = {mark: i + 1 for i, mark in enumerate(FLAG_WORDS)}
    return np.array([codes.get(str(f).strip(), 0) for f in flags], dtype=np.int8)


def apply(ctx: Context) -> Finding:
    status = ctx.statuses("identification")
    flagged = annotation_flags(ctx)
    level = identification_levels(
        valid=status == VALID,
        anchor=ctx.rows.anchors,
        unverified_or_istd=(status == UNVERIFIED) | (status == ISTD),
        diagnostic_ms2=ctx.detail(Ms2Evidence).diagnostic,
        mz_off=ctx.detail(MzError).off,
        implausible=ctx.detail(CompositionCheck).implausible,
        weak_annotation=flagged > 0,
    )
    labels = ["", *(WEAK_PREFIX + word for word in FLAG_WORDS.values())]
    return Finding(
        rule="identification",
        evidence=(Words(flagged, labels, rank=17),),
        columns={
            "identification_level": level,
            "identification": categorical(level.astype(np.int8), LEVELS),
        },
    )


RULE = Rule("identification", apply, needs=(Ms2Evidence, MzError, CompositionCheck))
