"""Composition plausibility: a ceramide sum that cannot be a sphingoid base plus one fatty
acid (``GM3 60:12;O2``), or a lyso form's chain that cannot be a sphingoid base, is flagged on
the row (warning ``implausible_composition``, with the reason in words) and listed in a file
warning; its identification level is at most 4.

A lyso row that only the composition-level RT model reaches (no lyso anchor, no lyso line of
its own) is ``unverified``: that model places a group by the composition of two-chain groups,
and a missing fatty acid and a free amine are outside what it was fitted on, so its verdict
would be an extrapolation, not a check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...rules.plausibility import composition_words, implausible_composition
from ..context import Context, Rule
from ..contract import Claim, Finding, Note, Reason, Words
from .retention import RetentionFit


@dataclass(frozen=True)
class CompositionCheck:
    """Per row: the ceramide sum cannot be a sphingoid base plus one fatty acid."""

    implausible: np.ndarray
    lyso_unchecked: np.ndarray  # lyso rows only the composition-level RT model reaches


_LYSO_KEY = 1_000_000  # a reason key: lyso × this + carbons × 1000 + double bonds


def _words(key: float) -> str:
    lyso, rest = divmod(float(key), _LYSO_KEY)
    return "implausible composition: " + composition_words(*divmod(rest, 1000.0), bool(lyso))


def apply(ctx: Context) -> Finding:
    per_row, rows = ctx.names.per_row, ctx.rows
    carbons = per_row["carbons"].to_numpy(dtype=float)
    double_bonds = per_row["double_bonds"].to_numpy(dtype=float)
    lyso = per_row["lyso"].to_numpy(dtype=bool)
    odd = implausible_composition(carbons, double_bonds, lyso) & ~rows.invalid
    keys = np.where(odd, lyso * _LYSO_KEY + carbons * 1000 + double_bonds, -1)
    level = np.asarray(ctx.detail(RetentionFit).prediction.level, dtype=object)
    unchecked = lyso & (level == "composition") & ~rows.invalid & ~rows.anchors
    notes: tuple[Note, ...] = ()
    if odd.any():
        shown = ", ".join(str(r) for r in rows.row[odd][:10])
        notes = (
            Note(
                f"{int(odd.sum())} row(s) whose ceramide cannot be a sphingoid base plus one "
                f"fatty acid (rows {shown}): check those names (warning "
                "implausible_composition)",
                35,
            ),
        )
    return Finding(
        rule="composition_check",
        detail=CompositionCheck(odd, unchecked),
        claims=(Claim("lyso_unchecked", "unverified", unchecked),),
        reasons=(
            Reason(
                unchecked,
                "lyso form that only the composition-level RT model reaches: that model is "
                "built on two-chain groups and cannot check a one-chain species (give a lyso "
                "anchor to check it)",
                status="unverified",
                rank=61,
            ),
            Reason(
                odd,
                rank=25,  # after a valid row's RT reason, before any other status's
                keys=keys,
                text_of=_words,
            ),
        ),
        warnings=(Words.flag(odd, "implausible_composition", rank=35),),
        notes=notes,
    )


RULE = Rule("composition_check", apply, needs=(RetentionFit,), makes=CompositionCheck)
