"""``compounds.parquet``: the compounds table, typed, for notebooks (pandas, polars, DuckDB, R).

Unlike the CSV and the workbook, which are opened in spreadsheet programs, the Parquet file keeps
every value exactly as the analysis made it: numbers keep their types (16-bit counts, nullable
32-bit row references, booleans), text columns with few distinct values stay categorical
(dictionary encoded), and no text is prefixed against formula injection because no spreadsheet
reads this file.  The software version and the source file are in the file's metadata
(``ganglioside.version``, ``ganglioside.source``).  Read it with
``pandas.read_parquet("compounds.parquet")``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..result import AnalysisResult
from .summary_json import software_version

#: Rows per row group (and per progress step).
ROW_GROUP_ROWS = 250_000

Progress = Callable[[float, str], None]


def _arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with object columns that mix types (extra input columns) written as text."""
    out = frame.copy(deep=False)
    for column in out.columns:
        series = out[column]
        if series.dtype != object:
            continue
        try:
            pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            out[column] = series.map(str, na_action="ignore").astype("string")
    return out


def compounds_table(analysis: AnalysisResult) -> pa.Table:
    """The compounds frame as an Arrow table with the software version in its metadata."""
    table = pa.Table.from_pandas(_arrow_ready(analysis.compounds), preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[b"ganglioside.version"] = software_version().encode()
    metadata[b"ganglioside.source"] = str(analysis.source).encode()
    return table.replace_schema_metadata(metadata)


def _write(analysis: AnalysisResult, sink: str | IO[bytes], progress: Progress | None) -> None:
    table = compounds_table(analysis)
    total = max(table.num_rows, 1)
    with pq.ParquetWriter(sink, table.schema, compression="zstd") as writer:
        for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
            writer.write_table(table.slice(start, ROW_GROUP_ROWS))
            if progress is not None:
                done = min(start + ROW_GROUP_ROWS, table.num_rows)
                progress(done / total, f"{done:,} rows")


def write_parquet(
    analysis: AnalysisResult, path: str | Path, progress: Progress | None = None
) -> Path:
    """Write ``compounds.parquet`` (zstd compressed) to ``path`` and return the path."""
    path = Path(path)
    _write(analysis, str(path), progress)
    return path


def parquet_bytes(analysis: AnalysisResult) -> bytes:
    """``compounds.parquet`` as bytes."""
    buffer = io.BytesIO()
    _write(analysis, buffer, None)
    return buffer.getvalue()
