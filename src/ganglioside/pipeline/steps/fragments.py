"""Rule 5, second half: a fragment candidate on its own RT line may stay a species; the others
are in-source fragments, linked to their parents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...codes import categorical, optional_row
from ...rules import fragments
from ...rules.fragments import FragmentCandidates
from ..context import Context, Rule
from ..contract import Claim, Finding, Note, Reason, Words
from ..rows import ParsedNames, Rows
from .retention import RetentionFit

_EVENT_COLUMNS = [
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


@dataclass(frozen=True)
class FragmentLinks:
    """The fragments' links to their parents, per row (positional) and as events."""

    events: pd.DataFrame  # one row per fragment (AnalysisResult.fragments)
    parent_row: pd.arrays.IntegerArray  # row number of the direct parent, <NA> elsewhere
    root_row: pd.arrays.IntegerArray  # row number of the root parent, <NA> elsewhere
    delta_rt: np.ndarray  # RT(fragment) - RT(parent), NaN for non-fragments
    lost: pd.Categorical  # residues lost from the root ("" for non-fragments)
    consolidated: np.ndarray  # own volume plus the fragments' (0 for fragments, NaN invalid)


def link_fragments(
    data: pd.DataFrame,
    names: ParsedNames,
    rows: Rows,
    parent: np.ndarray,
    is_fragment: np.ndarray,
    root: np.ndarray,
) -> FragmentLinks:
    """Parent and root rows, RT offsets, lost residues and consolidated volumes."""
    n = len(parent)
    volume = np.nan_to_num(rows.volume, nan=0.0)
    frag = np.flatnonzero(is_fragment)
    consolidated = np.where(is_fragment, 0.0, volume)
    np.add.at(consolidated, root[frag], volume[frag])
    parent_row = np.zeros(n, dtype=np.int32)
    parent_row[frag] = rows.row[parent[frag]]
    root_row = np.zeros(n, dtype=np.int32)
    root_row[frag] = rows.row[root[frag]]
    delta_rt = np.full(n, np.nan)
    delta_rt[frag] = rows.rt[frag] - rows.rt[parent[frag]]
    lost_codes = np.zeros(n, dtype=np.int32)
    lost_labels = [""]
    if frag.size:
        found_codes, found_labels = fragments.lost_residue_codes(data, frag, root[frag])
        lost_codes[frag] = found_codes + 1
        lost_labels += found_labels
    return FragmentLinks(
        events=_fragment_events(data, names, rows, volume, frag, parent, root),
        parent_row=optional_row(parent_row, is_fragment),
        root_row=optional_row(root_row, is_fragment),
        delta_rt=delta_rt,
        lost=categorical(lost_codes, lost_labels),
        consolidated=np.where(rows.invalid, np.nan, consolidated),
    )


def _fragment_events(
    data: pd.DataFrame,
    names: ParsedNames,
    rows: Rows,
    volume: np.ndarray,
    frag: np.ndarray,
    parent: np.ndarray,
    root: np.ndarray,
) -> pd.DataFrame:
    """One row per fragment and its direct parent, ordered by root then fragment row."""
    if frag.size == 0:
        return pd.DataFrame(columns=_EVENT_COLUMNS)
    p = parent[frag]
    distinct, codes = names.distinct_names, names.name_codes
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(volume[p] > 0, volume[frag] / volume[p], np.nan)
    columns = {
        "root_row": rows.row[root[frag]],
        "parent_row": rows.row[p],
        "parent_name": distinct[codes[p]],
        "fragment_row": rows.row[frag],
        "fragment_name": distinct[codes[frag]],
        "delta_rt": rows.rt[frag] - rows.rt[p],
        "lost": fragments.lost_residues(data, frag, p),
        "parent_volume": volume[p],
        "fragment_volume": volume[frag],
        "volume_ratio": ratio,
    }
    order = np.lexsort((columns["fragment_row"], columns["root_row"]))
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


@dataclass(frozen=True)
class FragmentDecision:
    """Per row (positional): the candidates decided with the RT model, and their links."""

    is_fragment: np.ndarray
    possible: np.ndarray  # a candidate that stays a species (warning possible_fragment)
    root: np.ndarray  # the root parent of a fragment, -1 elsewhere
    links: FragmentLinks


def apply(ctx: Context) -> Finding:
    rows = ctx.rows
    candidates, fit = ctx.detail(FragmentCandidates), ctx.detail(RetentionFit)
    is_fragment, possible = fragments.decide(
        candidates.parent,
        fit.on_line,
        fit.far_off,
        rows.volume,
        keep_volume_ratio=ctx.cfg.fragment_keep_volume_ratio,
    )
    refused = implausible_fragments(candidates.parent, is_fragment, fit.far_off, rows)
    is_fragment &= ~refused
    root = fragments.roots(candidates.parent, is_fragment)
    links = link_fragments(ctx.data, ctx.names, rows, candidates.parent, is_fragment, root)
    volume = np.nan_to_num(rows.volume, nan=0.0)
    larger = is_fragment & (volume > volume[np.clip(candidates.parent, 0, None)])
    return Finding(
        rule="fragments",
        detail=FragmentDecision(is_fragment, possible, root, links),
        claims=(Claim("fragment", "fragment", is_fragment),),
        reasons=(_reason(ctx, root, links, np.isfinite(fit.prediction.z)),),
        evidence=(
            Words(
                np.where(is_fragment, 1, np.where(possible, 2, 0)).astype(np.int8),
                ["fragment:no", "fragment:yes", "fragment:possible"],
                rank=20,
            ),
        ),
        warnings=(
            Words.flag(possible, "possible_fragment", rank=10),
            Words.flag(larger, "fragment_larger_than_parent", rank=90),
            Words.flag(refused, "fragment_refused", rank=91),
        ),
        notes=_refused_note(rows, refused),
    )


#: A fragment may carry at most this many times its parent's volume: an in-source fragment is a
#: share of its precursor's ions (docs/ALGORITHM.md, "Fragment plausibility").
MAX_FRAGMENT_RATIO = 5.0


def implausible_fragments(
    parent: np.ndarray, is_fragment: np.ndarray, far_off: np.ndarray, rows: Rows
) -> np.ndarray:
    """Fragments that cannot be merged: more than :data:`MAX_FRAGMENT_RATIO` times their
    direct parent's volume, or whose root parent is itself far off its RT line (``far_off``:
    |z| ≥ 2 ``outlier_z``, not an anchor): a fragment's parent must be a real species."""
    volume = np.nan_to_num(rows.volume, nan=0.0)
    p = np.clip(parent, 0, None)
    top = np.clip(fragments.roots(parent, is_fragment), 0, None)
    too_large = volume > MAX_FRAGMENT_RATIO * volume[p]
    parent_off = far_off[top] & ~rows.anchors[top]
    return is_fragment & (too_large | parent_off)


def _refused_note(rows: Rows, refused: np.ndarray) -> tuple[Note, ...]:
    if not refused.any():
        return ()
    shown = ", ".join(str(r) for r in rows.row[refused][:10])
    return (
        Note(
            f"{int(refused.sum())} co-eluting peak(s) not merged into a parent as in-source "
            f"fragments (rows {shown}): the parent is off its own RT line or the peak carries "
            f"more than {MAX_FRAGMENT_RATIO:g}× its volume; each is judged as a species "
            "(warning fragment_refused)",
            60,
        ),
    )


def _reason(ctx: Context, root: np.ndarray, links: FragmentLinks, own: np.ndarray) -> Reason:
    """Fragments: their root's name, the lost residues and whether they had a model."""
    names, lost = ctx.names.distinct_names, links.lost
    n_lost = len(lost.categories)
    lost_codes = np.asarray(lost.codes, dtype=np.int64)
    keys = (ctx.names.name_codes[root] * n_lost + lost_codes) * 2 + own

    def text(key: int) -> str:
        rest, own_model = divmod(key, 2)
        name_code, lost_code = divmod(rest, n_lost)
        return (
            f"in-source fragment of {names[name_code]} (row in fragment_of): same "
            f"ceramide, co-elutes, lost {lost.categories[lost_code] or '?'}"
            + ("" if own_model else "; no RT model of its own")
        )

    return Reason(
        np.ones(len(root), dtype=bool), status="fragment", rank=100, keys=keys, text_of=text
    )


RULE = Rule(
    "fragments",
    apply,
    needs=(FragmentCandidates, RetentionFit),
    makes=FragmentDecision,
)
