"""The cells of a frame as pandas' ``to_csv`` writes them, column by column.

pandas formats every float cell of ``to_csv(float_format=...)`` through a chain of Python
calls and checks (several per cell); a per-sample ``compounds.csv`` spent most of its time
there.  :func:`csv_columns` gives the same cells -- each float through the format, each missing
value as the empty field, every other value as the object pandas hands to the ``csv`` module --
with one pass per column, for the column types the tables hold (numbers, booleans, texts,
categoricals and nullable integers).  For anything else it returns None and the caller lets
pandas write the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Extension types whose cells are their objects (missing values empty), as pandas writes them.
_PLAIN_EXTENSIONS = (
    pd.CategoricalDtype,
    pd.StringDtype,
    pd.BooleanDtype,
    pd.Int8Dtype,
    pd.Int16Dtype,
    pd.Int32Dtype,
    pd.Int64Dtype,
    pd.UInt8Dtype,
    pd.UInt16Dtype,
    pd.UInt32Dtype,
    pd.UInt64Dtype,
)


def csv_columns(frame: pd.DataFrame, float_format: str) -> list[Any] | None:
    """Per column, its cells for the ``csv`` writer (floats formatted with ``float_format``,
    missing values ""), or None when a column label or column type is not one handled here."""
    if not all(isinstance(label, str) for label in frame.columns):
        return None
    out = []
    for _, column in frame.items():  # by position: labels may repeat
        cells = _cells(column, column.dtype, float_format)
        if cells is None:
            return None
        out.append(cells)
    return out


def _cells(column: pd.Series, dtype: Any, float_format: str) -> Any:
    """One column's cells (see :func:`csv_columns`), None for a type not handled."""
    if isinstance(dtype, np.dtype):
        return _numpy_cells(column.to_numpy(), float_format)
    if not isinstance(dtype, _PLAIN_EXTENSIONS) or dtype.kind in "fMm":
        return None
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype.kind in "Mm":
        return None
    values = column.array
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype == object:
        # the category of each code (the same objects ``astype(object)`` gives), "" for none
        labels = np.append(np.asarray(dtype.categories, dtype=object), "")
        return labels[np.asarray(values.codes)]
    cells = np.asarray(values.astype(object))
    cells[np.asarray(pd.isna(values))] = ""
    return cells


def _numpy_cells(values: np.ndarray, float_format: str) -> Any:
    """The cells of a numpy column: floats formatted, numbers and booleans as they are, objects
    with their missing values empty; None for dates and times."""
    kind = values.dtype.kind
    if kind == "f":
        return ["" if v != v else float_format % v for v in values.tolist()]
    if kind in "iub":
        return values.tolist()
    if kind != "O":
        return None
    cells = np.array(values, dtype=object)
    cells[pd.isna(values)] = ""
    return cells
