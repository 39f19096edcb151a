"""The per-sample work: a pure function of plain data, the same in a pool as in a loop."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

import ganglioside
from ganglioside.config import AnalysisConfig
from ganglioside.simulate import simulate
from ganglioside.simulate.study import simulate_study
from ganglioside.studies import DesignError, SampleTask, analyze_sample, run_samples
from ganglioside.studies.run import read_export_tables, with_anchors


@pytest.mark.slow
def test_a_task_and_its_result_are_plain_picklable_data() -> None:
    table = simulate(3, n_rows=120).table
    task = SampleTask("S1", table, AnalysisConfig(outlier_z=3.0).to_dict())
    result = analyze_sample(pickle.loads(pickle.dumps(task)))
    assert result.ok and result.sample == "S1"
    direct = ganglioside.analyze(table, AnalysisConfig(outlier_z=3.0))
    pd.testing.assert_frame_equal(result.compounds, direct.compounds)
    pickle.dumps(result)


def test_a_table_that_cannot_be_read_is_returned_as_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Volume\nGM3(36:1;O2),1\n", encoding="utf-8")
    result = analyze_sample(SampleTask("S", bad))
    assert not result.ok
    assert "missing required column" in result.error and "bad.csv" in result.error


def test_borrowed_anchor_rows_are_marked_in_the_table() -> None:
    table = simulate(4, n_rows=60).table
    table["Anchor"] = "F"
    marked = with_anchors(table, [2, 5])
    assert list(marked["Anchor"].iloc[[1, 4]]) == ["T", "T"]
    assert (marked["Anchor"] == "T").sum() == 2
    result = analyze_sample(SampleTask("S", table, borrowed_anchor_rows=(2, 5)))
    assert result.borrowed_anchors == 2
    assert list(result.compounds["is_anchor"].iloc[[1, 4]]) == [True, True]


@pytest.mark.slow
def test_a_process_pool_gives_what_a_loop_gives(tmp_path: Path) -> None:
    sim = simulate_study(8, n_per_group=2, n_rows=80)
    tasks = [SampleTask(s, t) for s, t in sim.tables.items()]
    seen: list[int] = []
    pooled = run_samples(tasks, jobs=2, progress=lambda done, total, sample: seen.append(done))
    looped = run_samples(tasks, jobs=1)
    assert seen == [1, 2, 3, 4]
    for a, b in zip(pooled, looped, strict=True):
        assert a.sample == b.sample
        pd.testing.assert_frame_equal(a.compounds, b.compounds)


def _mzmine3_export(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """The samples' tables written as one MZmine 3 feature list: a feature per sample row,
    its area and RT in that sample's ``datafile:`` columns, empty in the others."""
    features = []
    for sample, table in tables.items():
        for name, rt, volume in table[["Name", "RT", "Volume"]].itertuples(index=False):
            feature = {"rt": rt, "mz": 900.0, "area": volume}
            feature["compound_db_identity:compound_db_identity"] = name
            for other in tables:
                feature[f"datafile:{other}.mzML:rt"] = rt if other == sample else ""
                feature[f"datafile:{other}.mzML:area"] = volume if other == sample else ""
            features.append(feature)
    frame = pd.DataFrame(features)
    frame.insert(0, "id", range(1, len(frame) + 1))
    frame.to_csv(path, index=False)
    return path


def test_read_export_tables_gives_each_sample_its_own_table(tmp_path: Path) -> None:
    sim = simulate_study(9, n_per_group=2, n_rows=60)
    tables = read_export_tables(_mzmine3_export(sim.tables, tmp_path / "features.csv"))
    assert sorted(tables) == sorted(sim.tables)
    for sample, table in sim.tables.items():
        got = tables[sample]
        assert got["Name"].tolist() == table["Name"].tolist()
        assert got["RT"].astype(float).to_numpy() == pytest.approx(table["RT"].to_numpy())
        assert got["Volume"].astype(float).to_numpy() == pytest.approx(table["Volume"].to_numpy())


@pytest.mark.slow
def test_a_study_from_a_real_mzmine_export_file(tmp_path: Path) -> None:
    sim = simulate_study(9, n_per_group=3, n_rows=120)
    export = _mzmine3_export(sim.tables, tmp_path / "features.csv")
    design = sim.design.drop(columns="file")
    from_export = ganglioside.study(design, export=export)
    per_file = ganglioside.study(design, export=export, export_reader=lambda path: sim.tables)
    assert list(from_export.samples["sample"]) == list(sim.tables)
    assert (from_export.samples["valid"] > 0).all()
    # an export has no Anchor column, but every row of every sample comes through
    assert from_export.samples["rows"].tolist() == per_file.samples["rows"].tolist()


@pytest.mark.slow
def test_a_study_from_one_multi_sample_export(tmp_path: Path) -> None:
    sim = simulate_study(9, n_per_group=3, n_rows=120)
    export = tmp_path / "export.txt"
    export.write_text("stand-in for a tool's export", encoding="utf-8")
    design = sim.design.drop(columns="file")
    result = ganglioside.study(design, export=export, export_reader=lambda path: sim.tables)
    assert list(result.samples["sample"]) == list(sim.tables)
    assert (result.samples["valid"] > 0).all()


@pytest.mark.slow
def test_replicates_pasted_into_one_table_are_pointed_to_the_study() -> None:
    one = simulate(6, n_rows=80).table
    again = one.assign(RT=one["RT"] + 0.01)
    pasted = pd.concat([one, again, one.assign(RT=one["RT"] - 0.01)], ignore_index=True)
    warnings = ganglioside.analyze(pasted).warnings
    assert any("replicate injections" in w and "ganglioside study" in w for w in warnings)
    assert not any("replicate injections" in w for w in ganglioside.analyze(one).warnings)


def test_samples_an_export_lacks_are_all_named_before_anything_runs(tmp_path: Path) -> None:
    sim = simulate_study(9, n_per_group=3, n_rows=120)
    export = tmp_path / "export.txt"
    export.write_text("stand-in", encoding="utf-8")
    held = {s: t for s, t in sim.tables.items() if s not in {"C02", "D03"}}
    with pytest.raises(DesignError) as caught:
        ganglioside.study(
            sim.design.drop(columns="file"), export=export, export_reader=lambda p: held
        )
    assert [(p.row, p.value) for p in caught.value.problems] == [(2, "C02"), (6, "D03")]
    assert "export.txt has no sample of this name" in str(caught.value)
