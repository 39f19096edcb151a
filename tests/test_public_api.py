"""The public names of the package: loaded on first use, and the old result name deprecated."""

from __future__ import annotations

import pytest

import ganglioside


def test_every_public_name_resolves():
    for name in ganglioside.__all__:
        assert getattr(ganglioside, name) is not None


def test_study_is_the_function_even_after_its_package_was_imported():
    import ganglioside.studies.outputs

    assert callable(ganglioside.study)
    assert ganglioside.study.__module__.startswith("ganglioside.studies")


def test_the_old_result_name_is_gone():
    with pytest.raises(AttributeError, match="no attribute 'Analysis'"):
        _ = ganglioside.Analysis
    with pytest.raises(ImportError):
        from ganglioside.result import Analysis  # noqa: F401
