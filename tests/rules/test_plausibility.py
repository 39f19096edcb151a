"""Composition plausibility, sialic-acid elution order and fragment plausibility."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.codes import per_row_text
from ganglioside.rules.plausibility import (
    SIALIC_ORDER_MARGIN,
    implausible_composition,
    sialic_order,
)
from tests.rows import clean_series, rt, table

SAMPLE = str(files("ganglioside") / "data" / "measured_sample.csv")


@pytest.mark.parametrize(
    ("carbons", "double_bonds", "odd"),
    [(36, 1, False), (34, 1, False), (44, 6, False), (40, 9, True), (60, 12, True), (18, 1, True)],
)
def test_a_ceramide_sum_must_be_a_base_plus_one_fatty_acid(carbons, double_bonds, odd):
    assert implausible_composition(np.array([carbons]), np.array([double_bonds]))[0] == odd


def test_an_implausible_name_is_flagged_and_not_identified_beyond_composition():
    df = table(clean_series("GM3"))
    df.loc[len(df)] = ["GM3(60:12;O2)", 9.0, 1e5, 5.0, "F"]
    result = analyze(df)
    row = result.compounds.iloc[-1]
    assert "implausible_composition" in row["warnings"]
    if row["status"] == "valid":  # another status's reason says why it got that status
        assert "60 carbons is outside 28-58" in row["reasons"]
    assert row["identification_level"] >= 4
    assert any("cannot be a sphingoid base plus one fatty acid" in w for w in result.warnings)
    on_line = table(clean_series("GM3"))
    on_line.loc[len(on_line)] = ["GM3(40:9;O2)", 9.0, 1e5, 5.0, "F"]
    on_line.loc[len(on_line) - 1, "RT"] = round(1.36 * 5.0 - 0.14, 3)  # on GM3's line
    row = analyze(on_line).compounds.iloc[-1]
    assert row["status"] == "valid"
    assert "9 double bonds on 40 carbons" in row["reasons"]
    assert row["identification"] == "composition"
    others = result.compounds.iloc[:-1]
    assert not others["warnings"].str.contains("implausible_composition").any()


def test_a_disialo_species_after_its_monosialo_relative_is_flagged():
    df = table(clean_series("GM3") + clean_series("GD3", anchors=3))
    late = rt("GM3(36:1;O2)") + 0.5
    gd3 = df.index[df["Name"] == "GD3(36:1;O2)"][0]
    df.loc[gd3, "RT"] = late  # GD3 after GM3 at the same ceramide
    df.loc[gd3, "Anchor"] = "T"  # a confirmed standard: the RT model does not set it aside
    result = analyze(df)
    c = result.compounds.set_index("name")
    assert "sialic_order" in c.loc["GD3(36:1;O2)", "warnings"]
    assert "sialic_order" not in c.loc["GM3(36:1;O2)", "warnings"]
    assert any("GD3(36:1;O2) after GM3(36:1;O2)" in w for w in result.warnings)
    clean = analyze(table(clean_series("GM3") + clean_series("GD3", anchors=3)))
    assert not clean.compounds["warnings"].str.contains("sialic_order").any()


def test_implausible_fragments_of_the_sample_are_not_merged():
    """The bundled sample: GM3(36:2;O2) (376k) beside GT1+2OAc(36:2;O2) (37k) and
    GM3(36:0;O2) (690k) beside an outlier GM2(36:0;O2) are not their fragments."""
    result = analyze(SAMPLE)
    c = result.compounds.set_index("row")
    for row in (176, 182):
        assert c.loc[row, "status"] != "fragment"
        assert "fragment_refused" in c.loc[row, "warnings"]
        assert pd.isna(c.loc[row, "fragment_of"])
    assert any("not merged into a parent" in w for w in result.warnings)
    events = result.fragments
    ratio = events["fragment_volume"] / events["parent_volume"]
    assert (ratio <= 5).all()


def _sialic_order_by_loop(per_row, rt, rows):
    """The rule written out pair by pair: a species (ceramide, group_key; median RT over
    ``rows``) eluting after a relative with fewer sialic acids is given that relative's first
    row (the relative with most sialic acids, the first in sorted key order on a tie)."""
    out = np.full(len(rt), -1, dtype=np.int64)
    taken = np.flatnonzero(rows)
    keys = sorted({(per_row["ceramide"].iloc[i], per_row["group_key"].iloc[i]) for i in taken})
    members = {
        k: [i for i in taken if (per_row["ceramide"].iloc[i], per_row["group_key"].iloc[i]) == k]
        for k in keys
    }
    median = {k: float(np.median(rt[members[k]])) for k in keys}
    glycan = ["neuac", "neugc", "hex", "hexnac"]
    for b in keys:
        fb = members[b][0]
        best = None
        for a in keys:
            fa = members[a][0]
            if (
                a[0] == b[0]
                and all(per_row[c].iloc[fa] <= per_row[c].iloc[fb] for c in glycan)
                and per_row["sialic"].iloc[fa] < per_row["sialic"].iloc[fb]
                and all(per_row[c].iloc[fa] == per_row[c].iloc[fb] for c in ("oac", "dhex"))
                and median[a] < median[b] - SIALIC_ORDER_MARGIN
                and (best is None or per_row["sialic"].iloc[fa] > per_row["sialic"].iloc[best])
            ):
                best = fa
        if best is not None:
            out[members[b]] = best
    return out


def test_sialic_order_names_the_same_relatives_as_a_pair_by_pair_loop():
    rng = np.random.default_rng(5)
    ceramides = np.array(["34:1;O2", "36:1;O2", "38:1;O2", ""], dtype=object)
    groups = np.array(["GM3", "GD3", "GM1", "GD1", "GT1", "GD1+OAc", ""], dtype=object)
    # few modifications, sialic acids 0-3: most species have relatives
    counts = {c: [0, 1] for c in ("neuac", "neugc", "hex", "hexnac")}
    counts |= {"oac": [0, 0, 0, 1], "dhex": [0, 0, 0, 1], "sialic": [0, 1, 2, 3]}
    flagged = 0
    for _ in range(200):
        n_names, n = int(rng.integers(1, 12)), int(rng.integers(0, 40))
        codes = rng.integers(0, n_names, n)
        per_row = pd.DataFrame(
            {c: rng.choice(values, n_names).astype(np.int16)[codes] for c, values in counts.items()}
        )
        per_row["ceramide"] = per_row_text(rng.choice(ceramides, n_names), codes)
        per_row["group_key"] = per_row_text(rng.choice(groups, n_names), codes)
        rt_ = rng.uniform(5, 7, n).round(1)
        rows = rng.random(n) < 0.8
        expected = _sialic_order_by_loop(per_row, rt_, rows)
        np.testing.assert_array_equal(sialic_order(per_row, rt_, rows), expected)
        flagged += int((expected >= 0).sum())
    assert flagged > 20  # the cases exercise the rule, not only its "none"
