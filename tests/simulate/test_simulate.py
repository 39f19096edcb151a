"""The simulator of feature tables with known truth, and the scoring against that truth."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ganglioside
import ganglioside.simulate as simulate_module
from ganglioside.cli import main as cli_main
from ganglioside.names import parse_name
from ganglioside.scoring import mistakes, score
from ganglioside.simulate import (
    TABLE_COLUMNS,
    TRUTH_COLUMNS,
    SimulatedTable,
    SimulationArgumentError,
    simulate,
)

NAME = re.compile(
    r"^G[AMDTQP][1-4](?:[abc]α?|α)?(?:\+\d*(?:OAc|dHex|Hex|HexNAc|NeuAc|NeuGc))*"
    r"\(\d+:\d+;O\d+\)$"
)
SEEDS = (0, 1, 2, 3, 4, 5, 6, 7)


@pytest.fixture(scope="module")
def sims() -> dict[int, SimulatedTable]:
    return {seed: simulate(seed) for seed in SEEDS}


def joined(sim: SimulatedTable) -> pd.DataFrame:
    """Table and truth side by side, with the composition parsed by the package's own parser."""
    frame = pd.concat([sim.table, sim.truth], axis=1)
    parsed = {name: parse_name(name) for name in frame["Name"].unique()}
    frame["ceramide"] = [parsed[n].ceramide for n in frame["Name"]]
    for part in ("neuac", "neugc", "hex", "hexnac", "dhex", "oac"):
        frame[part] = [getattr(parsed[n], part) for n in frame["Name"]]
    frame["sugars"] = [parsed[n].sugar_count for n in frame["Name"]]
    frame["canonical"] = [f"{parsed[n].group_key}({parsed[n].ceramide})" for n in frame["Name"]]
    return frame


# -- shape and reproducibility -----------------------------------------------------------------


def test_the_same_seed_gives_the_same_table_and_truth():
    first, second = simulate(11), simulate(11)
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.truth, second.truth)
    assert first.params == second.params


def test_different_seeds_give_different_tables_and_knobs(sims):
    assert not sims[0].table.equals(sims[1].table)
    noise = {round(s.params["noise_sd"], 4) for s in sims.values()}
    rates = {round(s.params["outlier_rate"], 4) for s in sims.values()}
    sizes = {len(s.table) for s in sims.values()}
    assert len(noise) == len(sims) and len(rates) == len(sims) and len(sizes) > 4


def test_the_table_has_exactly_the_input_columns_and_types(sims):
    for sim in sims.values():
        table = sim.table
        assert tuple(table.columns) == TABLE_COLUMNS
        assert pd.api.types.is_string_dtype(table["Name"])
        assert table["RT"].dtype == np.float64
        assert table["Volume"].dtype == np.int64
        assert table["Log P"].dtype == np.float64
        assert set(table["Anchor"]) == {"T", "F"}
        assert (table["RT"] > 0).all() and (table["Volume"] >= 1).all()
        assert table["Log P"].notna().all()


def test_the_truth_has_one_row_per_table_row_with_known_labels(sims):
    for sim in sims.values():
        truth = sim.truth
        assert tuple(truth.columns) == TRUTH_COLUMNS
        assert truth["row"].tolist() == list(range(1, len(sim.table) + 1))
        assert set(truth["label"]) == {"valid", "outlier", "fragment"}
        assert str(truth["parent_row"].dtype) == "Int64"
        is_fragment = truth["label"] == "fragment"
        assert truth.loc[is_fragment, "parent_row"].notna().all()
        assert truth.loc[~is_fragment, "parent_row"].isna().all()


def test_every_name_follows_the_grammar_and_the_package_parser(sims):
    for sim in sims.values():
        names = sim.table["Name"].unique()
        bad = [n for n in names if not NAME.match(n)]
        assert bad == []
        for name in names:
            parse_name(name)  # raises on a name the analysis could not read


@pytest.mark.slow
def test_stacked_modifications_are_sometimes_written_out_of_order():
    reordered = 0
    for seed in range(20):
        for name in simulate(seed).table["Name"].unique():
            parsed = parse_name(name)
            head = name.split("(")[0]
            if len(parsed.modifications) > 1 and head != parsed.group_key:
                reordered += 1
    assert reordered > 0


@pytest.mark.slow
def test_log_p_is_constant_per_name_and_linear_in_composition(sims):
    for sim in sims.values():
        frame = joined(sim)
        spread = frame.groupby("canonical")["Log P"].nunique()
        assert (spread == 1).all()
        parsed = frame.drop_duplicates("canonical")
        carbons = parsed["ceramide"].str.extract(r"^(\d+):(\d+);O(\d+)$").astype(int)
        design = np.column_stack(
            [
                np.ones(len(parsed)),
                carbons[0],
                carbons[1],
                carbons[2] - 2,
                parsed["neuac"],
                parsed["neugc"],
                parsed["hex"],
                parsed["hexnac"],
                parsed["dhex"],
                parsed["oac"],
            ]
        ).astype(float)
        y = parsed["Log P"].to_numpy()
        keep = np.abs(design).sum(axis=0) > 0
        coef, *_ = np.linalg.lstsq(design[:, keep], y, rcond=None)
        residual = y - design[:, keep] @ coef
        assert residual.std() < 0.05
        # Carbon, double-bond and NeuAc increments near the documented +0.54, -0.95, -2.48.
        assert coef[1] == pytest.approx(0.54, abs=0.04)
        assert coef[2] == pytest.approx(-0.95, abs=0.1)
        assert coef[4] == pytest.approx(-2.48, abs=0.2)


@pytest.mark.slow
def test_reference_species_get_their_documented_log_p():
    seen: dict[str, list[float]] = {}
    for seed in range(25):
        table = simulate(seed).table
        for name in ("GD1(36:1;O2)", "GM3(36:1;O2)", "GT1(36:1;O2)"):
            seen.setdefault(name, []).extend(table.loc[table["Name"] == name, "Log P"].unique())
    assert np.mean(seen["GD1(36:1;O2)"]) == pytest.approx(1.53, abs=0.2)
    assert np.mean(seen["GM3(36:1;O2)"]) == pytest.approx(7.74, abs=0.2)
    assert np.mean(seen["GT1(36:1;O2)"]) == pytest.approx(-0.94, abs=0.2)


@pytest.mark.slow
def test_retention_rises_with_log_p_at_about_1_36_min_per_unit(sims):
    for sim in sims.values():
        frame = joined(sim)
        valid = frame[(frame["label"] == "valid") & (frame["track"] != "late")]
        groups = valid["canonical"].str.replace(r"\(.*", "", regex=True)
        big = groups.value_counts().index[0]
        rows = valid[groups == big]
        slope = np.polyfit(rows["Log P"], rows["RT"], 1)[0]
        assert 1.2 < slope < 1.5


def test_rts_stay_within_a_plausible_run(sims):
    for sim in sims.values():
        assert sim.table["RT"].between(2.0, 25.0).all()


# -- the truth is consistent ------------------------------------------------------------------


@pytest.mark.slow
def test_every_fragment_points_to_a_real_species_of_the_same_ceramide_that_co_elutes(sims):
    for sim in sims.values():
        frame = joined(sim).set_index("row", drop=False)
        fragments = frame[frame["label"] == "fragment"]
        assert len(fragments) > 0
        parents = frame.loc[fragments["parent_row"].astype(int)]
        assert (parents["label"].to_numpy() == "valid").all()
        assert (parents["ceramide"].to_numpy() == fragments["ceramide"].to_numpy()).all()
        drt = np.abs(parents["RT"].to_numpy() - fragments["RT"].to_numpy())
        assert drt.max() <= 0.0105
        ratio = fragments["Volume"].to_numpy() / parents["Volume"].to_numpy()
        assert ratio.max() <= 0.31


@pytest.mark.slow
def test_every_fragment_lost_residues_from_its_parent(sims):
    parts = ("neuac", "neugc", "hex", "hexnac", "dhex", "oac")
    for sim in sims.values():
        frame = joined(sim).set_index("row", drop=False)
        fragments = frame[frame["label"] == "fragment"]
        parents = frame.loc[fragments["parent_row"].astype(int)]
        for part in parts:
            assert (fragments[part].to_numpy() <= parents[part].to_numpy()).all()
        fewer_sugars = fragments["sugars"].to_numpy() < parents["sugars"].to_numpy()
        deacetylated = (fragments["sugars"].to_numpy() == parents["sugars"].to_numpy()) & (
            fragments["oac"].to_numpy() < parents["oac"].to_numpy()
        )
        assert (fewer_sugars | deacetylated).all()
        assert (fragments["lost"].str.len() > 0).all()


@pytest.mark.slow
def test_anchors_are_always_real_species_and_concentrated_in_few_groups(sims):
    for sim in sims.values():
        frame = joined(sim)
        anchors = frame[frame["Anchor"] == "T"]
        assert (anchors["label"] == "valid").all()
        share = len(anchors) / (frame["label"] == "valid").sum()
        assert 0.04 < share < 0.3
        per_group = anchors["canonical"].str.replace(r"\(.*", "", regex=True).value_counts()
        groups = frame["canonical"].str.replace(r"\(.*", "", regex=True).nunique()
        assert per_group.iloc[0] >= 0.3 * len(anchors)
        assert len(per_group) < groups / 2


@pytest.mark.slow
def test_isomer_pairs_share_name_and_log_p_and_sit_about_0_45_min_apart(sims):
    for sim in sims.values():
        frame = joined(sim)
        valid = frame[frame["label"] == "valid"]
        early = valid[valid["track"] == "early"].set_index("canonical")
        late = valid[valid["track"] == "late"].set_index("canonical")
        both = early.index.intersection(late.index)
        both = both[~both.duplicated()]
        assert len(both) > 3
        gap = late.loc[both, "RT"] - early.loc[both, "RT"]
        spread = 5 * np.sqrt(2) * sim.params["noise_sd"]
        assert (np.abs(gap - sim.params["track_offset"]) <= spread).all()
        assert gap.median() == pytest.approx(sim.params["track_offset"], abs=0.1)
        assert (late.loc[both, "Log P"] == early.loc[both, "Log P"]).all()
        cores = {parse_name(name).core for name in valid.loc[valid["track"] != "", "Name"]}
        assert cores <= {"GD1", "GT1", "GQ1"}


@pytest.mark.slow
def test_outliers_sit_far_from_where_their_name_elutes(sims):
    for sim in sims.values():
        frame = joined(sim)
        outliers = frame[frame["label"] == "outlier"]
        assert len(outliers) > 0
        assert (outliers["Anchor"] == "F").all()
        gap = max(0.6, 6 * sim.params["noise_sd"])
        assert (np.abs(outliers["RT"] - outliers["expected_rt"]) >= gap - 0.001).all()
        # Independently of the simulator's own expectation: no real peak of the same name
        # elutes near an outlier.
        valid = frame[frame["label"] == "valid"]
        near = outliers.merge(valid[["canonical", "RT"]], on="canonical", suffixes=("", "_v"))
        assert (np.abs(near["RT"] - near["RT_v"]) >= gap - 4 * sim.params["noise_sd"]).all()
        assert set(outliers["kind"]) <= {"wrong_name", "rt_shift"}


def test_real_species_stay_near_their_expected_retention(sims):
    for sim in sims.values():
        valid = sim.truth["label"] == "valid"
        residual = sim.table.loc[valid, "RT"] - sim.truth.loc[valid, "expected_rt"]
        assert residual.std() == pytest.approx(sim.params["noise_sd"], rel=0.35)


@pytest.mark.slow
def test_no_misannotation_looks_like_an_in_source_fragment(sims):
    for sim in sims.values():
        frame = joined(sim)
        outliers = frame[frame["label"] == "outlier"]
        others = frame[["ceramide", "RT", "sugars", "neuac", "hex", "hexnac", "dhex", "oac"]]
        pairs = outliers.merge(others, on="ceramide", suffixes=("", "_o"))
        pairs = pairs[np.abs(pairs["RT"] - pairs["RT_o"]) <= 0.02]
        parts = ("neuac", "hex", "hexnac", "dhex", "oac")
        sub = np.all([pairs[p] <= pairs[f"{p}_o"] for p in parts], axis=0) & (
            pairs["sugars"] < pairs["sugars_o"]
        )
        sup = np.all([pairs[p] >= pairs[f"{p}_o"] for p in parts], axis=0) & (
            pairs["sugars"] > pairs["sugars_o"]
        )
        assert not sub.any() and not sup.any()


@pytest.mark.slow
def test_co_eluting_real_species_are_too_abundant_to_be_fragments():
    for seed in range(6):
        sim = simulate(seed)
        frame = joined(sim)
        coeluting = frame[frame["kind"] == "coeluting"]
        assert (coeluting["label"] == "valid").all()
        real = frame[frame["label"] == "valid"]
        for _, row in coeluting.head(20).iterrows():
            larger = real[
                (real["ceramide"] == row["ceramide"])
                & (np.abs(real["RT"] - row["RT"]) <= 0.0205)
                & (real["row"] != row["row"])
            ]
            # Sialic acids count together (NeuAc + NeuGc), as the analysis counts them.
            sialic = larger["neuac"] + larger["neugc"] >= row["neuac"] + row["neugc"]
            parts = ("hex", "hexnac", "dhex", "oac")
            within = np.all([larger[p] >= row[p] for p in parts], axis=0) & sialic
            bigger = (larger["sugars"] > row["sugars"]) | (larger["oac"] > row["oac"])
            larger = larger[within & bigger]
            assert len(larger) > 0
            assert (row["Volume"] >= 0.59 * larger["Volume"]).all()


# -- knobs and sizes -----------------------------------------------------------------------------


def test_knobs_switch_parts_of_the_model_on_and_off():
    clean = simulate(5, outlier_rate=0.0, fragment_rate=0.0, isomer_rate=0.0)
    assert set(clean.truth["label"]) == {"valid"}
    assert not clean.truth["species"].duplicated().any()  # no isomer pairs
    many = simulate(5, outlier_rate=0.2, anchor_rate=0.2)
    assert (many.truth["label"] == "outlier").mean() == pytest.approx(0.2, abs=0.02)
    blank = simulate(5, missing_logp_rate=0.3)
    assert blank.table["Log P"].isna().mean() == pytest.approx(0.3, abs=0.05)
    quiet = simulate(5, noise_sd=0.02)
    assert quiet.params["noise_sd"] == 0.02


def test_fixing_one_knob_leaves_the_other_draws_unchanged():
    base, fixed = simulate(8), simulate(8, noise_sd=0.05)
    for key in ("anchor_rate", "outlier_rate", "fragment_rate", "track_offset", "slope"):
        assert base.params[key] == fixed.params[key]


def test_an_exact_row_count_is_honoured():
    for n in (1, 57, 300, 2500):
        sim = simulate(3, n_rows=n)
        assert len(sim.table) == n == len(sim.truth)


def test_ten_thousand_rows_simulate_with_consistent_truth():
    sim = simulate(2, n_rows=10_000)
    assert len(sim.table) == 10_000
    assert tuple(sim.table.columns) == TABLE_COLUMNS
    truth = sim.truth.set_index("row")
    fragments = truth[truth["label"] == "fragment"]
    assert len(fragments) > 100
    assert (truth.loc[fragments["parent_row"].astype(int), "label"] == "valid").all()
    anchors = sim.table["Anchor"].to_numpy() == "T"
    assert (sim.truth.loc[anchors, "label"] == "valid").all()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"seed": -1}, "seed must be a whole number ≥ 0, got -1"),
        ({"seed": 1.5}, "seed must be a whole number ≥ 0, got 1.5"),
        ({"seed": True}, "seed must be a whole number ≥ 0, got True"),
        ({"seed": "7"}, "seed must be a whole number ≥ 0, got '7'"),
        ({"seed": 1, "n_rows": 0}, "n_rows must be a whole number ≥ 1, got 0"),
        ({"seed": 1, "n_rows": 10.0}, "n_rows must be a whole number ≥ 1, got 10.0"),
        ({"seed": 1, "n_species": 0}, "n_species must be a whole number ≥ 1, got 0"),
        ({"seed": 1, "n_species": -5}, "n_species must be a whole number ≥ 1, got -5"),
        ({"seed": 1, "anchor_rate": -0.1}, "anchor_rate must be a number in [0, 1], got -0.1"),
        ({"seed": 1, "anchor_rate": 1.5}, "anchor_rate must be a number in [0, 1], got 1.5"),
        ({"seed": 1, "fragment_rate": 1.01}, "fragment_rate must be a number in [0, 1], got 1.01"),
        ({"seed": 1, "isomer_rate": -1}, "isomer_rate must be a number in [0, 1], got -1"),
        (
            {"seed": 1, "missing_logp_rate": 2.0},
            "missing_logp_rate must be a number in [0, 1], got 2.0",
        ),
        ({"seed": 1, "anchor_rate": "0.2"}, "anchor_rate must be a number in [0, 1], got '0.2'"),
        (
            {"seed": 1, "isomer_rate": float("nan")},
            "isomer_rate must be a number in [0, 1], got nan",
        ),
        ({"seed": 1, "outlier_rate": 1.2}, "outlier_rate must be a number in [0, 0.9), got 1.2"),
        ({"seed": 1, "outlier_rate": 0.9}, "outlier_rate must be a number in [0, 0.9), got 0.9"),
        ({"seed": 1, "noise_sd": -0.1}, "noise_sd must be a finite number > 0 (min), got -0.1"),
        ({"seed": 1, "noise_sd": 0}, "noise_sd must be a finite number > 0 (min), got 0"),
        (
            {"seed": 1, "noise_sd": float("inf")},
            "noise_sd must be a finite number > 0 (min), got inf",
        ),
        (
            {"seed": 1, "noise_sd": None, "n_rows": True},
            "n_rows must be a whole number ≥ 1, got True",
        ),
    ],
)
def test_each_bad_argument_is_refused_naming_it_its_value_and_the_range(kwargs, expected):
    with pytest.raises(SimulationArgumentError) as err:
        simulate(**kwargs)
    assert str(err.value) == expected
    # the same family as a bad analysis parameter, and still a ValueError for older callers
    assert isinstance(err.value, ganglioside.ConfigError)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seed": np.int64(3), "n_rows": np.int32(40)},
        {"seed": 0, "n_rows": 30, "anchor_rate": 0, "outlier_rate": 0.0, "isomer_rate": 1},
        {"seed": 2, "n_rows": 30, "anchor_rate": 1.0, "fragment_rate": 1, "missing_logp_rate": 1},
        {"seed": 2, "n_rows": 30, "noise_sd": np.float64(0.01), "outlier_rate": 0.5},
    ],
)
def test_arguments_at_the_ends_of_their_ranges_are_accepted(kwargs):
    sim = simulate(**kwargs)
    assert len(sim.table) == int(kwargs["n_rows"])


def test_the_command_line_reports_a_bad_seed_without_a_traceback(tmp_path, capsys):
    code = cli_main(["simulate", "--seed", "-1", "-o", str(tmp_path / "sim.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "seed must be a whole number ≥ 0, got -1" in err
    assert "Traceback" not in err and "unexpected" not in err
    assert not (tmp_path / "sim.csv").exists()


def test_the_simulator_writes_names_without_the_package_name_parser():
    """It tests that parser, so it must not use it: no module of it imports ganglioside.names."""
    package = Path(simulate_module.__file__).parent
    imported = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                # ``from ..names`` (level 2) is ganglioside.names; ``from .names`` its own module
                imported.add("." * node.level + (node.module or ""))
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert {"ganglioside.names", "..names", "ganglioside", ".."}.isdisjoint(imported)
    assert ".names" in imported  # the simulator's own writer is what it uses


def test_write_puts_the_truth_next_to_the_table(tmp_path):
    sim = simulate(4, n_rows=200)
    table_path, truth_path = sim.write(tmp_path / "run.csv")
    assert truth_path == tmp_path / "run.truth.csv"
    table = pd.read_csv(table_path)
    assert tuple(table.columns) == TABLE_COLUMNS
    assert table["Name"].tolist() == sim.table["Name"].tolist()
    assert np.allclose(table["RT"], sim.table["RT"])
    truth = pd.read_csv(truth_path)
    assert truth["label"].tolist() == sim.truth["label"].tolist()
    parents = truth["parent_row"].dropna().astype(int).tolist()
    assert parents == sim.truth["parent_row"].dropna().astype(int).tolist()


def test_the_table_reads_back_through_the_analysis(tmp_path):
    sim = simulate(6, n_rows=250)
    path, _ = sim.write(tmp_path / "sim.csv")
    analysis = ganglioside.analyze(path)
    assert len(analysis.compounds) == 250
    assert (analysis.compounds["status"] != "invalid").all()


# -- scoring --------------------------------------------------------------------------------------


def perfect(truth: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"row": truth["row"], "status": truth["label"], "fragment_of": truth["parent_row"]}
    )


def test_scoring_the_truth_against_itself_is_perfect(sims):
    result = score(perfect(sims[1].truth), sims[1].truth)
    assert result["macro_f1"] == 1.0
    assert result["valid_kept"] == 1.0
    assert result["parent_linkage"] == 1.0
    assert result["outlier_fp"] == result["fragment_fn"] == 0
    assert mistakes(perfect(sims[1].truth), sims[1].truth).empty


def test_scoring_counts_each_kind_of_mistake():
    truth = pd.DataFrame(
        {
            "row": [1, 2, 3, 4, 5, 6, 7, 8],
            "label": [
                "valid",
                "valid",
                "valid",
                "outlier",
                "outlier",
                "fragment",
                "fragment",
                "valid",
            ],
            "parent_row": pd.array([None, None, None, None, None, 1, 2, None], dtype="Int64"),
        }
    )
    said = pd.DataFrame(
        {
            "row": [1, 2, 3, 4, 5, 6, 7, 8],
            "status": [
                "valid",
                "outlier",
                "unverified",
                "outlier",
                "valid",
                "fragment",
                "fragment",
                "fragment",
            ],
            "fragment_of": pd.array([None, None, None, None, None, 1, 3, 2], dtype="Int64"),
        }
    )
    result = score(said, truth)
    assert (result["outlier_tp"], result["outlier_fp"], result["outlier_fn"]) == (1, 1, 1)
    assert result["outlier_f1"] == pytest.approx(0.5)
    assert (result["fragment_tp"], result["fragment_fp"], result["fragment_fn"]) == (2, 1, 0)
    assert result["fragment_f1"] == pytest.approx(0.8)
    assert result["macro_f1"] == pytest.approx(0.65)
    assert result["valid_kept"] == pytest.approx(1 / 4)
    assert result["parent_linkage"] == pytest.approx(1 / 2)
    assert result["confusion"]["valid"] == {
        "valid": 1,
        "outlier": 1,
        "unverified": 1,
        "fragment": 1,
    }
    errors = mistakes(said, truth).set_index("row")["error"].to_dict()
    assert errors == {
        2: "false_outlier",
        3: "valid_not_kept",
        5: "missed_outlier",
        7: "wrong_parent",
        8: "false_fragment",
    }


def test_scoring_refuses_an_analysis_that_misses_rows(sims):
    truth = sims[0].truth
    with pytest.raises(ValueError, match="no record"):
        score(perfect(truth).iloc[:-3], truth)


@pytest.mark.slow
def test_the_analysis_meets_the_accuracy_targets_on_simulated_tables():
    totals = dict.fromkeys(
        ("outlier_tp", "outlier_fp", "outlier_fn", "fragment_tp", "fragment_fp", "fragment_fn"), 0
    )
    valid = valid_ok = fragments = linked = 0
    for seed in range(100, 106):
        sim = simulate(seed)
        result = score(ganglioside.analyze(sim.table), sim.truth)
        for key in totals:
            totals[key] += result[key]
        valid += result["n_valid"]
        valid_ok += result["valid_ok"]
        fragments += result["n_fragment"]
        linked += result["linked"]

    def f1(kind: str) -> float:
        tp, fp, fn = (totals[f"{kind}_{x}"] for x in ("tp", "fp", "fn"))
        return 2 * tp / (2 * tp + fp + fn)

    assert (f1("outlier") + f1("fragment")) / 2 >= 0.95
    assert valid_ok / valid >= 0.97
    assert linked / fragments >= 0.95
