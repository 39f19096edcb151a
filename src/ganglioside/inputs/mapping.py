"""Tables of any other tool, read through an explicit column mapping.

``name=Metabolite,rt="RT (min)",volume=Area`` (the command line's ``--columns``) or
``{"name": "Metabolite", "rt": "RT (min)", "volume": "Area"}`` (the library's ``columns=``)
says which column gives what.  Keys: ``name``, ``rt``, ``volume`` (also ``area``), ``log_p``,
``anchor`` and ``class`` (a lipid class column used to pick the gangliosides).  A required
column left out of the mapping is found by the usual header matching.  Like an export, only
the ganglioside rows are analysed; the others are counted (:mod:`.classes`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError, excerpt, listed
from .classes import GANGLIOSIDE, NOT_ANNOTATED, OTHER_CLASS, classify_annotations
from .columns import ALIASES, DISPLAY, normalise_header
from .export import EXAMPLES_SHOWN, Export, SampleTable, class_counts, reading_of
from .files import RawTable
from .headers import position, source_rows

#: The format name of a table read through a mapping.
MAPPED = "columns mapping"
#: Mapping key → canonical column ("class" is not one: it only picks rows).
KEYS = {
    "name": "name",
    "rt": "rt",
    "volume": "volume",
    "area": "volume",
    "log_p": "log_p",
    "logp": "log_p",
    "anchor": "anchor",
    "class": "class",
}


def parse_columns(columns: str | Mapping[str, str]) -> dict[str, str]:
    """Canonical key → column header, from text (``name=Metabolite,rt="RT (min)"``) or a dict.

    Raises
    ------
    ConfigError
        When an item is not ``key=column``, a key is unknown or given twice, or a column is
        empty.
    """
    items = _items(columns) if isinstance(columns, str) else list(columns.items())
    mapping: dict[str, str] = {}
    for key, header in items:
        canon = KEYS.get(str(key).strip().lower().replace(" ", "_"))
        if canon is None:
            raise ConfigError(
                f"columns: unknown key {key!r}; expected name, rt, volume, log_p, anchor or class"
            )
        if canon in mapping:
            raise ConfigError(f"columns: {key!r} is given twice")
        if not str(header).strip():
            raise ConfigError(f"columns: {key!r} names no column; write {key}=COLUMN")
        mapping[canon] = str(header).strip()
    return mapping


def _items(text: str) -> list[tuple[str, str]]:
    """``a=x,b="y, z"`` → [("a", "x"), ("b", "y, z")] (quotes keep commas in a header)."""
    items = []
    for cell in _split_items(text):
        key, sep, header = cell.partition("=")
        if not sep:
            raise ConfigError(f'columns: {cell!r} is not KEY=COLUMN, e.g. rt="RT (min)"')
        items.append((key.strip(), header.strip().strip('"').strip("'")))
    return items


def _split_items(text: str) -> list[str]:
    """``text`` split at the commas outside double or single quotes."""
    cells: list[str] = []
    current: list[str] = []
    quote = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            cells.append("".join(current))
            current = []
            continue
        current.append(char)
    cells.append("".join(current))
    return [cell for cell in cells if cell.strip()]


def _position(raw: RawTable, key: str, header: str) -> int:
    pos = position(raw, header)
    if pos is None:
        pos = next(
            (
                i
                for i, h in enumerate(raw.header)
                if normalise_header(h) == normalise_header(header)
            ),
            None,
        )
    if pos is None:
        raise InputError(
            f"the column {excerpt(header)!r} given for {key} is not in the file; its columns are: "
            + listed(raw.header),
            file=raw.source,
            column=header,
        )
    return pos


def mapped_export(raw: RawTable, mapping: Mapping[str, str]) -> Export:
    """``raw`` read through ``mapping``: mapped columns renamed canonically, ganglioside rows
    picked, and the other columns kept (renamed ``… (input)`` where they would be read as a
    mapped column)."""
    positions = {key: _position(raw, key, header) for key, header in mapping.items()}
    names = raw.cells.iloc[:, positions["name"]] if "name" in positions else _name_cells(raw)
    classes = raw.cells.iloc[:, positions["class"]] if "class" in positions else None
    kinds = classify_annotations(names, classes)
    keep = np.flatnonzero(kinds == GANGLIOSIDE)
    header = _renamed_header(raw.header, positions)
    cells = raw.cells.iloc[keep].reset_index(drop=True)
    cells[len(header)] = source_rows(raw)[keep]
    table = RawTable(cells, [*header, "source_row"], raw.source, warnings=raw.warnings)
    other = names[kinds == OTHER_CLASS].astype(str)
    return Export(
        format=MAPPED,
        source=raw.source,
        samples={"": SampleTable(raw=table, columns=dict(mapping))},
        n_features=len(kinds),
        n_not_annotated=int((kinds == NOT_ANNOTATED).sum()),
        n_other_classes=len(other),
        other_class_examples=tuple(other.drop_duplicates().iloc[:EXAMPLES_SHOWN]),
        reading=reading_of(raw),
        other_class_counts=class_counts(names, classes, kinds),
    )


def _name_cells(raw: RawTable) -> pd.Series:
    pos = next(
        (i for i, h in enumerate(raw.header) if ALIASES.get(normalise_header(h)) == "name"), None
    )
    if pos is None:
        raise InputError(
            "no name column: map one with name=COLUMN; the file's columns are: "
            + listed(raw.header),
            file=raw.source,
        )
    return raw.cells.iloc[:, pos]


def _renamed_header(header: list[str], positions: Mapping[str, int]) -> list[str]:
    """Mapped columns get their canonical header; another column that the header matching
    would read as a mapped one keeps its name with `` (input)`` after it."""
    by_position = {pos: key for key, pos in positions.items()}
    mapped = set(positions)
    out = []
    for pos, head in enumerate(header):
        key = by_position.get(pos)
        if key is not None and key in DISPLAY:
            out.append(DISPLAY[key])
        elif ALIASES.get(normalise_header(head)) in mapped:
            out.append(f"{head} (input)")
        else:
            out.append(head)
    return out
