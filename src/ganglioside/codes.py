"""Integer codes of a column: what categoricals hold already, and factorize gives the rest.

Per-row text is held as an integer code per row into a short list of distinct labels (a pandas
categorical): the analysis builds each distinct text once, never one string object per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def codes_of(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Integer code per row and the value of each code (-1 for missing).

    A categorical column already holds them; any other column is factorized.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        held = values.array  # the Categorical itself (no accessor Series)
        return np.asarray(held.codes, dtype=np.int64), list(held.categories)
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    return codes, list(uniques)


def float_columns(frame: pd.DataFrame, columns: Any) -> np.ndarray:
    """The ``columns`` of ``frame`` as one float matrix (rows × columns), the values of
    ``frame[columns].to_numpy(dtype=float)``, read column by column (a frame's selection of a
    list of columns builds a new frame first).  Column-major, as pandas gives it: a matrix
    product's last bits depend on the layout."""
    out = np.empty((len(frame), len(columns)), order="F")
    for k, column in enumerate(columns):
        out[:, k] = frame[column].to_numpy(dtype=float)
    return out


def categorical(codes: np.ndarray, labels: Any) -> pd.Categorical:
    """A categorical from integer codes and the (unique) label of each code."""
    return pd.Categorical.from_codes(np.asarray(codes), pd.Index(list(labels), dtype=object))


def per_row_text(per_name: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """A per-name text given to every row (``codes`` index ``per_name``) as a categorical.

    Missing texts become ""; the categories are sorted and always include "".
    """
    values = np.where(pd.isna(per_name), "", per_name).astype(object)
    name_codes, labels = pd.factorize(np.append(values, ""), sort=True)
    return categorical(name_codes[:-1][codes], labels)


def per_row_number(per_name: np.ndarray, codes: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """A per-name number given to every row, NaN on the ``blank`` rows (one allocation)."""
    out = per_name[codes]
    out[blank] = np.nan
    return out


def blank_where(values: Any, blank: np.ndarray) -> pd.Categorical:
    """The categorical ``values`` with "" (one of its categories) on the ``blank`` rows."""
    empty = int(np.flatnonzero(values.categories == "")[0])
    return categorical(np.where(blank, empty, values.codes), values.categories)


def label_code(labels: pd.Index | np.ndarray, label: str) -> int:
    """Code of ``label`` among factorized ``labels``, -1 when absent."""
    hits = np.flatnonzero(np.asarray(labels, dtype=object) == label)
    return int(hits[0]) if hits.size else -1


def optional_row(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """A row number, or <NA>; 32 bits hold any table's row numbers."""
    return pd.arrays.IntegerArray(
        np.where(present, values, 0).astype(np.int32), ~np.asarray(present, dtype=bool)
    )
