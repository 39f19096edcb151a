"""Co-eluting isobaric species (MRM cross-talk): a row off its RT line whose co-eluting partner
of the same sum composition is on it stays valid, with the partner named
(:mod:`ganglioside.rules.isobaric`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...rules import isobaric
from ..context import Context, Rule
from ..contract import Claim, Finding, Reason, Words
from .retention import RetentionFit


def apply(ctx: Context) -> Finding:
    rows, fit = ctx.rows, ctx.detail(RetentionFit)
    partner = isobaric.isobaric_partners(
        ctx.names.per_row["species"].to_numpy(dtype=object),
        ctx.names.name_codes,
        rows.rt,
        rows.volume,
        rows.usable,
        ctx.cfg.fragment_rt_window,
    )
    excused = isobaric.partner_on_line(partner, fit.on_line, rows.anchors) & fit.outliers
    has = partner >= 0
    partner_row = np.where(has, rows.row[np.where(has, partner, 0)], 0)  # 0: none
    return Finding(
        rule="isobaric",
        detail=partner,
        claims=(Claim("isobaric_coelution", "valid", excused),),
        reasons=(_reason(fit, partner_row, rows.anchors, ctx.cfg.outlier_z),),
        evidence=(_partner_words(partner_row),),
        warnings=(Words.flag(partner_row > 0, "isobaric_coelution", rank=100),),
    )


def _reason(
    fit: RetentionFit, partner_row: np.ndarray, anchors: np.ndarray, outlier_z: float
) -> Reason:
    """Valid rows off their line that a co-eluting isobaric partner on the line excuses."""

    def text(row: int) -> str:
        return (
            f"RT off its line (|z| >= {outlier_z:g}) but co-elutes with row {row}, an isobaric "
            "species of the same sum composition on the line: likely MRM cross-talk between "
            "chain splits, not a misannotation (check the transitions)"
        )

    mask = fit.outliers & (partner_row > 0) & ~anchors
    return Reason(mask, status="valid", rank=80, keys=partner_row, text_of=text)


def _partner_words(partner_row: np.ndarray) -> Words:
    """Per row, ``isobaric_coelution:<partner row>`` ("" without a partner)."""
    code, distinct = pd.factorize(partner_row, sort=True)
    labels = [f"isobaric_coelution:{r}" if r > 0 else "" for r in distinct.tolist()]
    return Words(code.astype(np.int32), labels, rank=60)


RULE = Rule(
    "isobaric",
    apply,
    needs=(RetentionFit,),
    progress=("categories", 0.8, "counting sugars and categorising"),
)
