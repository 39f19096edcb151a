"""Tables of an analysis: ``compounds.csv``, ``fragments.csv`` and the model table shared by the
workbook and HTML.

The CSV writers stream the table to the file in blocks of rows, so writing a million rows never
holds the whole text in memory; the text forms (:func:`compounds_csv`, :func:`fragments_csv`)
return exactly the bytes the writers put in the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from ..result import AnalysisResult
from .safe import safe_csv, safe_frame, write_table

#: Rows written per block by the CSV writers (and per progress step).
CSV_BLOCK_ROWS = 50_000

Progress = Callable[[float, str], None]


def compounds_csv(analysis: AnalysisResult) -> str:
    """The compounds frame as CSV text (comma separated, ``\\n`` line ends, formulas neutralised).

    Floats are written with twelve significant digits (:data:`~.safe.CSV_FLOAT_DIGITS`);
    missing values are empty cells.
    """
    return safe_csv(analysis.compounds)


def fragments_csv(analysis: AnalysisResult) -> str:
    """The fragment events (:attr:`AnalysisResult.fragments`) as CSV text, formulas neutralised."""
    return safe_csv(analysis.fragments)


def write_csv_blocks(
    frame: pd.DataFrame,
    stream: IO[str],
    progress: Progress | None = None,
    block_rows: int = CSV_BLOCK_ROWS,
) -> None:
    """Write ``frame`` (already neutralised) as CSV to ``stream``, ``block_rows`` rows at a time.

    The text is the same as one :func:`~.safe.safe_csv` of the frame.
    """
    total = len(frame)
    if total == 0:
        write_table(frame, stream)
        return
    for start in range(0, total, block_rows):
        block = frame.iloc[start : start + block_rows]
        write_table(block, stream, header=start == 0)
        if progress is not None:
            done = min(start + block_rows, total)
            progress(done / total, f"{done:,} of {total:,} rows")


def _write_table_csv(
    frame: pd.DataFrame, path: str | Path, progress: Progress | None, block_rows: int
) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_csv_blocks(safe_frame(frame), stream, progress, block_rows)
    return path


def write_compounds_csv(
    analysis: AnalysisResult,
    path: str | Path,
    progress: Progress | None = None,
    block_rows: int = CSV_BLOCK_ROWS,
) -> Path:
    """Write ``compounds.csv`` (UTF-8) to ``path`` block by block and return the path.

    ``progress(fraction, message)``, if given, is called after each block.
    """
    return _write_table_csv(analysis.compounds, path, progress, block_rows)


def write_fragments_csv(
    analysis: AnalysisResult,
    path: str | Path,
    progress: Progress | None = None,
    block_rows: int = CSV_BLOCK_ROWS,
) -> Path:
    """Write ``fragments.csv``, one line per fragment event, and return the path."""
    return _write_table_csv(analysis.fragments, path, progress, block_rows)


def _plus_minus(value: float, se: float) -> str:
    return f"{value:.4f}" if se is None or not math.isfinite(se) else f"{value:.4f} ± {se:.4f}"


def models_table(analysis: AnalysisResult) -> pd.DataFrame:
    """One row per RT model, lists written out as text for spreadsheets and HTML.

    ``intercepts`` reads ``unit = value ± se`` (the standard error left out where the model has
    none), ``tracks`` reads ``unit = offset``.
    """
    rows = []
    for model in analysis.models:
        record = model.to_dict()
        record["groups"] = ", ".join(model.groups)
        record["intercepts"] = "; ".join(
            f"{unit} = {_plus_minus(value, se)}" for unit, (value, se) in model.intercepts.items()
        )
        record["tracks"] = "; ".join(f"{unit} = {v:+.3f}" for unit, v in model.tracks.items())
        record["logp_range"] = (
            f"{model.logp_range[0]:.2f} to {model.logp_range[1]:.2f}" if model.logp_range else ""
        )
        record["warnings"] = "; ".join(model.warnings)
        rows.append(record)
    columns = list(analysis.models[0].to_dict()) if analysis.models else ["model_id"]
    return pd.DataFrame(rows, columns=columns)
