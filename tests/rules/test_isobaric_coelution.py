"""Co-eluting isobaric species of one precursor (MRM cross-talk between chain splits)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.rules.isobaric import isobaric_partners
from ganglioside.simulate import simulate


@pytest.fixture(scope="module")
def base():
    sim = simulate(3)
    result = analyze(sim.table)
    c = result.compounds
    ok = (
        (c["status"].astype(str) == "valid")
        & ~c["is_anchor"]
        & (c["z"].abs() < 1.0)
        & c["name"].str.fullmatch(r"G[A-Z]\d[a-z]?\((3[6-9]|4\d):[1-3];O2\)")
    )
    return sim.table.copy(), int(np.flatnonzero(ok.to_numpy())[0])


def split_names(name: str) -> tuple[str, str]:
    """Two molecular species of the sum composition of ``name``."""
    core, carbons, bonds = re.fullmatch(r"(.+)\((\d+):(\d+);O2\)", name).groups()
    c, d = int(carbons), int(bonds)
    return f"{core}(d18:1/{c - 18}:{d - 1})", f"{core}(d20:1/{c - 20}:{d - 1})"


def with_pair(table: pd.DataFrame, i: int, logp_shift: float, rt_shift: float) -> pd.DataFrame:
    """Row ``i`` renamed as one chain split, plus a weaker co-eluting row of another split."""
    table = table.copy()
    strong, weak = split_names(table.loc[i, "Name"])
    table.loc[i, "Name"] = strong
    extra = table.loc[[i]].copy()
    extra["Name"] = weak
    extra["Volume"] = table.loc[i, "Volume"] * 0.1
    extra["Log P"] = table.loc[i, "Log P"] + logp_shift
    extra["RT"] = table.loc[i, "RT"] + 0.01
    extra["Anchor"] = ""
    table.loc[i, "RT"] = table.loc[i, "RT"] + rt_shift
    extra["RT"] = extra["RT"] + rt_shift
    return pd.concat([table, extra], ignore_index=True)


@pytest.mark.slow
def test_a_weaker_isobaric_peak_is_reported_not_called_a_misannotation(base):
    table, i = base
    # the tool gave the other chain split its own Log P: on its own it would be off the line
    result = analyze(with_pair(table, i, logp_shift=0.6, rt_shift=0.0))
    c = result.compounds
    strong, weak = c.iloc[i], c.iloc[-1]
    assert abs(weak["z"]) >= 2.5  # off the line by its own Log P
    assert weak["status"] == "valid" and strong["status"] == "valid"
    assert "isobaric_coelution" in weak["warnings"].split(";")
    assert f"isobaric_coelution:{strong['row']}" in weak["evidence"].split(";")
    assert f"isobaric_coelution:{weak['row']}" in strong["evidence"].split(";")
    assert f"co-elutes with row {strong['row']}" in weak["reasons"]


@pytest.mark.slow
def test_without_the_partner_the_same_peak_is_an_outlier(base):
    table, i = base
    paired = with_pair(table, i, logp_shift=0.6, rt_shift=0.0)
    alone = paired.drop(index=i).reset_index(drop=True)
    c = analyze(alone).compounds
    assert c.iloc[-1]["status"] == "outlier"
    assert "isobaric_coelution" not in c.iloc[-1]["warnings"]


@pytest.mark.slow
def test_when_both_are_off_the_line_both_are_outliers(base):
    table, i = base
    c = analyze(with_pair(table, i, logp_shift=0.0, rt_shift=1.5)).compounds
    assert c.iloc[i]["status"] == "outlier" and c.iloc[-1]["status"] == "outlier"
    assert "isobaric_coelution" in c.iloc[-1]["warnings"]


def test_partners_need_the_same_sum_another_name_and_the_same_rt():
    species = np.array(["GM3 36:1;O2"] * 4 + ["GM2 36:1;O2"], dtype=object)
    names = np.array([0, 1, 0, 2, 3])
    rt = np.array([10.0, 10.01, 10.0, 11.0, 10.0])
    volume = np.array([100.0, 10.0, 50.0, 80.0, 90.0])
    partner = isobaric_partners(species, names, rt, volume, np.ones(5, dtype=bool), 0.02)
    # rows 0 and 2 share a written name (a duplicate, not a split); row 3 elutes elsewhere;
    # row 4 is another species
    assert partner.tolist() == [1, 0, 1, -1, -1]
