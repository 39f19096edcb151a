"""The public names of the package: loaded on first use, and the old result name deprecated."""

from __future__ import annotations

import pytest

import ganglioside
from ganglioside.result import AnalysisResult


def test_every_public_name_resolves():
    for name in ganglioside.__all__:
        assert getattr(ganglioside, name) is not None


def test_study_is_the_function_even_after_its_package_was_imported():
    import ganglioside.studies.outputs

    assert callable(ganglioside.study)
    assert ganglioside.study.__module__.startswith("ganglioside.studies")


def test_the_old_result_name_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="use ganglioside.AnalysisResult"):
        old = ganglioside.Analysis
    assert old is AnalysisResult
    with pytest.warns(DeprecationWarning, match="use AnalysisResult"):
        from ganglioside.result import Analysis
    assert Analysis is AnalysisResult
