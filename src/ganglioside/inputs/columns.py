"""Recognising columns: which input column gives Name, RT, Volume, Log P and Anchor.

Headers are matched loosely (case, spaces, underscores, dots, dashes, brackets and slashes
ignored) against :data:`ALIASES`.  A table that does not give each canonical column exactly
once, or that gives two columns the same header, cannot be used.
"""

from __future__ import annotations

import re

from ..errors import InputError, listed
from .files import RawTable

#: Canonical columns every table must give.
REQUIRED = ("name", "rt", "volume")

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
#: Canonical column → how it is named in messages.
DISPLAY = {"name": "Name", "rt": "RT", "volume": "Volume", "log_p": "Log P", "anchor": "Anchor"}


def normalise_header(text: object) -> str:
    """A header reduced to what :data:`ALIASES` is keyed by."""
    return re.sub(r"[\s_.\-()/]+", "", str(text).replace("\ufeff", "")).lower()


def map_columns(raw: RawTable) -> dict[str, int]:
    """Canonical column → its position in ``raw``.

    Raises
    ------
    InputError
        When a canonical column is given twice, a required one is missing, two columns share a
        header, or the table has no data rows.
    """
    mapping = _recognise(raw.header, raw.source)
    missing = [DISPLAY[c] for c in REQUIRED if c not in mapping]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)}; found {listed(raw.header)}; "
            "expected Name, RT, Volume and optionally Log P and Anchor",
            file=raw.source,
        )
    _refuse_repeated_headers(raw.header, raw.source)
    if len(raw.cells) == 0:
        raise InputError("the table has a header but no data rows", file=raw.source)
    return mapping


def _recognise(header: list[str], source: str) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for pos, head in enumerate(header):
        canon = ALIASES.get(normalise_header(head))
        if canon is None:
            continue
        if canon in mapping:
            first = header[mapping[canon]]
            raise InputError(
                f"columns {first!r} and {head!r} both give {DISPLAY[canon]}; keep only one",
                file=source,
                column=head,
            )
        mapping[canon] = pos
    return mapping


def _refuse_repeated_headers(header: list[str], source: str) -> None:
    seen: dict[str, int] = {}
    for head in header:
        seen[head] = seen.get(head, 0) + 1
    dupes = [h for h, n in seen.items() if n > 1]
    if dupes:
        raise InputError(
            f"column name(s) {dupes} appear more than once; every column needs its own name",
            file=source,
            column=dupes[0],
        )
