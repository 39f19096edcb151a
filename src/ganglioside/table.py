"""Where :func:`read_table` was first defined; it now lives in :mod:`ganglioside.inputs`."""

from __future__ import annotations

from .inputs import Table, read_table

__all__ = ["Table", "read_table"]
