"""The stages that apply Rules 5, 3 and 4: fragment candidates and their decision, isomer
tracks, O-acetylation.  Each takes the shared rows and returns its findings per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import label_code
from ..config import AnalysisConfig
from ..group_keys import format_group_key
from ..rules import acetylation, fragments, isomers
from .rows import ParsedNames, Rows, species_keys


def fragment_candidates(
    data: pd.DataFrame, rows: Rows, cfg: AnalysisConfig
) -> fragments.FragmentCandidates:
    """Rule 5, first half: the best candidate parent of every row, by co-elution alone."""
    return fragments.find_candidates(
        data, rows.usable, window=cfg.fragment_rt_window, deacetylation=cfg.fragment_deacetylation
    )


@dataclass(frozen=True)
class FragmentDecision:
    """Per row (positional): the candidates decided with the RT model."""

    is_fragment: np.ndarray
    possible: np.ndarray  # a candidate that stays a species (warning possible_fragment)
    root: np.ndarray  # the root parent of a fragment, -1 elsewhere


def decide_fragments(
    candidates: fragments.FragmentCandidates,
    z: np.ndarray,
    volume: np.ndarray,
    cfg: AnalysisConfig,
) -> FragmentDecision:
    """Rule 5, second half: a candidate on its own RT line may stay a species."""
    is_fragment, possible = fragments.decide(
        candidates.parent,
        z,
        volume,
        outlier_z=cfg.outlier_z,
        keep_volume_ratio=cfg.fragment_keep_volume_ratio,
    )
    return FragmentDecision(is_fragment, possible, fragments.roots(candidates.parent, is_fragment))


@dataclass(frozen=True)
class IsomerTracks:
    """Per row (positional): the species code and the anchors' isomer tracks."""

    species_code: np.ndarray  # int32 code of the species key group|ceramide
    track: np.ndarray  # elution rank of anchor peaks (isomers.anchor_tracks)
    n_tracks: dict[int, int]  # group code -> number of tracks, multi-track groups only


def isomer_tracks(names: ParsedNames, rows: Rows) -> IsomerTracks:
    """Rule 3: tracks of the groups whose anchors show two or more peaks of one name."""
    keys = species_keys(names.composition)
    species_code = pd.factorize(keys)[0].astype(np.int32)[names.name_codes]
    track, n_tracks = isomers.anchor_tracks(rows.group_code, species_code, rows.rt, rows.anchors)
    return IsomerTracks(species_code, track, n_tracks)


@dataclass(frozen=True)
class Acetylation:
    """Per row (positional): the O-acetylation label and the base peak it was paired with."""

    code: np.ndarray  # int8 index into labels
    labels: np.ndarray  # the distinct labels ("" for rows without OAc)
    base: np.ndarray  # positional index of the base peak, -1 when none
    shift: np.ndarray  # RT(OAc peak) - RT(base peak)
    expected_shift: float
    reversed: np.ndarray  # the OAc peak elutes before its base peak


def check_oac(
    names: ParsedNames,
    tracks: IsomerTracks,
    rows: Rows,
    is_fragment: np.ndarray,
    cfg: AnalysisConfig,
) -> Acetylation:
    """Rule 4: pair each O-acetylated peak with its base peak and label the shift."""
    base1, base2 = _oac_base_codes(names.composition, names.name_codes)
    found = acetylation.check_acetylation(
        tracks.species_code,
        base1,
        base2,
        names.per_row["oac"].to_numpy(),
        rows.rt,
        rows.usable & ~is_fragment,
        default_shift=cfg.oac_expected_shift,
        coelution=cfg.oac_coelution,
        max_shift=cfg.oac_max_shift,
    )
    code, labels = pd.factorize(found.label)
    code = code.astype(np.int8)  # a handful of labels
    is_reversed = code == label_code(labels, "reversed")
    return Acetylation(code, labels, found.base, found.shift, found.expected_shift, is_reversed)


def _oac_base_codes(composition: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the species code of its species with one and two OAc fewer, or -1.

    Keys are built once per distinct name; rows take them through their name code.  The codes
    are those of :func:`isomer_tracks` (the order of first appearance of the species keys).
    """
    names = composition.reset_index(drop=True)
    ok = names["parse_error"].fillna("x").to_numpy() == ""
    oac = names["oac"].fillna(0).to_numpy(dtype=np.int64)
    ceramides = names["ceramide"].fillna("").tolist()
    stem = [
        f"{c}{i}{_strip_oac(m)}" if good else ""
        for c, i, m, good in zip(
            names["core"].fillna(""),
            names["isomer"].fillna(""),
            names["modifications"].fillna(""),
            ok,
            strict=True,
        )
    ]
    universe = pd.Index(pd.unique(species_keys(names)))  # the order of the species codes
    out = []
    for fewer in (1, 2):
        keys = [
            format_group_key(s + _oac_suffix(k), cer) if good and k >= 0 else ""
            for s, k, cer, good in zip(stem, (oac - fewer).tolist(), ceramides, ok, strict=True)
        ]
        out.append(universe.get_indexer(np.array(keys, dtype=object))[codes])
    return out[0], out[1]


def _oac_suffix(k: int) -> str:
    """The modification text of ``k`` O-acetyl groups: "", ``+OAc``, ``+2OAc`` …"""
    return "+" + (str(k) if k > 1 else "") + "OAc" if k > 0 else ""


def _strip_oac(mods: str) -> str:
    parts = [p for p in mods.split("+") if p and not p.endswith("OAc")]
    return "".join(f"+{p}" for p in parts)
