"""A calibration that obeys chemistry: RTs that cannot verify names validate nothing.

Hand-written situations: a table whose RTs have nothing to do with its names, a series run
backwards, a minority of wrong rows that would turn a self-calibrated line around, and
hydroxylated species whose file-learned RT term has the wrong sign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganglioside import analyze
from ganglioside.rules.retention._credibility import (
    MIN_SELF_Q2,
    plausible_slope_start,
    refusal,
    within_group_q2,
)
from ganglioside.simulate import simulate
from tests.rows import rt, table

GM3_SERIES = [
    "GM3(34:1;O2)",
    "GM3(35:1;O2)",
    "GM3(36:1;O2)",
    "GM3(36:2;O2)",
    "GM3(38:1;O2)",
    "GM3(40:1;O2)",
    "GM3(40:2;O2)",
    "GM3(41:1;O2)",
    "GM3(42:1;O2)",
    "GM3(42:2;O2)",
]
GM1_SERIES = ["GM1(34:1;O2)", "GM1(36:1;O2)", "GM1(38:1;O2)", "GM1(40:1;O2)", "GM1(36:2;O2)"]


def share(result, status: str) -> float:
    return float((result.compounds["status"] == status).mean())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("anchored", [False, True])
def test_random_rts_validate_almost_nothing(seed, anchored):
    sim = simulate(seed, anchor_rate=0.15 if anchored else 0.0)
    t = sim.table.copy()
    t["RT"] = np.random.default_rng(seed).uniform(2, 20, len(t)).round(3)
    result = analyze(t)
    assert share(result, "valid") - share_anchors(result) <= 0.05
    unverified = result.compounds[result.compounds["status"] == "unverified"]
    assert len(unverified) > 0.5 * len(t)
    assert unverified["reasons"].str.contains("no RT verdict|could not have caught").all()


def share_anchors(result) -> float:
    return float(result.compounds["is_anchor"].mean())


@pytest.mark.slow
def test_the_real_rts_of_the_same_tables_are_still_decided():
    sim = simulate(0, anchor_rate=0.0)
    result = analyze(sim.table)
    assert share(result, "valid") > 0.6
    assert not any("no RT verdict" in w for w in result.warnings)


def test_a_series_run_backwards_decides_nothing_and_says_why():
    names = GM3_SERIES + GM1_SERIES
    rows = [(n, round(30 - rt(n), 3), 1e5, False) for n in names]  # RT falls as Log P rises
    result = analyze(table(rows))
    c = result.compounds
    assert (c["status"] == "unverified").all()
    assert c["reasons"].str.contains("reversed-phase order runs the other way").all()
    assert any("no RT verdict on this file" in w for w in result.warnings)


def test_a_minority_of_wrong_rows_cannot_turn_the_line_around():
    """The LipidSearch case rebuilt: short, unsaturated GM3 species at 14-18 min, after the
    long ones; a least-squares start reverses the slope, the consistent majority wins."""
    good = [(n, rt(n), 1e5, False) for n in GM3_SERIES + GM1_SERIES]
    wrong = [
        ("GM3(31:4;O2)", 14.2, 2e4, False),
        ("GM3(32:4;O2)", 15.6, 2e4, False),
        ("GM3(33:5;O2)", 17.1, 2e4, False),
        ("GM3(32:5;O2)", 18.0, 2e4, False),
    ]
    result = analyze(table(good + wrong))
    c = result.compounds.set_index("name")
    assert result.models[0].calibration["slope"] > 0
    for name, *_ in wrong:
        assert c.loc[name, "status"] == "outlier", name
    assert c.loc["GM3(38:1;O2)", "status"] == "valid"
    assert (c.loc[GM3_SERIES + GM1_SERIES, "status"] == "valid").mean() >= 0.9


def test_when_most_rows_are_wrong_nothing_is_decided():
    names = GM3_SERIES + GM1_SERIES
    rng = np.random.default_rng(4)
    rows = [(n, round(float(rng.uniform(2, 20)), 3), 1e5, False) for n in names[:11]]
    rows += [(n, rt(n), 1e5, False) for n in names[11:]]
    result = analyze(table(rows))
    assert share(result, "valid") == 0.0
    assert (result.compounds["status"] == "unverified").all()


def test_anchors_whose_common_line_runs_backwards_are_refused():
    names = GM3_SERIES + GM1_SERIES
    rows = [(n, round(30 - rt(n), 3), 1e5, i % 2 == 0) for i, n in enumerate(names)]
    result = analyze(table(rows))
    c = result.compounds
    assert (c.loc[~c["is_anchor"], "status"] == "unverified").all()
    assert any("anchors' common line" in w for w in result.warnings)


# -- hydroxylated species -------------------------------------------------------------------


def hydroxylated(shift: float) -> pd.DataFrame:
    return simulate(5, hydroxyl_rt_shift=shift, hydroxyl_rate=0.3, anchor_rate=0.0).table


@pytest.mark.slow
def test_a_hydroxyl_term_that_lengthens_rt_is_refused_for_the_prior():
    result = analyze(hydroxylated(+0.25))
    assert result.models[0].hydroxyl["source"] == "prior"
    # the prior's -0.17 min per oxygen, at the slope of the final fit
    assert -0.25 < result.models[0].hydroxyl["per_oxygen"] < -0.1
    assert any("cannot lengthen RT" in w for w in result.warnings)


@pytest.mark.slow
def test_a_hydroxyl_term_that_shortens_rt_is_learned_from_the_file():
    result = analyze(hydroxylated(-0.15))
    hydroxyl = result.models[0].hydroxyl
    assert hydroxyl["source"] == "peaks"
    assert hydroxyl["per_oxygen"] == pytest.approx(-0.15, abs=0.06)
    assert not any("cannot lengthen RT" in w for w in result.warnings)
    c = result.compounds
    o3 = c[c["oxygens"] > 2]
    assert (o3["status"] == "valid").mean() >= 0.8


# -- the pure checks ------------------------------------------------------------------------


def test_q2_is_high_on_a_line_and_not_positive_on_noise():
    rng = np.random.default_rng(1)
    x = np.tile(np.linspace(0, 5, 10), 3)
    inv = np.repeat(np.arange(3), 10)
    on_line = 1.4 * x + 3.0 * inv + rng.normal(0, 0.05, x.size)
    assert within_group_q2(x, on_line, inv) > 0.98
    noise = rng.uniform(2, 20, x.size)
    assert within_group_q2(x, noise, inv) <= MIN_SELF_Q2
    assert np.isnan(within_group_q2(x[:2], on_line[:2], inv[:2]))


def test_the_plausible_start_follows_the_majority():
    x = np.linspace(0, 6, 12)
    y = 1.3 * x + 2.0
    y[:4] = 20.0 - 2 * x[:4]  # a third of the peaks run the other way
    slope, resid = plausible_slope_start(x, y, np.zeros(x.size, dtype=int), 0.25)
    assert slope == pytest.approx(1.3, rel=0.05)
    assert (np.abs(resid[4:]) < 0.1).all() and (np.abs(resid[:4]) > 1).all()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"slope": -1.17}, "reversed-phase order runs the other way"),
        ({"slope": 9.0}, "outside the plausible reversed-phase range"),
        ({"q2": -0.2}, "do not predict each other"),
        ({"n_kept": 3}, "a calibration needs at least 5"),
        ({"n_kept": 20, "n_peaks": 60}, "at least 50%"),
        ({"half_width": 3.2}, "could not catch a wrong name"),
    ],
)
def test_each_refusal_is_said_in_words(kwargs, words):
    fine = {"slope": 1.3, "q2": 0.95, "n_kept": 30, "n_peaks": 32, "half_width": 0.3}
    assert refusal(**fine) is None
    assert words in str(refusal(**{**fine, **kwargs}))
