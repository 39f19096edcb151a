"""Rule 5, first half: the best candidate parent of every row, by co-elution alone (decided
with the RT model by :mod:`.fragments`)."""

from __future__ import annotations

from ...rules import fragments
from ...rules.fragments import FragmentCandidates
from ..context import Context, Rule
from ..contract import Finding, Note, Words
from ..file_warnings import rows_listed


def apply(ctx: Context) -> Finding:
    found = fragments.find_candidates(
        ctx.data,
        ctx.rows.usable,
        window=ctx.cfg.fragment_rt_window,
        deacetylation=ctx.cfg.fragment_deacetylation,
    )
    conflict = found.anchor_conflict
    notes: tuple[Note, ...] = ()
    if conflict.any():
        notes = (
            Note(
                f"{int(conflict.sum())} anchor(s) co-elute with a larger species of the "
                "same ceramide like an in-source fragment would: rows "
                + rows_listed(ctx.rows.row, conflict),
                60,
            ),
        )
    return Finding(
        rule="fragment_candidates",
        detail=found,
        warnings=(Words.flag(conflict, "anchor_looks_like_fragment", rank=30),),
        notes=notes,
    )


RULE = Rule(
    "fragment_candidates",
    apply,
    makes=FragmentCandidates,
    progress=("fragments", 0.25, "looking for in-source fragments"),
)
