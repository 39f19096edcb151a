"""Exports of other software: recognised by their columns and read sample by sample.

A reader of one tool's export is a module of this package listed in :data:`EXPORT_FORMATS`:
an object with a ``name``, a ``header_row(top)`` that finds its header among the first rows
of a file (exports may have metadata rows or a preamble above it), a ``recognises(raw)`` test
on the header found, and a ``read(raw)`` that returns an :class:`~.export.Export` (one
canonical table per sample).  :func:`read_export` tries them in order; a table no format
recognises is read as it is (one table with Name, RT, Volume …), and a caller's explicit
column mapping (:mod:`.mapping`) wins over both.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..errors import InputError
from .export import Export, plain_export
from .files import RawTable, decode_text, read_cells
from .lipidsearch import LIPIDSEARCH
from .mapping import mapped_export, parse_columns
from .msdial import MSDIAL_ALIGNMENT, MSDIAL_PEAK_LIST
from .mzmine import MZMINE2, MZMINE3
from .mztab import is_mztab, read_mztab
from .skyline import SKYLINE


class ExportFormat(Protocol):
    """One tool's export format."""

    @property
    def name(self) -> str:
        """The format as messages and summaries name it, e.g. ``"MS-DIAL alignment"``."""
        ...

    def header_row(self, top: list[list[str]]) -> int | None:
        """Index of this format's header among the first rows of a file, or None."""
        ...

    def recognises(self, raw: RawTable) -> bool:
        """Whether ``raw`` (header and cells as read) is an export of this tool."""
        ...

    def read(self, raw: RawTable) -> Export:
        """The export's samples, each as a canonical table."""
        ...


#: Tool-specific formats, tried in order.
EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    MSDIAL_ALIGNMENT,
    MSDIAL_PEAK_LIST,
    LIPIDSEARCH,
    MZMINE3,
    MZMINE2,
    SKYLINE,
)


def find_header(top: list[list[str]]) -> int | None:
    """Where the header is among a file's first rows: the first format that finds its own."""
    for export in EXPORT_FORMATS:
        found = export.header_row(top)
        if found is not None:
            return found
    return None


def recognise(raw: RawTable) -> ExportFormat | None:
    """The first listed format that recognises ``raw``, or None."""
    for export in EXPORT_FORMATS:
        if export.recognises(raw):
            return export
    return None


def _is_mztab_file(path: Path) -> bool:
    """Whether ``path`` is an mzTab file (its first lines are ``MTD`` lines)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return False  # read_cells says why
    if not head.strip() or head.startswith(b"PK"):
        return False
    try:
        return is_mztab(decode_text(head, path.name).text)
    except InputError:  # binary: read_cells says why
        return False


def _read_mztab_file(path: Path) -> Export:
    decoded = decode_text(path.read_bytes(), path.name)
    export = read_mztab(decoded.text, path.name)
    return export


def read_export(
    source: str | Path | pd.DataFrame | Export,
    columns: str | Mapping[str, str] | None = None,
) -> Export:
    """Read a feature table or an instrument export into one canonical table per sample.

    Parameters
    ----------
    source:
        A CSV, TSV, TXT or XLSX file, an mzTab-M 2.0 file (:mod:`.mztab`), a DataFrame, or
        an :class:`Export` already read.
    columns:
        Which column gives what, e.g. ``{"name": "Metabolite", "rt": "RT (min)", "volume":
        "Area"}`` or the same as text ``"name=Metabolite,rt=RT (min),volume=Area"``; keys
        ``name``, ``rt``, ``volume``, ``log_p``, ``anchor`` and ``class``.  When given, the file
        is read as one table with those columns, whatever its format.

    Returns
    -------
    Export
        The format recognised, the samples, and per sample a table with the canonical columns
        (``Export.frame(sample)``), its metadata and the export's quality columns.

    Raises
    ------
    InputError
        When the file cannot be read, or a mapped column is not in it (the message lists the
        file's columns).
    ConfigError
        When ``columns`` is not a valid mapping.
    """
    if isinstance(source, Export):
        return source
    mapping = parse_columns(columns) if columns is not None else None
    if mapping is None and not isinstance(source, pd.DataFrame) and _is_mztab_file(Path(source)):
        return _read_mztab_file(Path(source))
    raw = read_cells(source, find_header=find_header)
    if mapping is not None:
        return mapped_export(raw, mapping)
    export = recognise(raw)
    return export.read(raw) if export is not None else plain_export(raw)
