"""Exports of other software: recognised by their header and turned into the canonical table.

A reader for one tool's export (MS-DIAL, LipidSearch, MZmine, Skyline, ...) goes in a module of
its own in this package and is listed in :data:`EXPORT_FORMATS`.  It is an object with a
``name``, a ``recognises(raw)`` test on the cells as read, and a ``to_canonical(raw)`` that
returns a :class:`~.files.RawTable` whose headers name the canonical columns (``Name``, ``RT``,
``Volume`` and optionally ``Log P`` and ``Anchor``), plus whatever other columns it keeps.
From there the table goes through the same column matching (:mod:`.columns`) and value checks
(:mod:`.checks`) as any other.  A table that no listed format recognises is read as it is.
"""

from __future__ import annotations

from typing import Protocol

from .files import RawTable


class ExportFormat(Protocol):
    """One tool's export format."""

    name: str

    def recognises(self, raw: RawTable) -> bool:
        """Whether ``raw`` (header and cells as read) is an export of this tool."""
        ...

    def to_canonical(self, raw: RawTable) -> RawTable:
        """The same table with its columns named (or derived) as the canonical ones."""
        ...


#: Tool-specific formats, tried in order; none yet (generic tables only).
EXPORT_FORMATS: tuple[ExportFormat, ...] = ()


def to_canonical(raw: RawTable) -> RawTable:
    """``raw`` mapped by the first format of :data:`EXPORT_FORMATS` that recognises it."""
    for export in EXPORT_FORMATS:
        if export.recognises(raw):
            return export.to_canonical(raw)
    return raw
