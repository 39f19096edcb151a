"""Reading a feature table: file formats, column matching and row checks.

:func:`read_table` turns a CSV/TSV/XLSX file or a DataFrame into a clean frame with the columns
``row, name, rt, volume, log_p, is_anchor`` (plus any extra input columns) and a per-row list of
problems.  A row with a problem is kept and reported (it becomes ``invalid``); a problem with the
whole file raises :class:`~ganglioside.errors.InputError`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

REQUIRED = ("name", "rt", "volume")
OPTIONAL = ("log_p", "anchor")

#: Normalised header (lower case, no spaces, underscores, dots or dashes) → canonical column.
ALIASES = {
    "name": "name",
    "compound": "name",
    "compoundname": "name",
    "annotation": "name",
    "rt": "rt",
    "rtmin": "rt",
    "retentiontime": "rt",
    "retentiontimemin": "rt",
    "volume": "volume",
    "area": "volume",
    "peakarea": "volume",
    "peakvolume": "volume",
    "logp": "log_p",
    "clogp": "log_p",
    "anchor": "anchor",
    "isanchor": "anchor",
    "standard": "anchor",
}
DISPLAY = {"name": "Name", "rt": "RT", "volume": "Volume", "log_p": "Log P", "anchor": "Anchor"}

TRUE_WORDS = {"t", "true", "1", "yes", "y", "1.0"}
FALSE_WORDS = {"f", "false", "0", "no", "n", "", "0.0"}

MAX_PROBLEMS_SHOWN = 5


@dataclass
class Table:
    """A read table: the clean frame, the per-row problems and file-level warnings."""

    frame: pd.DataFrame
    problems: pd.Series  # per row: "" or "; "-joined problems
    warnings: list[str]
    source: str
    name_codes: np.ndarray | None = None  # per row, index into ``distinct_names``
    distinct_names: np.ndarray | None = None


def _normalise_header(text: object) -> str:
    return re.sub(r"[\s_.\-()/]+", "", str(text).replace("\ufeff", "")).lower()


def _decode(raw: bytes, source: str) -> str:
    if not raw.strip():
        raise InputError("the file is empty; expected a table with a header row", file=source)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise InputError(
            "this is not a text table (it contains binary data); expected CSV, TSV or XLSX",
            file=source,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
            "save it as UTF-8 CSV (Excel: 'CSV UTF-8') and try again",
            file=source,
        ) from None


def _read_text(text: str, source: str, sep: str | None) -> pd.DataFrame:
    """Parse delimited text with pandas' C parser, every cell kept as the text it was."""
    text = text.lstrip("\ufeff")
    if sep is None:
        first = text.split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", "\t", ";")}
        sep = max(counts, key=lambda d: counts[d])
        if counts[sep] == 0:
            sep = ","
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty; expected a header row", file=source) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"the file cannot be read as a table ({detail}); check the separator and quoting",
            file=source,
        ) from None
    frame = frame.fillna("")
    blank = (frame == "").all(axis=1)
    return frame[~blank.to_numpy()].reset_index(drop=True)


def _read_xlsx(raw: bytes, source: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(
            f"the file cannot be opened as an Excel workbook ({type(exc).__name__})",
            file=source,
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = []
        for values in ws.iter_rows(values_only=True):
            cells = ["" if v is None else _cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                rows.append(cells)
    finally:
        wb.close()
    return rows


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    return str(value)


def _rows_to_frame(rows: list[list[str]], source: str) -> pd.DataFrame:
    if not rows:
        raise InputError("the file is empty; expected a header row and data rows", file=source)
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    width = len(header)
    body = rows[1:]
    fixed = []
    for r in body:
        if len(r) < width:
            r = r + [""] * (width - len(r))
        elif len(r) > width and not any(c.strip() for c in r[width:]):
            r = r[:width]
        elif len(r) > width:
            line = rows.index(r) + 1
            raise InputError(
                f"line {line} has {len(r)} cells but the header has {width}; "
                "check the separator and quoting",
                file=source,
            )
        fixed.append(r)
    frame = pd.DataFrame(fixed, columns=range(width), dtype=object)
    frame.attrs["header"] = header
    return frame


def _load(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, list[str], str]:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), [str(c) for c in source.columns], "<DataFrame>"
    path = Path(source)
    label = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("the file does not exist", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a table file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"the file cannot be read: {exc.strerror}", file=str(path)) from None
    suffix = path.suffix.lower()
    if raw.startswith(b"PK\x03\x04") or suffix in {".xlsx", ".xlsm"}:
        if not raw.startswith(b"PK\x03\x04"):
            if not raw.strip():
                raise InputError("the file is empty", file=label)
            raise InputError("the file has an .xlsx name but is not an Excel workbook", file=label)
        rows = _read_xlsx(raw, label)
    elif suffix == ".xls":
        raise InputError(
            "old .xls workbooks are not supported; save as .xlsx or CSV UTF-8", file=label
        )
    else:
        text = _decode(raw, label)
        cells = _read_text(text, label, "\t" if suffix in {".tsv", ".tab"} else None)
        if cells.empty:
            raise InputError("the file is empty; expected a header row and data rows", file=label)
        header = [str(h).strip().lstrip("\ufeff") for h in cells.iloc[0]]
        # trailing empty header cells come from trailing separators
        while header and header[-1] == "" and len(header) > 1:
            extra = cells.iloc[1:, len(header) - 1]
            if (extra.str.strip() != "").any():
                break
            header.pop()
        frame = cells.iloc[1:, : len(header)].reset_index(drop=True)
        frame.columns = pd.Index(range(len(header)))
        return frame, header, label
    frame = _rows_to_frame(rows, label)
    header = frame.attrs["header"]
    frame.columns = pd.Index(range(len(header)))
    return frame, header, label


def _problem_text(column: str, value: object, message: str) -> str:
    shown = "" if value is None or (isinstance(value, float) and np.isnan(value)) else value
    return f"column {DISPLAY[column]!r}, value {str(shown)!r}: {message}"


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values and a mask of cells that were given but are not numbers."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return np.full(len(values), np.nan), np.ones(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        return arr, np.zeros(len(values), dtype=bool)
    # the C parser reads plain numbers; only the cells it leaves empty are looked at again
    numbers: np.ndarray = np.array(pd.to_numeric(values, errors="coerce"), dtype=float)
    again = np.flatnonzero(np.isnan(numbers))
    if again.size == 0:
        return numbers, np.zeros(len(values), dtype=bool)
    text = values.iloc[again].astype("string").str.strip()
    numbers[again] = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
    bad = np.zeros(len(values), dtype=bool)
    bad[again] = (text.fillna("").to_numpy(dtype=object) != "") & np.isnan(numbers[again])
    return numbers, bad


def read_table(source: str | Path | pd.DataFrame, *, max_rt: float = 120.0) -> Table:
    """Read and check a feature table.

    Parameters
    ----------
    source:
        Path of a CSV, TSV or XLSX file (UTF-8, with or without BOM), or a DataFrame.
    max_rt:
        Longest plausible retention time (min).

    Returns
    -------
    Table
        ``frame`` has ``row`` (1-based data row), ``name``, ``rt``, ``volume``, ``log_p``
        (NaN when not given), ``is_anchor`` and any extra columns; ``problems`` holds the
        row-level problems ("" when the row is fine).

    Raises
    ------
    InputError
        When the whole file cannot be used: not a table, empty, wrong encoding, a required
        column missing or given twice.
    """
    raw, header, label = _load(source)
    mapping: dict[str, int] = {}
    for pos, head in enumerate(header):
        canon = ALIASES.get(_normalise_header(head))
        if canon is None:
            continue
        if canon in mapping:
            first = header[mapping[canon]]
            raise InputError(
                f"columns {first!r} and {head!r} both give {DISPLAY[canon]}; keep only one",
                file=label,
                column=head,
            )
        mapping[canon] = pos
    missing = [DISPLAY[c] for c in REQUIRED if c not in mapping]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)}; found {header}; "
            "expected Name, RT, Volume and optionally Log P and Anchor",
            file=label,
        )
    seen: dict[str, int] = {}
    for head in header:
        seen[head] = seen.get(head, 0) + 1
    dupes = [h for h, n in seen.items() if n > 1]
    if dupes:
        raise InputError(
            f"column name(s) {dupes} appear more than once; every column needs its own name",
            file=label,
            column=dupes[0],
        )
    n = len(raw)
    if n == 0:
        raise InputError("the table has a header but no data rows", file=label)

    def col(canon: str) -> pd.Series:
        return raw.iloc[:, mapping[canon]]

    problems: list[np.ndarray] = []  # object arrays of "" or text

    def add(
        mask: np.ndarray,
        text: str | None = None,
        *,
        column: str = "",
        values: np.ndarray | None = None,
        message: str = "",
    ) -> None:
        """Record a problem for the rows in ``mask`` (texts built only for those rows)."""
        if not mask.any():
            return
        arr = np.full(n, "", dtype=object)
        if text is not None:
            arr[mask] = text
        else:
            assert values is not None
            for i in np.flatnonzero(mask):
                arr[i] = _problem_text(column, values[i], message)
        problems.append(arr)

    name_raw = col("name")
    # strip once per distinct value, not once per row
    codes, uniques = pd.factorize(name_raw.astype(object), use_na_sentinel=True)
    stripped = np.array(
        ["" if pd.isna(u) else str(u).strip() for u in uniques] + [""], dtype=object
    )
    distinct_codes, distinct_names = pd.factorize(stripped)
    name_codes = distinct_codes.astype(np.int32)[codes]
    empty_name = np.flatnonzero(np.asarray(distinct_names, dtype=object) == "")
    add(
        np.isin(name_codes, empty_name),
        _problem_text("name", "", "empty; expected a name such as GD1(36:1;O2)"),
    )
    # one code per row into the distinct names, not one string object per row
    names_arr = pd.Categorical.from_codes(name_codes, pd.Index(distinct_names, dtype=object))

    def numeric(canon: str, what: str) -> tuple[np.ndarray, np.ndarray]:
        series = col(canon)
        nums, bad = _numbers(series)
        if bad.any():
            shown = series.astype("string").fillna("").to_numpy(dtype=object)
            add(bad, column=canon, values=shown, message=f"not a number; expected {what}")
        return nums, bad

    rt, rt_bad = numeric("rt", "a retention time in minutes")
    missing_rt = np.isnan(rt) & ~rt_bad
    add(missing_rt, _problem_text("rt", "", "missing; expected a retention time in minutes"))
    inf_rt = np.isinf(rt)
    add(inf_rt, _problem_text("rt", "inf", "not finite; expected a retention time in minutes"))
    finite = np.isfinite(rt)
    out_rt = finite & ((rt <= 0) | (rt > max_rt))
    add(out_rt, column="rt", values=rt, message=f"out of range; expected 0 < RT ≤ {max_rt:g}")

    volume, vol_bad = numeric("volume", "a peak volume ≥ 0")
    missing_vol = np.isnan(volume) & ~vol_bad
    add(missing_vol, _problem_text("volume", "", "missing; expected a peak volume ≥ 0"))
    bad_vol = np.isinf(volume) | (np.isfinite(volume) & (volume < 0))
    add(bad_vol, column="volume", values=volume, message="expected a finite peak volume ≥ 0")

    if "log_p" in mapping:
        log_p, _ = numeric("log_p", "a Log P value (or leave the cell empty to estimate it)")
        inf_lp = np.isinf(log_p)
        add(inf_lp, _problem_text("log_p", "inf", "not finite; expected a Log P value"))
        log_p = np.where(np.isfinite(log_p), log_p, np.nan)
    else:
        log_p = np.full(n, np.nan)

    if "anchor" in mapping:
        anchor_col = col("anchor")
        if pd.api.types.is_bool_dtype(anchor_col.dtype):
            is_anchor = anchor_col.fillna(False).to_numpy(dtype=bool)
        else:
            # a handful of distinct words: normalise each once
            a_codes, a_uniques = pd.factorize(anchor_col.astype(object), use_na_sentinel=True)
            words = np.array(
                ["" if pd.isna(u) else str(u).strip().lower() for u in a_uniques] + [""],
                dtype=object,
            )
            is_true = np.isin(words, list(TRUE_WORDS))
            is_known = is_true | np.isin(words, list(FALSE_WORDS))
            is_anchor = is_true[a_codes]
            unknown = ~is_known[a_codes]
            if unknown.any():
                shown = anchor_col.astype("string").fillna("").to_numpy(dtype=object)
                add(
                    unknown,
                    column="anchor",
                    values=shown,
                    message="expected T/F, true/false, 1/0 or yes/no",
                )
    else:
        is_anchor = np.zeros(n, dtype=bool)

    joined = np.full(n, "", dtype=object)
    if len(problems) == 1:
        joined = problems[0]
    elif problems:
        stacked = np.vstack(problems)
        for i in np.flatnonzero((stacked != "").any(axis=0)):
            joined[i] = "; ".join(p for p in stacked[:, i] if p)
    problem_series = pd.Series(joined, dtype=object)

    frame = pd.DataFrame(
        {
            "row": np.arange(1, n + 1, dtype=np.int64),
            "name": names_arr,
            "rt": np.where(np.isfinite(rt), rt, np.nan),
            "volume": np.where(np.isfinite(volume), volume, np.nan),
            "log_p": log_p,
            "is_anchor": is_anchor,
        }
    )
    used = set(mapping.values())
    reserved = set(frame.columns)
    for pos, head in enumerate(header):
        if pos in used:
            continue
        out_name = head if head and head not in reserved else f"input_{head or pos + 1}"
        frame[out_name] = raw.iloc[:, pos].to_numpy()
    warnings: list[str] = []
    n_bad = int((problem_series != "").sum())
    if n_bad:
        examples = [
            f"row {i + 1}: {problem_series.iat[i]}"
            for i in np.flatnonzero(problem_series.to_numpy() != "")[:MAX_PROBLEMS_SHOWN]
        ]
        warnings.append(
            f"{label}: {n_bad} row(s) cannot be used and are marked invalid, e.g. "
            + " | ".join(examples)
        )
    if n_bad == n:
        raise InputError(
            f"no usable row: all {n} data rows have problems, e.g. "
            + " | ".join(
                f"row {r}: {p}" for r, p in zip(frame["row"][:3], problem_series[:3], strict=True)
            ),
            file=label,
        )
    return Table(
        frame=frame,
        problems=problem_series,
        warnings=warnings,
        source=label,
        name_codes=name_codes,
        distinct_names=np.asarray(distinct_names, dtype=object),
    )
