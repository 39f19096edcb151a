"""Keys that refine an RT group key, written ``group|qualifier``.

The RT model reports name an isomer track of a group ``GD1|late`` (intercept and track-offset
keys of :class:`~ganglioside.result.ModelReport`); the analysis keys a species by its group
and ceramide, ``GD1+OAc|36:1;O2``.  Both are built by :func:`format_group_key` and read back by
:func:`parse_group_key`, so the separator is written in one place.
"""

from __future__ import annotations

#: Between the group key and its qualifier (a group key never contains it).
SEPARATOR = "|"


def format_group_key(group: str, qualifier: str) -> str:
    """``group|qualifier``, e.g. ``format_group_key("GD1", "late") == "GD1|late"``."""
    return f"{group}{SEPARATOR}{qualifier}"


def parse_group_key(key: str) -> tuple[str, str]:
    """The group key and its qualifier; the qualifier is "" for a bare group key."""
    group, _, qualifier = key.partition(SEPARATOR)
    return group, qualifier
