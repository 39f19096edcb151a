"""A study whose rows all come back unverified: an empty matrix, and a warning saying why."""

from __future__ import annotations

import pandas as pd

from ganglioside.studies import StudyConfig, combine, read_design
from ganglioside.studies.run import SampleResult
from tests.studies.test_study_steps import _compounds


def test_a_study_with_no_aligned_compound_says_why():
    samples = ["A1", "A2", "B1", "B2"]
    design = read_design(
        pd.DataFrame({"sample": samples, "group": ["a", "a", "b", "b"]}), in_memory=samples
    )
    results = []
    for sample in samples:
        compounds = _compounds(0.0, {}).assign(status="unverified", is_anchor=False)
        results.append(SampleResult(sample, f"{sample}.csv", compounds))
    result = combine(design, results, StudyConfig())
    assert len(result.features) == 0
    warning = next(w for w in result.summary["warnings"] if "no compound was aligned" in w)
    assert "none of the 24 rows of the 4 samples came back valid (unverified 24)" in warning
    assert "--calibrants" in warning
