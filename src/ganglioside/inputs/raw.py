"""A table as read (:class:`RawTable`: its cells, before any column is recognised) and the
bounds of reading (:class:`ReadLimits`), shared by the readers of delimited text
(:mod:`.delimited`) and of workbooks (:mod:`.workbooks`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import pandas as pd

from ..errors import InputError

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How large a table may be.  Each default can be changed by an environment variable
    (:meth:`from_environ`), read by the command line and the web platform alike.

    Attributes
    ----------
    max_rows:
        Data rows (the header not counted); ``GANGLIOSIDE_MAX_ROWS``, default 1,000,000.
    max_columns:
        Columns; ``GANGLIOSIDE_MAX_COLUMNS``, default 1,000.
    max_cell_chars:
        Characters of one cell; a longer cell is cut and its row marked invalid
        (``GANGLIOSIDE_MAX_CELL_CHARS``, default 1,000).
    max_unpacked_mb:
        Size of a workbook's parts once unpacked (XLSX is a zip of XML), in MB;
        ``GANGLIOSIDE_MAX_UNPACKED_MB``, default 100.
    """

    max_rows: int = 1_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 1_000
    max_unpacked_mb: float = 100.0

    ENVIRONMENT = {
        "max_rows": "GANGLIOSIDE_MAX_ROWS",
        "max_columns": "GANGLIOSIDE_MAX_COLUMNS",
        "max_cell_chars": "GANGLIOSIDE_MAX_CELL_CHARS",
        "max_unpacked_mb": "GANGLIOSIDE_MAX_UNPACKED_MB",
    }

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        """The defaults, replaced by the environment variables that are set.

        Raises
        ------
        ValueError
            A variable is not a positive number (the message names it).
        """
        environ = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for field in fields(cls):
            text = (environ.get(cls.ENVIRONMENT[field.name]) or "").strip()
            if not text:
                continue
            kind = float if field.name == "max_unpacked_mb" else int
            try:
                number = kind(text)
            except ValueError:
                number = 0
            if not number > 0:
                raise ValueError(
                    f"environment variable {cls.ENVIRONMENT[field.name]} is {text!r}; "
                    "expected a number > 0"
                )
            values[field.name] = number
        return cls(**values)  # type: ignore[arg-type]

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * MB)


#: Separators a text table may use, in the order ties are broken.
SEPARATORS = (",", "\t", ";")
#: Lines looked at to sniff the separator and to find the header row, and the characters of
#: each line looked at.
TOP_LINES = 40
TOP_CHARS = 65_536

#: ``find_header(rows)``: the index of the header among the first rows of a file (each a list
#: of cells), or None when the first row is the header.
HeaderFinder = Callable[[list[list[str]]], "int | None"]


@dataclass(frozen=True)
class RawTable:
    """The cells of a table as read, before any column is recognised.

    Attributes
    ----------
    cells:
        One row per data row; columns are the positions ``0 .. k-1`` for a file, or the
        columns of the DataFrame given; every cell of a file is kept as the text it was.
    header:
        The header text of each column, in order.
    source:
        How the table is named in messages (the file name, or ``<DataFrame>``).
    """

    cells: pd.DataFrame
    header: list[str]
    source: str
    #: Rows above the header (metadata rows, a preamble), each a tuple of its cells.
    above: tuple[tuple[str, ...], ...] = ()
    #: The separator of a text file (None for a workbook or a DataFrame).
    separator: str | None = None
    #: ``","`` when numbers written with a decimal comma were rewritten with a point.
    decimal: str = "."
    #: 1-based line (sheet row) of the header in the file.
    header_line: int = 1
    #: File-level warnings of the reading (a file that was not UTF-8).
    warnings: tuple[str, ...] = ()
    #: The text encoding the file was read with (None for a workbook or a DataFrame).
    encoding: str | None = None


def check_shape(n_columns: int, n_rows: int, source: str, limits: ReadLimits) -> None:
    if n_columns > limits.max_columns:
        raise InputError(
            f"the table has {n_columns:,} columns; at most {limits.max_columns:,} are accepted "
            "(GANGLIOSIDE_MAX_COLUMNS); keep the columns the analysis needs",
            file=source,
        )
    if n_rows > limits.max_rows:
        raise InputError(
            f"the table has more than {limits.max_rows:,} data rows, the most accepted "
            "(GANGLIOSIDE_MAX_ROWS); split it into several tables",
            file=source,
        )
