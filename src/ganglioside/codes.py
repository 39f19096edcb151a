"""Integer codes of a column: what categoricals hold already, and factorize gives the rest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def codes_of(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Integer code per row and the value of each code (-1 for missing).

    A categorical column already holds them; any other column is factorized.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.codes, dtype=np.int64), list(values.cat.categories)
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    return codes, list(uniques)
