"""The tables' CSV text written column by column is the text pandas' ``to_csv`` writes."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from ganglioside.report import safe
from ganglioside.report.csv_cells import csv_columns


def _pandas_text(frame: pd.DataFrame, sep: str = ",", header: bool = True) -> str:
    """What the writer wrote before it converted the cells itself."""
    out = io.StringIO()
    frame.to_csv(
        safe._RowEnds(out),
        index=False,
        header=header,
        sep=sep,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
        float_format=safe.CSV_FLOAT_FORMAT,
    )
    return out.getvalue()


TEXTS = ["a", 'say "hi"', "a,b", None, "x\ny", "cr\r"]


def _every_kind(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    floats = rng.normal(size=n) * 10.0 ** rng.integers(-12, 12, n)
    floats[::4] = np.nan
    floats[1::9] = np.inf
    return pd.DataFrame(
        {
            "float": floats,
            "float32": rng.normal(size=n).astype(np.float32),
            "int": rng.integers(-5, 5, n),
            "bool": rng.random(n) < 0.5,
            "text": rng.choice(np.array(TEXTS, dtype=object), n),
            "category": pd.Categorical(rng.choice(["GM1", "", None, "c;d"], n)),
            "number category": pd.Categorical(rng.choice([1, 2, None], n)),
            "string": pd.array(rng.choice(["s", None, "t\tu"], n), dtype="str"),
            "row": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(1, 99, n)), "Int32"),
            "flag": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        }
    )


@pytest.mark.parametrize("n", [0, 1, 57])
@pytest.mark.parametrize("sep", [",", "\t"])
def test_the_direct_text_is_pandas_text(n, sep):
    frame = _every_kind(n)
    assert csv_columns(frame, safe.CSV_FLOAT_FORMAT) is not None  # written directly
    assert safe.write_table(frame, sep=sep) == _pandas_text(frame, sep)
    assert safe.write_table(frame, sep=sep, header=False) == _pandas_text(frame, sep, False)


def test_a_table_written_in_chunks_is_the_same_text(monkeypatch):
    frame = _every_kind(101, seed=3)
    monkeypatch.setattr(safe, "_CHUNK_CELLS", 25)  # a few rows at a time
    assert safe.write_table(frame) == _pandas_text(frame)


def test_dates_and_numbered_labels_are_left_to_pandas():
    dates = pd.DataFrame({"when": pd.to_datetime(["2026-12-08", None])})
    numbered = pd.DataFrame({0: [1.5, np.nan]})
    nullable_floats = pd.DataFrame({"x": pd.array([1.5, None], dtype="Float64")})
    for frame in (dates, numbered, nullable_floats):
        assert csv_columns(frame, safe.CSV_FLOAT_FORMAT) is None
        assert safe.write_table(frame) == _pandas_text(frame)
