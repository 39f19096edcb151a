"""Rule 4, O-acetylation: pair each O-acetylated peak with its base peak and label the RT
shift (a reversed peak, eluting before its base, is an outlier when so configured)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...codes import label_code
from ...config import AnalysisConfig
from ...group_keys import format_group_key
from ...rules import acetylation
from ..context import Context, Rule
from ..contract import Claim, Finding, Reason, Words
from ..rows import ParsedNames, Rows, species_keys
from .fragments import FragmentDecision
from .isomer_tracks import IsomerTracks
from .retention import RetentionFit

_OAC_WARNINGS = ("reversed", "too_large", "coeluting")


def apply(ctx: Context) -> Finding:
    decision = ctx.detail(FragmentDecision)
    oac = check_oac(ctx.names, ctx.detail(IsomerTracks), ctx.rows, decision.is_fragment, ctx.cfg)
    claims: tuple[Claim, ...] = ()
    if ctx.cfg.oac_reversed_is_outlier:
        claims = (Claim("oac_reversed", "outlier", oac.reversed),)
    on_line = ctx.detail(RetentionFit).on_line
    return Finding(
        rule="acetylation",
        detail=oac,
        claims=claims,
        reasons=(
            Reason(
                oac.reversed & on_line,
                "O-acetylated peak elutes before its base peak (reversed)",
                status="outlier",
                rank=90,
            ),
        ),
        evidence=(Words(oac.code, [f"oac:{v}" if v else "" for v in oac.labels], rank=40),),
        warnings=(
            Words(oac.code, [f"oac_{v}" if v in _OAC_WARNINGS else "" for v in oac.labels], 70),
        ),
    )


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
    """Pair each O-acetylated peak with its base peak and label the shift."""
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
    names = composition
    ok = np.array(_texts(names["parse_error"], "x"), dtype=object) == ""
    oac = np.nan_to_num(names["oac"].to_numpy(dtype=float), nan=0.0).astype(np.int64)
    ceramides = _texts(names["ceramide"])
    stem = [
        f"{c}{i}{_strip_oac(m)}" if good else ""
        for c, i, m, good in zip(
            _texts(names["core"]),
            _texts(names["isomer"]),
            _texts(names["modifications"]),
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


def _texts(column: pd.Series, missing: str = "") -> list[Any]:
    """A text column's values, ``missing`` where missing (its ``fillna(missing)``)."""
    values = column.to_numpy(dtype=object)
    return list(np.where(pd.isna(values), missing, values).tolist())


def _oac_suffix(k: int) -> str:
    """The modification text of ``k`` O-acetyl groups: "", ``+OAc``, ``+2OAc`` …"""
    return "+" + (str(k) if k > 1 else "") + "OAc" if k > 0 else ""


def _strip_oac(mods: str) -> str:
    parts = [p for p in mods.split("+") if p and not p.endswith("OAc")]
    return "".join(f"+{p}" for p in parts)


RULE = Rule(
    "acetylation",
    apply,
    needs=(IsomerTracks, FragmentDecision, RetentionFit),
    makes=Acetylation,
    progress=("acetylation", 0.7, "checking O-acetylated species"),
)
