"""The identification level of every row (:mod:`ganglioside.identification`), from the final
statuses and the MS evidence; it claims no status, so it runs after every rule that does."""

from __future__ import annotations

import numpy as np

from ...codes import categorical
from ...identification import LEVELS, identification_levels
from ..context import Context, Rule
from ..contract import Finding
from ..status import ISTD, UNVERIFIED, VALID
from .composition_check import CompositionCheck
from .ms2_evidence import Ms2Evidence
from .mz_error import MzError


def apply(ctx: Context) -> Finding:
    status = ctx.statuses("identification")
    level = identification_levels(
        valid=status == VALID,
        anchor=ctx.rows.anchors,
        unverified_or_istd=(status == UNVERIFIED) | (status == ISTD),
        diagnostic_ms2=ctx.detail(Ms2Evidence).diagnostic,
        mz_off=ctx.detail(MzError).off,
        implausible=ctx.detail(CompositionCheck).implausible,
    )
    return Finding(
        rule="identification",
        columns={
            "identification_level": level,
            "identification": categorical(level.astype(np.int8), LEVELS),
        },
    )


RULE = Rule("identification", apply, needs=(Ms2Evidence, MzError, CompositionCheck))
