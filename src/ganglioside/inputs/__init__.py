"""Reading feature tables: files → cells → canonical columns → checked values.

:func:`read_table` turns a CSV/TSV/XLSX file or a DataFrame into a clean frame with the columns
``row, name, rt, volume, log_p, is_anchor`` (plus any extra input columns) and a per-row list of
problems.  A row with a problem is kept and reported (it becomes ``invalid``); a problem with the
whole file raises :class:`~ganglioside.errors.InputError`.

Modules, in the order a table goes through them:

``files``
    bytes of a CSV, TSV or XLSX file (or a DataFrame) → a :class:`~.files.RawTable` of cells.
``formats``
    where readers of other software's exports go: each recognises its tool's columns and
    renames (or derives) them as the canonical ones.
``columns``
    which column gives Name, RT, Volume, Log P and Anchor (loose header matching).
``checks``
    one small check per canonical column, each recording row-level problems in one collector.
``reader``
    :func:`read_table`, which runs those steps and builds the :class:`Table`.
"""

from __future__ import annotations

from .reader import Table, read_table

__all__ = ["Table", "read_table"]
