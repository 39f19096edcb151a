"""Building small feature tables for rule tests."""

from __future__ import annotations

import pandas as pd

from ganglioside.names import parse_name

SLOPE = 1.36
INTERCEPT = {"GM3": -0.14, "GM1": 4.68, "GD3": 3.0, "GD1": 7.36, "GT1": 10.05, "GM2": 2.5}
OAC_SHIFT = -0.71


def logp(name: str) -> float:
    p = parse_name(name)
    return round(
        -2.77
        + 0.54 * p.carbons
        - 0.95 * p.double_bonds
        - 1.16 * p.oxygens
        - 2.48 * p.neuac
        - 1.60 * p.hex
        - 2.11 * p.hexnac
        - 1.09 * p.dhex
        + 0.54 * p.oac,
        2,
    )


def rt(name: str, offset: float = 0.0) -> float:
    p = parse_name(name)
    return round(SLOPE * logp(name) + INTERCEPT[p.core] + OAC_SHIFT * p.oac + offset, 3)


def table(rows: list[tuple[str, float, float, bool]]) -> pd.DataFrame:
    """(name, rt, volume, anchor) → a feature table with Log P from composition."""
    return pd.DataFrame(
        {
            "Name": [r[0] for r in rows],
            "RT": [r[1] for r in rows],
            "Volume": [r[2] for r in rows],
            "Log P": [logp(r[0]) for r in rows],
            "Anchor": ["T" if r[3] else "F" for r in rows],
        }
    )


def clean_series(
    core: str, anchors: int = 6, extra: int = 4
) -> list[tuple[str, float, float, bool]]:
    """A homologous series on its line: ``anchors`` anchors then ``extra`` test peaks."""
    ceramides = [
        "34:1;O2",
        "36:1;O2",
        "38:1;O2",
        "40:1;O2",
        "42:1;O2",
        "36:2;O2",
        "38:2;O2",
        "40:2;O2",
        "34:0;O2",
        "36:0;O2",
        "42:2;O2",
        "44:1;O2",
    ]
    out = []
    for i, cer in enumerate(ceramides[: anchors + extra]):
        name = f"{core}({cer})"
        jitter = ((i * 37) % 7 - 3) * 0.01
        out.append((name, rt(name, jitter), 1e6 * (1 + i), i < anchors))
    return out
