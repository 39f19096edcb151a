"""AnalysisConfig: defaults, TOML, key=value overrides, refusals."""

from __future__ import annotations

import pytest

from ganglioside import AnalysisConfig, ConfigError


def test_the_defaults_are_those_of_the_design():
    cfg = AnalysisConfig()
    assert cfg.fragment_rt_window == 0.02
    assert cfg.min_anchors_group_model == 5
    assert cfg.min_q2 == 0.70
    assert cfg.outlier_z == 2.5
    assert cfg.rt_sd_floor == 0.05
    assert (cfg.oac_coelution, cfg.oac_max_shift) == (0.01, 1.0)
    assert cfg.logp_mismatch == 0.5


def test_it_is_frozen():
    with pytest.raises(AttributeError):
        AnalysisConfig().outlier_z = 3  # type: ignore[misc]


def test_it_reads_toml_with_or_without_a_table(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text("outlier_z = 3.0\n[ignored]\n", encoding="utf-8")
    b = tmp_path / "b.toml"
    b.write_text('[analysis]\noutlier_z = 3.5\nisomer_elution_order = {GD1 = ["b", "a"]}\n')
    with pytest.raises(ConfigError, match="ignored"):
        AnalysisConfig.from_toml(a)
    cfg = AnalysisConfig.from_toml(b)
    assert cfg.outlier_z == 3.5
    assert cfg.isomer_elution_order == {"GD1": ("b", "a")}


def test_overrides_parse_values_and_refuse_unknown_keys():
    cfg = AnalysisConfig().with_overrides(["outlier_z=3", "robust=false"])
    assert cfg.outlier_z == 3 and cfg.robust is False
    with pytest.raises(ConfigError, match="unknown parameter 'nope'"):
        AnalysisConfig().with_overrides(["nope=1"])
    with pytest.raises(ConfigError, match="key=value"):
        AnalysisConfig().with_overrides(["outlier_z"])


@pytest.mark.parametrize(
    "change",
    [{"outlier_z": 0}, {"rt_sd_floor": -1}, {"min_anchors_group_model": 2}, {"min_q2": 2}],
)
def test_it_refuses_values_out_of_range(change):
    with pytest.raises(ConfigError):
        AnalysisConfig().replace(**change)


def test_to_dict_round_trips():
    cfg = AnalysisConfig(outlier_z=3.0, isomer_elution_order={"GD1": ("b", "a")})
    assert AnalysisConfig.from_mapping(cfg.to_dict()) == cfg
