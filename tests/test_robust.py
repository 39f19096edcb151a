"""The grouped median of ``ganglioside.robust`` is pandas' grouped median."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganglioside.robust import grouped_median


def test_grouped_median_is_pandas_grouped_median():
    rng = np.random.default_rng(11)
    for _ in range(200):
        n_groups = int(rng.integers(1, 8))
        size = int(rng.integers(0, 40))
        codes = rng.integers(0, n_groups, size)
        values = np.round(rng.normal(size=size), int(rng.integers(0, 3)))
        values[rng.random(size) < 0.25] = np.nan
        expected = pd.Series(values).groupby(codes).median().reindex(range(n_groups))
        assert np.array_equal(
            grouped_median(values, codes, n_groups), expected.to_numpy(), equal_nan=True
        )


def test_a_group_with_only_missing_values_has_no_median():
    out = grouped_median(np.array([np.nan, 1.0, 3.0]), np.array([0, 1, 1]), 3)
    assert np.isnan(out[0]) and out[1] == 2.0 and np.isnan(out[2])
