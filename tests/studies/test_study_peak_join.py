"""The peak table is built in one piece when the samples' columns agree, and that piece is the
frame a concatenation of one frame per sample gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganglioside.studies.peaks import _columns, _joined, peak_table
from ganglioside.studies.run import STUDY_INPUT_COLUMNS


def _compounds(names: list[object], track: list[object]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "name": pd.Categorical(names),
            "rt": np.linspace(5.0, 9.0, n),
            "volume": np.full(n, 1e6),
            "status": pd.Categorical(["valid"] * n),
            "is_anchor": np.zeros(n, dtype=bool),
            "isomer_track": pd.Categorical(track),
            "category": pd.Categorical(["GM"] * n),
            "volume_consolidated": np.full(n, 1e6),
        }
    )


def _per_sample(compounds: dict[str, pd.DataFrame]) -> pd.DataFrame:
    parts = [pd.DataFrame({"sample": s, **_columns(s, f)}) for s, f in compounds.items()]
    return pd.concat(parts, ignore_index=True)


def test_the_joined_columns_are_the_concatenated_frames() -> None:
    compounds = {
        "A": _compounds(["GM3(36:1;O2)", "GM1(36:1;O2)"], ["", "early"]),
        "B": _compounds(["GD1a(36:1;O2)", "GM3(36:1;O2)", "GM3(38:1;O2)"], ["late", "", ""]),
    }
    joined = _joined({s: _columns(s, f) for s, f in compounds.items()})
    assert joined is not None
    pd.testing.assert_frame_equal(joined, _per_sample(compounds), check_exact=True)
    peaks = peak_table(compounds)
    assert list(peaks["sample"]) == ["A", "A", "B", "B", "B"]
    assert list(peaks.columns[: len(STUDY_INPUT_COLUMNS) + 1]) == [
        "sample",
        *STUDY_INPUT_COLUMNS,
    ]


def test_a_sample_with_missing_texts_is_left_to_pandas() -> None:
    # a text column with a missing value infers differently per sample: no one-piece frame,
    # and the peak table is the per-sample concatenation's
    compounds = {
        "A": _compounds(["GM3(36:1;O2)", "GM1(36:1;O2)"], ["", "early"]),
        "B": _compounds(["GM3(36:1;O2)", "GM1(36:1;O2)"], [np.nan, np.nan]),
    }
    assert _joined({s: _columns(s, f) for s, f in compounds.items()}) is None
    peaks = peak_table(compounds)
    assert list(peaks["isomer_track"]) == ["", "early", "", ""]
    assert list(peaks["key"]) == ["GM3 36:1;O2", "GM1 36:1;O2", "GM3 36:1;O2", "GM1 36:1;O2"]
