"""Cross-headgroup order: at equal ceramide a species with more sialic acids elutes earlier in
reversed phase; a peak that elutes after its less-sialylated relative (GD3 after GM3) gets the
warning ``sialic_order`` and its relative is named in a file warning."""

from __future__ import annotations

from ...rules.plausibility import SIALIC_ORDER_MARGIN, sialic_order
from ..context import Context, Rule
from ..contract import Finding, Note, Words
from .fragments import FragmentDecision
from .retention import RetentionFit


def apply(ctx: Context) -> Finding:
    rows = ctx.rows
    # the peaks the RT model does not contradict (a misannotated peak says nothing of order)
    on_line = ctx.detail(RetentionFit).on_line | rows.anchors | ~ctx.detail(RetentionFit).has_model
    scored = rows.usable & ~ctx.detail(FragmentDecision).is_fragment & on_line
    relative = sialic_order(ctx.names.per_row, rows.rt, scored)
    late = relative >= 0
    notes: tuple[Note, ...] = ()
    if late.any():
        names = ctx.names.distinct_names[ctx.names.name_codes]
        pairs = sorted({f"{names[i]} after {names[relative[i]]}" for i in late.nonzero()[0]})[:10]
        notes = (
            Note(
                f"{int(late.sum())} peak(s) elute more than {SIALIC_ORDER_MARGIN:g} min after "
                "a relative with fewer sialic acids and the same ceramide, against reversed-"
                f"phase order: {'; '.join(pairs)} (warning sialic_order)",
                32,
            ),
        )
    return Finding(
        rule="sialic_order",
        warnings=(Words.flag(late, "sialic_order", rank=36),),
        notes=notes,
    )


RULE = Rule("sialic_order", apply, needs=(RetentionFit, FragmentDecision))
