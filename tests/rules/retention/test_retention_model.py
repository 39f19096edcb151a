"""RetentionModel on its own: fit and predict on small hand-built frames with known lines."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from ganglioside.model_reports import describe_models
from ganglioside.names import RESIDUE_COLUMNS
from ganglioside.rules.retention import RetentionModel, RetentionResult

SLOPE = 1.36
XS = (2.0, 3.0, 4.0, 5.0, 6.0, 7.0)  # Log P of the anchors of one group


def frame(groups: list[dict]) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of each group: ``{"key", "points": [(log_p, rt, anchor)], residue counts}``."""
    records = []
    for code, g in enumerate(groups):
        counts = {c: g.get(c, 0) for c in RESIDUE_COLUMNS}
        for log_p, rt, anchor in g["points"]:
            records.append(
                {"log_p": log_p, "rt": rt, "group_code": code, "group_key": g["key"]}
                | counts
                | {"anchor": anchor}
            )
    data = pd.DataFrame(records)
    return data.drop(columns="anchor"), data["anchor"].to_numpy(dtype=bool)


def on_line(intercept: float, xs=XS, anchor=True, slope=SLOPE) -> list:
    return [(x, slope * x + intercept, anchor) for x in xs]


def fit(data, anchors, track=None, n_tracks=None, **params):
    if track is None:
        track = np.where(anchors, 0, -1)
    return RetentionModel(**params).fit(data, anchors, track, n_tracks or {})


def predict(model, data, anchors, rank=None, score=None):
    usable = np.ones(len(data), dtype=bool)
    rank = np.full(len(data), -2) if rank is None else rank
    score = usable & ~anchors if score is None else score
    return model.predict(data, usable, score, rank)


def same(a, b) -> bool:
    """Deep equality of model attributes (arrays, dicts, dataclasses, pandas indexes)."""
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, pd.Index):
        return a.equals(b)
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and same(vars(a), vars(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return type(a) is type(b) and a == b


@pytest.fixture
def two_groups():
    """GM1 on y = 1.36 x + 2 and GD1 on y = 1.36 x + 5 (six exact anchors each), plus one
    non-anchor GD1 peak 0.3 min late."""
    return frame(
        [
            {"key": "GM1", "neuac": 1, "points": on_line(2.0)},
            {"key": "GD1", "neuac": 2, "points": [*on_line(5.0), (4.5, SLOPE * 4.5 + 5.3, False)]},
        ]
    )


# -- fit ----------------------------------------------------------------------------------


def test_fit_returns_self_and_keeps_the_parameters_unchanged(two_groups):
    data, anchors = two_groups
    model = RetentionModel(min_anchors_group_model=6, min_q2=0.5, rt_sd_floor=0.02, robust=False)
    assert model.fit(data, anchors, np.where(anchors, 0, -1), {}) is model
    params = {k: v for k, v in vars(model).items() if not k.endswith("_")}
    assert params == {
        "min_anchors_group_model": 6,
        "min_q2": 0.5,
        "rt_sd_floor": 0.02,
        "robust": False,
    }


def test_exact_lines_are_learned_with_their_slopes_and_intercepts(two_groups):
    data, anchors = two_groups
    model = fit(data, anchors)
    assert sorted(model.group_fits_) == [0, 1]
    for g, c in ((0, 2.0), (1, 5.0)):
        line = model.group_fits_[g]
        assert line.slope == pytest.approx(SLOPE, abs=1e-9)
        assert line.intercept == pytest.approx({g * model.max_tracks_: c}, abs=1e-9)
        assert line.q2 == pytest.approx(1.0)
        assert line.s == 0.05  # exact points: the residual SD stops at the floor
        assert line.n_anchors == 6 and line.logp_range == (2.0, 7.0)
    assert model.pooled_ is not None
    assert model.pooled_.slope == pytest.approx(SLOPE, abs=1e-9)
    assert model.pooled_.intercept == pytest.approx({0: 2.0, 2: 5.0}, abs=1e-9)
    assert model.pooled_.df == 12 - 2 - 1
    assert model.logp_range_ == (2.0, 7.0)
    assert model.slope_source_ == "anchors"
    assert model.anchor_rows_.tolist() == list(range(12))
    # anchors on their line: leave-one-out residuals of zero
    np.testing.assert_allclose(model.anchor_z_loo_, 0.0, atol=1e-6)


def test_no_training_rows_are_kept_on_the_model(two_groups):
    data, anchors = two_groups
    model = fit(data, anchors)
    n = len(data)
    for name, value in vars(model).items():
        assert not isinstance(value, pd.DataFrame | pd.Series), name
        if isinstance(value, np.ndarray):
            assert value.shape[0] != n, name  # nothing with one entry per training row
    assert all(name.endswith("_") for name in vars(model) if name not in PARAMETERS)


PARAMETERS = {"min_anchors_group_model", "min_q2", "rt_sd_floor", "robust"}


# -- predict ------------------------------------------------------------------------------


def test_predict_changes_nothing_on_the_model(two_groups):
    data, anchors = two_groups
    model = fit(data, anchors)
    before = copy.deepcopy(vars(model))
    result = predict(model, data, anchors)
    predict(model, data, anchors, score=np.zeros(len(data), dtype=bool))
    assert isinstance(result, RetentionResult)
    assert vars(model).keys() == before.keys()
    for name, value in before.items():
        assert same(value, vars(model)[name]), name
    assert not model.lines_.intercept.flags.writeable  # the table of lines is read-only


def test_group_lines_predict_their_rows_and_score_the_late_peak(two_groups):
    data, anchors = two_groups
    model = fit(data, anchors)
    result = predict(model, data, anchors)
    np.testing.assert_allclose(
        result.predicted, SLOPE * data["log_p"] + np.repeat([2.0, 5.0], [6, 7])
    )
    assert list(result.level) == ["group"] * 13
    assert list(result.model_id) == ["group:GM1"] * 6 + ["group:GD1"] * 7
    late = 12
    assert result.residual[late] == pytest.approx(0.3)
    # s = 0.05, leverage 1/6 + (4.5 - 4.5)²/sxx
    assert result.sd[late] == pytest.approx(0.05 * np.sqrt(1 + 1 / 6))
    assert result.z[late] == pytest.approx(0.3 / (0.05 * np.sqrt(1 + 1 / 6)))
    assert result.calibration == {}
    assert not hasattr(model, "calibration_")


def test_prediction_intervals_widen_away_from_the_anchors():
    far = [(x, SLOPE * x + 5.0, False) for x in (4.5, 6.5, 9.5, 14.5)]
    data, anchors = frame([{"key": "GD1", "points": on_line(5.0) + far}])
    result = predict(fit(data, anchors), data, anchors)
    sd = result.sd[6:]
    sxx = float(np.sum((np.array(XS) - 4.5) ** 2))
    expected = 0.05 * np.sqrt(1 + 1 / 6 + (np.array([4.5, 6.5, 9.5, 14.5]) - 4.5) ** 2 / sxx)
    np.testing.assert_allclose(sd, expected)
    assert np.all(np.diff(sd) > 0)
    assert result.logp_extrapolated[6:].tolist() == [False, False, True, True]


# -- the hierarchy ------------------------------------------------------------------------


def hierarchy():
    """GM1: six exact anchors (group line); GD1: three anchors (pooled); GT1: six anchors too
    scattered for a line of its own; GQ1: a negative slope; GD3: no anchor (composition)."""
    noisy = [
        (2.0 + 0.02 * i, SLOPE * 2.0 + 10.0 + (0.8 if i % 2 else -0.8), True) for i in range(6)
    ]
    falling = on_line(12.0, slope=-1.0)
    return frame(
        [
            {"key": "GM1", "neuac": 1, "points": on_line(2.0)},
            {"key": "GD1", "neuac": 2, "points": on_line(4.9, xs=(2.0, 4.0, 6.0))},
            {"key": "GT1", "neuac": 3, "points": noisy},
            {"key": "GQ1", "neuac": 4, "points": falling},
            {"key": "GD3", "neuac": 2, "hex": 1, "points": on_line(7.0, anchor=False)},
        ]
    )


def test_each_group_takes_the_level_its_anchors_allow():
    data, anchors = hierarchy()
    model = fit(data, anchors, robust=False)
    assert sorted(model.group_fits_) == [0]
    assert model.group_rejected_[2].startswith("leave-one-out Q² ")
    assert model.group_rejected_[3] == "slope -1.000 ≤ 0"
    assert sorted(model.group_rejected_) == [2, 3]
    result = predict(model, data, anchors)
    level = pd.Series(np.asarray(result.level)).groupby(data["group_key"]).unique()
    assert {k: list(v) for k, v in level.items()} == {
        "GM1": ["group"],
        "GD1": ["pooled"],
        "GT1": ["pooled"],
        "GQ1": ["pooled"],
        "GD3": ["composition"],
    }
    assert set(result.model_id[data["group_key"].eq("GD1").to_numpy()]) == {"pooled"}


def test_min_anchors_and_min_q2_decide_the_group_lines(two_groups):
    data, anchors = two_groups
    assert fit(data, anchors, min_anchors_group_model=7).group_fits_ == {}
    assert fit(data, anchors, min_anchors_group_model=7).pooled_ is not None
    noisy_data, noisy_anchors = hierarchy()
    q2 = fit(noisy_data, noisy_anchors, min_q2=-1e9).group_fits_[2].q2
    assert q2 is not None and q2 < 0.7
    assert 2 in fit(noisy_data, noisy_anchors, min_q2=q2 - 1e-9).group_fits_
    assert 2 not in fit(noisy_data, noisy_anchors, min_q2=q2 + 1e-9).group_fits_


def test_a_group_without_anchors_takes_its_intercept_from_its_composition():
    # intercepts rise by 2.9 min per NeuAc (the prior's own increment): the composition fit
    # is exact, and a group with three NeuAc sits at 1.0 + 3 × 2.9
    groups = [
        {"key": f"G{i}", "neuac": i, "points": on_line(1.0 + 2.9 * i, xs=(2.0, 4.0, 6.0))}
        for i in range(3)
    ]
    groups.append({"key": "G3", "neuac": 3, "points": on_line(9.7, xs=(3.0, 5.0), anchor=False)})
    data, anchors = frame(groups)
    model = fit(data, anchors, robust=False)
    assert model.comp_coef_[:2] == pytest.approx([1.0, 2.9], abs=1e-6)
    assert model.comp_slope_ == pytest.approx(SLOPE)
    assert model.comp_groups_.tolist() == [0, 1, 2]
    result = predict(model, data, anchors)
    assert list(result.level[-2:]) == ["composition", "composition"]
    np.testing.assert_allclose(result.predicted[-2:], [SLOPE * 3 + 9.7, SLOPE * 5 + 9.7])
    np.testing.assert_allclose(result.residual[-2:], 0.0, atol=1e-6)
    # the composition's own uncertainty: wider than the pooled groups' intervals
    assert result.sd[-1] > result.sd[:9].max()


# -- isomer tracks ------------------------------------------------------------------------


def test_anchor_tracks_share_one_offset_and_peaks_take_the_nearer_track():
    early = on_line(5.0)
    late = [(x, SLOPE * x + 5.5, True) for x in XS[:3]]
    peaks = [(4.0, SLOPE * 4.0 + 5.48, False), (4.0, SLOPE * 4.0 + 5.03, False)]
    data, anchors = frame([{"key": "GD1", "points": early + late + peaks}])
    track = np.array([0] * 6 + [1] * 3 + [-1, -1])
    model = fit(data, anchors, track=track, n_tracks={0: 2})
    assert model.isomer_delta_ == pytest.approx(0.5)
    assert model.n_tracks_ == {0: 2}
    assert model.pooled_.intercept == pytest.approx({0: 5.0, 1: 5.5})
    result = predict(model, data, anchors)
    assert result.track.tolist() == [0] * 6 + [1] * 3 + [1, 0]
    np.testing.assert_allclose(result.predicted[-2:], SLOPE * 4.0 + np.array([5.5, 5.0]))
    assert not result.track_inferred.any()


def test_isomer_capable_anchors_are_split_over_early_and_late_lines():
    points = [*on_line(5.0, xs=(2.0, 4.0, 6.0)), (3.0, SLOPE * 3.0 + 5.45, True)]
    data, anchors = frame([{"key": "GD1", "points": points}])
    model = RetentionModel().fit(
        data, anchors, np.zeros(4, dtype=int), {}, capable=anchors, fallback_delta=0.45
    )
    assert model.isomer_delta_ == 0.45  # no multi-track group: the fallback
    assert model.n_tracks_ == {0: 2}  # learned by the alignment, not given
    assert model.pooled_.intercept == pytest.approx({0: 5.0, 1: 5.45})


def test_peaks_of_a_group_without_tracks_are_given_early_and_late_lines():
    peaks = [(4.0, SLOPE * 4.0 + 5.02, False), (4.0, SLOPE * 4.0 + 5.47, False)]
    data, anchors = frame([{"key": "GD1", "points": on_line(5.0) + peaks}])
    track = np.where(anchors, 0, -1)
    model = RetentionModel().fit(data, anchors, track, {}, fallback_delta=0.45)
    rank = np.array([-2] * 6 + [0, 1])  # a name seen as an early/late pair
    result = predict(model, data, anchors, rank=rank)
    assert result.track_inferred.tolist() == [False] * 6 + [True, True]
    assert result.track[-2:].tolist() == [0, 1]
    np.testing.assert_allclose(result.predicted[-2:], SLOPE * 4.0 + np.array([5.0, 5.45]))


# -- few anchors --------------------------------------------------------------------------


def test_a_lone_anchor_gives_a_composition_line_with_the_prior_slope():
    data, anchors = frame(
        [{"key": "GD1", "neuac": 2, "points": [(4.0, 12.0, True), (5.0, 13.36, False)]}]
    )
    model = fit(data, anchors, robust=False)
    assert model.pooled_ is None and model.group_fits_ == {}
    assert model.comp_slope_ == pytest.approx(SLOPE)
    assert model.logp_range_ == (4.0, 4.0)
    result = predict(model, data, anchors)
    assert list(result.level) == ["composition", "composition"]
    np.testing.assert_allclose(result.predicted, [12.0, 13.36], atol=1e-9)
    # prior residual SD 0.1 and composition SD 0.15 at least, and no anchor line to test it on
    assert np.all(result.sd >= np.sqrt(0.1**2 + 0.15**2))
    assert np.isnan(result.anchor_z_loo).all()


def test_without_anchors_nothing_is_predicted():
    data, anchors = frame([{"key": "GD1", "points": on_line(5.0, anchor=False)}])
    model = fit(data, anchors)
    assert model.lines_ is None and model.comp_coef_ is None and model.pooled_ is None
    assert model.logp_range_ is None
    result = predict(model, data, anchors)
    assert np.isnan(result.predicted).all() and np.isnan(result.z).all()
    assert set(result.level) == {""}
    assert result.calibration == {}
    assert describe_models(model, result) == []


def test_predict_needs_a_fitted_model_and_the_fitted_rows(two_groups):
    data, anchors = two_groups
    with pytest.raises(ValueError, match="not fitted"):
        predict(RetentionModel(), data, anchors)
    model = fit(data, anchors)
    with pytest.raises(ValueError, match="13 rows given to fit"):
        predict(model, data.head(5), anchors[:5])


# -- calibration and reports --------------------------------------------------------------


def test_calibration_widens_a_scattered_level_and_comes_back_in_the_result():
    scatter = [
        (2.0 + 0.1 * i, SLOPE * (2.0 + 0.1 * i) + 5.0 + (0.2 if i % 2 else -0.2), False)
        for i in range(40)
    ]
    data, anchors = frame([{"key": "GD1", "points": on_line(5.0, xs=(2.0, 4.0, 6.0)) + scatter}])
    model = fit(data, anchors, robust=False)
    calibrated = predict(model, data, anchors)
    plain = predict(model, data, anchors, score=np.zeros(len(data), dtype=bool))
    assert plain.calibration == {}
    factor = calibrated.calibration["pooled"]
    assert 1 < factor <= 3.0
    np.testing.assert_allclose(calibrated.sd, plain.sd * factor)
    np.testing.assert_allclose(calibrated.predicted, plain.predicted)


def test_model_reports_describe_the_fitted_lines(two_groups):
    data, anchors = two_groups
    model = fit(data, anchors, min_anchors_group_model=6)
    reports = describe_models(model, predict(model, data, anchors))
    assert [(r.model_id, r.level, r.n_rows, r.n_anchors) for r in reports] == [
        ("group:GM1", "group", 6, 6),
        ("group:GD1", "group", 7, 6),
        ("pooled", "pooled", 0, 12),
        ("composition", "composition", 0, 12),
    ]
    assert reports[0].slope == pytest.approx(SLOPE)
    assert reports[0].intercepts["GM1"][0] == pytest.approx(2.0)
    assert reports[2].intercepts.keys() == {"GM1", "GD1"}
    assert reports[3].groups == ("GD1", "GM1")


def test_the_docstring_lists_every_parameter_and_learned_attribute(two_groups):
    data, anchors = two_groups
    model = fit(data, anchors)
    doc = RetentionModel.__doc__
    params, attributes = doc.split("Parameters\n")[1].split("Attributes\n")
    listed = {line.split(" : ")[0].strip() for line in params.splitlines() if " : " in line}
    assert listed == PARAMETERS
    listed = {line.split(" : ")[0].strip() for line in attributes.splitlines() if " : " in line}
    assert listed == {name for name in vars(model) if name.endswith("_")}


@pytest.mark.slow
def test_isomer_anchor_pairs_keep_their_tracks_without_a_pooled_line():
    # simulated study 9, sample C02: the anchored groups (GT1, GD1, GD1+HexNAc) hold one
    # species each, so no line has a slope and every group takes its composition estimate;
    # the anchor pairs of GT1(42:1;O2) and GD1(38:1;O2) still show the isomer spacing, which
    # needs no slope, and each peak of a pair keeps its own track (both were put on the early
    # line, 0.48 min apart with one predicted RT)
    from ganglioside import analyze
    from ganglioside.simulate.study import simulate_study

    table = simulate_study(9, n_per_group=3, n_rows=80).tables["C02"]
    compounds = analyze(table).compounds
    anchors = compounds[compounds["is_anchor"]]
    assert set(anchors["model_level"]) == {"composition"}
    pairs = anchors.groupby("name").filter(lambda g: len(g) == 2)
    assert set(pairs["name"]) == {"GT1(42:1;O2)", "GD1(38:1;O2)"}
    for _, pair in pairs.groupby("name"):
        pair = pair.sort_values("rt")
        assert pair["isomer_track"].tolist() == ["early", "late"]
        assert pair["predicted_rt"].iat[1] - pair["predicted_rt"].iat[0] > 0.3
