"""In-source fragments: larger species losing terminal residues, co-eluting with their parent."""

from __future__ import annotations

import numpy as np

from .chemistry import name_logp
from .composition import (
    COMP,
    Comp,
    cer_key,
    concat,
    core_allowed,
    encode,
    fragment_like_pairs,
    take,
    totals,
)
from .parameters import CLEAR_WINDOW, FRAGMENT_DRT, Params
from .peaks import Peaks

# Losses in the ion source: name, weight.  Applicability is decided per peak in _apply_loss.
LOSSES: tuple[tuple[str, float], ...] = (
    ("-NeuAc", 0.45),
    ("-2NeuAc", 0.12),
    ("-Gal", 0.08),
    ("-Gal-GalNAc", 0.10),
    ("-GalNAc", 0.04),
    ("-dHex", 0.08),
    ("-HexNAc", 0.08),
    ("-Hex", 0.04),
    ("-NeuGc", 0.05),
    ("-OAc", 0.08),
)


def _applicable_losses(c: Comp) -> np.ndarray:
    """Per composition and loss of :data:`LOSSES`: whether the loss leaves a plausible name."""
    n, f = c["n"], c["f"]
    return np.column_stack(
        [
            (n >= 1) & core_allowed(n - 1, f) & ~((n == 1) & (c["neugc"] > 0)),
            (n >= 2) & core_allowed(n - 2, f) & ~((n == 2) & (c["neugc"] > 0)),
            (f == 1) & core_allowed(n, f + 1),
            (f == 1) & core_allowed(n, f + 2),
            (f == 2) & core_allowed(n, f + 1),
            c["dhex"] >= 1,
            c["hexnac"] >= 1,
            c["hex"] >= 1,
            c["neugc"] >= 1,
            c["oac"] >= 1,
        ]
    )


def _apply_loss(c: Comp, rng: np.random.Generator) -> tuple[Comp, np.ndarray]:
    """One in-source loss per composition, drawn among those that apply.

    Returns the new compositions and a mask of rows where some loss applied.
    """
    n, f = c["n"], c["f"]
    applies = _applicable_losses(c)
    logw = np.log(np.array([w for _, w in LOSSES]))
    score = np.where(applies, logw[None, :] + rng.gumbel(size=applies.shape), -np.inf)
    loss = np.argmax(score, axis=1)
    ok = np.asarray(applies.any(axis=1), dtype=bool)

    out = {k: v.copy() for k, v in c.items()}
    lose_neuac = np.select([loss == 0, loss == 1], [1, 2], 0)
    out["n"] = n - lose_neuac
    out["f"] = np.select([loss == 2, loss == 3, loss == 4], [f + 1, f + 2, f + 1], f)
    # Losing the terminal Gal takes the sugars attached to it; acetates need a sialic acid.
    chain_cut = (loss == 2) | (loss == 3)
    for k in ("dhex", "hex", "hexnac"):
        out[k] = np.where(chain_cut, 0, out[k])
    out["dhex"] = out["dhex"] - (loss == 5)
    out["hexnac"] = out["hexnac"] - (loss == 6)
    out["hex"] = out["hex"] - (loss == 7)
    out["neugc"] = out["neugc"] - (loss == 8)
    out["oac"] = np.minimum(out["oac"] - (loss == 9), np.minimum(out["n"], 2))
    return out, ok


def lost_text(root: Comp, frag: Comp) -> np.ndarray:
    """Residues lost from root to fragment, e.g. '-NeuAc', '-Hex-HexNAc', '-OAc'."""
    tr, tf = totals(root), totals(frag)
    core_hex = (tr["hex"] - root["hex"]) - (tf["hex"] - frag["hex"])
    core_hexnac = (tr["hexnac"] - root["hexnac"]) - (tf["hexnac"] - frag["hexnac"])
    merged = {
        "NeuAc": root["n"] - frag["n"],
        "Gal": core_hex,
        "GalNAc": core_hexnac,
        "Hex": root["hex"] - frag["hex"],
        "HexNAc": root["hexnac"] - frag["hexnac"],
        "dHex": root["dhex"] - frag["dhex"],
        "NeuGc": root["neugc"] - frag["neugc"],
        "OAc": root["oac"] - frag["oac"],
    }
    text = np.full(len(root["n"]), "", dtype=object)
    for label, count in merged.items():
        one = count == 1
        many = count > 1
        text[one] = text[one] + f"-{label}"
        text[many] = text[many] + np.char.add(
            np.char.add("-", count[many].astype(str)), label
        ).astype(object)
    return text


def _fragment_compositions(
    rng: np.random.Generator, c: Comp, parents: np.ndarray, k: np.ndarray
) -> tuple[np.ndarray, Comp]:
    """Up to ``k`` fragments per parent: root indices and compositions (one per root)."""
    roots: list[np.ndarray] = []
    comps: list[Comp] = []
    # Level 1 from the parent; levels 2 and 3 from the parent or from an earlier fragment
    # (fragments of fragments: they still belong to the root parent).
    for level in range(3):
        has = k > level
        r = parents[has]
        src = take(c, r)
        if level > 0 and len(r):
            choice = rng.integers(0, level + 1, size=len(r))  # 0 parent, j fragment j
            for j in range(1, level + 1):
                sel = choice == j
                earlier = take(comps[j - 1], np.flatnonzero(k[k > j - 1] > level))
                for key in COMP:
                    src[key] = np.where(sel, earlier[key], src[key])
        new, ok = _apply_loss(src, rng)
        for key in COMP:
            new[key] = np.where(~ok, -99, new[key])
        roots.append(r)
        comps.append(new)
    root = np.concatenate(roots)
    fc = concat(*comps)
    ok = fc["n"] >= 0
    root, fc = root[ok], take(fc, np.flatnonzero(ok))
    # One peak per fragment composition and root.
    _, first = np.unique(root * 100_000 + encode(fc), return_index=True)
    first = np.sort(first)
    return root[first], take(fc, first)


def fragments(p: Params, rng: np.random.Generator, valid: Peaks) -> Peaks:
    """In-source fragments of the larger species; ``species`` holds the root peak index."""
    c = valid.comp
    eligible = (c["n"] >= 2) | ((c["oac"] + c["dhex"] + c["hex"] + c["hexnac"] + c["neugc"]) > 0)
    parents = np.flatnonzero(eligible & (rng.random(len(valid)) < p.fragment_rate))
    k = rng.choice([1, 2, 3], size=len(parents), p=[0.55, 0.30, 0.15])
    root, fc = _fragment_compositions(rng, c, parents, k)
    m = len(root)
    carbons, db, oxy = valid.carbons[root], valid.db[root], valid.oxy[root]
    rt = valid.rt[root] + rng.uniform(-FRAGMENT_DRT, FRAGMENT_DRT, m)
    ratio = 10.0 ** rng.uniform(np.log10(0.005), np.log10(0.30), m)
    volume = np.maximum(np.round(valid.volume[root] * ratio), 1.0)
    logp = name_logp(p, fc, carbons, db, oxy)
    return Peaks(fc, carbons, db, oxy, logp, rt, volume, np.full(m, -1), root)


def drop_ambiguous_fragments(valid: Peaks, frags: Peaks) -> Peaks:
    """Drop fragments whose parent would be ambiguous or that sit on a same-name peak."""
    nv = len(valid)
    comp = concat(valid.comp, frags.comp)
    cer = np.concatenate(
        [cer_key(valid.carbons, valid.db, valid.oxy), cer_key(frags.carbons, frags.db, frags.oxy)]
    )
    rt = np.concatenate([valid.rt, frags.rt])
    root = np.concatenate([np.arange(nv), frags.species])
    tot = totals(comp)
    sub, sup = fragment_like_pairs(cer, rt, tot, CLEAR_WINDOW - 0.01)
    bad = sub[(sub >= nv) & (root[sub] != root[sup])]
    # Same name (same composition and ceramide) as another peak of another lineage, close by:
    # in a real run the two would merge into one peak.
    key = encode(comp) * 10_000 + cer
    order = np.lexsort((rt, key))
    ks, rs = key[order], rt[order]
    close = (ks[1:] == ks[:-1]) & (rs[1:] - rs[:-1] <= CLEAR_WINDOW - 0.01)
    a, b = order[:-1][close], order[1:][close]
    diff_root = root[a] != root[b]
    same = np.concatenate([a[diff_root], b[diff_root]])
    bad = np.unique(np.concatenate([bad, same[same >= nv]]))
    keep = np.setdiff1d(np.arange(len(frags)), bad - nv)
    return frags.take(keep)
