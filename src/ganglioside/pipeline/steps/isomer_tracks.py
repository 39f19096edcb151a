"""Rule 3: the isomer tracks of the groups whose anchors show two or more peaks of one name."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...rules import isomers
from ..context import Context, Rule
from ..contract import Finding
from ..rows import species_keys


@dataclass(frozen=True)
class IsomerTracks:
    """Per row (positional): the species code and the anchors' isomer tracks."""

    species_code: np.ndarray  # int32 code of the species key group|ceramide
    track: np.ndarray  # elution rank of anchor peaks (isomers.anchor_tracks)
    n_tracks: dict[int, int]  # group code -> number of tracks, multi-track groups only


def apply(ctx: Context) -> Finding:
    names, rows = ctx.names, ctx.rows
    keys = species_keys(names.composition)
    species_code = pd.factorize(keys)[0].astype(np.int32)[names.name_codes]
    track, n_tracks = isomers.anchor_tracks(rows.group_code, species_code, rows.rt, rows.anchors)
    return Finding(rule="isomer_tracks", detail=IsomerTracks(species_code, track, n_tracks))


RULE = Rule(
    "isomer_tracks", apply, makes=IsomerTracks, progress=("isomers", 0.4, "finding isomer tracks")
)
