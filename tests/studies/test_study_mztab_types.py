"""``study.mztab`` says each assay's sample type (study sample, pooled QC, blank) in its
metadata, and our own mzTab-M reader reads the types back -- not from the sample names."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import ganglioside
from ganglioside.simulate.study import SCENARIOS, simulate_study
from ganglioside.studies import study
from ganglioside.studies.mztab import study_mztab

pytestmark = pytest.mark.slow


def test_the_sample_types_go_out_and_come_back(tmp_path):
    sim = simulate_study(2, n_per_group=3, **SCENARIOS["QCs with drift"])
    sim.write(tmp_path)
    design = pd.read_csv(tmp_path / "design.csv")
    assert (design["sample_type"] == "qc").sum() >= 2
    # a blank (one table measured again as a solvent blank), and a study sample whose name
    # alone would be taken for a QC's
    first = design[design["sample_type"] == "sample"].iloc[0]
    shutil.copy(tmp_path / first["file"], tmp_path / "solvent_run.csv")
    blank = {
        **first.to_dict(),
        **{"sample": "solvent_run", "file": "solvent_run.csv", "group": ""},
        "sample_type": "blank",
    }
    design = pd.concat([design, pd.DataFrame([blank])], ignore_index=True)
    design["sample"] = design["sample"].replace({first["sample"]: "QC_like_mouse"})
    design["injection_order"] = range(1, len(design) + 1)
    design.to_csv(tmp_path / "design.csv", index=False)
    result = study(tmp_path / "design.csv")
    path = tmp_path / "study.mztab"
    path.write_text(study_mztab(result), encoding="utf-8")

    export = ganglioside.read_export(path)
    read = {name: export.samples[name].metadata.get("File type") for name in export.sample_names}
    expected = {
        s.sample: {"qc": "QC", "blank": "Blank"}.get(s.sample_type) for s in result.design.samples
    }
    assert read == expected
    assert read["QC_like_mouse"] is None and read["solvent_run"] == "Blank"
    assert list(read.values()).count("QC") == (design["sample_type"] == "qc").sum()
    warnings = export.samples[export.sample_names[0]].raw.warnings
    assert not [w for w in warnings if "typed from the assay name" in w]
    # the samples the reader would analyse are the study samples, none of the QCs or the blank
    assert set(export.analysed_samples) == {s.sample for s in result.design.biological}
