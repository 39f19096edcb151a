"""Reading feature tables: files → cells → canonical columns → checked values.

:func:`read_export` reads a file (or a DataFrame) into an :class:`Export`: the format
recognised and one canonical table per sample.  :func:`read_table` turns one of them (a plain
table, or one sample of an export) into a clean frame with the columns ``row, name, rt, volume,
log_p, is_anchor`` (plus any extra input columns) and a per-row list of problems.  A row with
a problem is kept and reported (it becomes ``invalid``); a problem with the whole file raises
:class:`~ganglioside.errors.InputError`.

Modules, in the order a table goes through them:

``files``
    bytes of a CSV, TSV or XLSX file (or a DataFrame) → a :class:`~.files.RawTable` of cells:
    the separator sniffed outside brackets, the header found below metadata rows or a preamble,
    decimal commas rewritten (``decimals``).
``formats``
    readers of other software's exports (``msdial``, ``lipidsearch``, ``mzmine``, ``skyline``,
    and ``mapping`` for a caller's explicit column mapping): each recognises its tool's columns
    and turns every sample into a canonical table (``export``), keeping the gangliosides
    (``classes``) and the tool's quality columns as evidence.
``columns``
    which column gives Name, RT, Volume, Log P and Anchor (loose header matching).
``checks``
    one small check per canonical column, each recording row-level problems in one collector.
``reader``
    :func:`read_table`, which runs those steps and builds the :class:`Table`.
"""

from __future__ import annotations

from .export import Export, SampleTable
from .formats import read_export
from .reader import Table, read_table

__all__ = ["Export", "SampleTable", "Table", "read_export", "read_table"]
