"""The first stages: parse the names, then the per-row numbers and masks the rules share.

Names are parsed once per distinct name; every row takes its name's values through an integer
code (numbers by a gather of small integers, texts as categoricals sharing the name's code).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import per_row_text
from ..errors import InputError
from ..group_keys import format_group_key
from ..logp import LogPAssignment
from ..names import INT_FIELDS, TEXT_FIELDS, composition_frame
from ..table import Table

#: Composition texts given to every row (``parse_error`` stays per name).
COMPOSITION_TEXT = (*TEXT_FIELDS[1:], "formula")


@dataclass(frozen=True)
class ParsedNames:
    """The parsed names of a table: per distinct name, and given to every row."""

    name_codes: np.ndarray  # per row: index into distinct_names
    distinct_names: np.ndarray  # object array, in order of first appearance
    composition: pd.DataFrame  # per distinct name: names.composition_frame
    per_row: pd.DataFrame  # per row: INT_FIELDS (int16) and COMPOSITION_TEXT (categoricals)
    problems: np.ndarray  # per row: the table's problems and the name's error ("" when none)
    parsed: np.ndarray  # per row: the name was parsed

    @property
    def ok(self) -> np.ndarray:
        """Rows with no problem in the table and a parsed name."""
        return (self.problems == "") & self.parsed


def parse_names(table: Table) -> ParsedNames:
    """Parse each distinct name once and give every row its name's composition.

    Raises
    ------
    InputError
        When no row has both clean values and a parsed name.
    """
    frame = table.frame
    if table.name_codes is not None and table.distinct_names is not None:
        codes, distinct = table.name_codes, table.distinct_names
    else:
        codes, uniques = pd.factorize(frame["name"], sort=False)
        distinct = np.asarray(uniques, dtype=object)
    composition = composition_frame(list(distinct))
    name_error = composition["parse_error"].fillna("").to_numpy(dtype=object)
    per_row = pd.DataFrame(
        {c: composition[c].fillna(0).to_numpy(dtype=np.int16)[codes] for c in INT_FIELDS}
    )
    for c in COMPOSITION_TEXT:
        per_row[c] = per_row_text(composition[c].to_numpy(dtype=object), codes)
    parsed = (name_error == "")[codes]
    problems = _with_name_errors(table.problems.to_numpy(dtype=object), name_error, codes, distinct)
    names = ParsedNames(codes, distinct, composition, per_row, problems, parsed)
    if not names.ok.any():
        n = len(frame)
        shown = " | ".join(f"row {i + 1}: {problems[i]}" for i in range(min(n, 3)))
        raise InputError(f"no usable row in {n} data rows, e.g. {shown}", file=table.source)
    return names


def _with_name_errors(
    problems: np.ndarray, name_error: np.ndarray, codes: np.ndarray, distinct: np.ndarray
) -> np.ndarray:
    """The rows' problems with the error of their (non-empty) name added."""
    bad_name = np.flatnonzero((name_error != "")[codes] & (distinct[codes] != ""))
    if not bad_name.size:
        return problems
    problems = problems.copy()
    problems[bad_name] = [
        (p + "; " if p else "") + f"column 'Name': {e}"
        for p, e in zip(problems[bad_name], name_error[codes[bad_name]], strict=True)
    ]
    return problems


def species_keys(composition: pd.DataFrame) -> np.ndarray:
    """Per distinct name, its species key ``group|ceramide`` (``|`` when unparsed)."""
    return np.array(
        [
            format_group_key(group, ceramide)
            for group, ceramide in zip(
                composition["group_key"].fillna(""), composition["ceramide"].fillna(""), strict=True
            )
        ],
        dtype=object,
    )


@dataclass(frozen=True)
class Rows:
    """Per row (positional): the numbers and masks the rules share."""

    row: np.ndarray  # 1-based data row numbers
    rt: np.ndarray
    volume: np.ndarray
    log_p: np.ndarray  # as assigned (given or estimated)
    is_anchor: np.ndarray  # marked as an anchor, on rows that are not invalid
    invalid: np.ndarray  # a problem in the table or an unparsed name
    usable: np.ndarray  # not invalid and with a Log P: takes part in the rules
    anchors: np.ndarray  # usable anchors: the RT model is fitted on them
    group_code: np.ndarray  # code of the RT group (group_key)


def shared_rows(frame: pd.DataFrame, names: ParsedNames, logp: LogPAssignment) -> Rows:
    """The numbers and masks of every row, from the clean table, its names and its Log P."""
    ok = names.ok
    usable = ok & np.isfinite(logp.log_p)
    is_anchor = frame["is_anchor"].to_numpy(dtype=bool) & ok
    group_keys = names.composition["group_key"].fillna("").to_numpy(dtype=object)
    return Rows(
        row=frame["row"].to_numpy(),
        rt=frame["rt"].to_numpy(dtype=float),
        volume=frame["volume"].to_numpy(dtype=float),
        log_p=logp.log_p,
        is_anchor=is_anchor,
        invalid=~ok,
        usable=usable,
        anchors=usable & is_anchor,
        group_code=pd.factorize(group_keys)[0][names.name_codes],
    )


def rule_frame(names: ParsedNames, rows: Rows) -> pd.DataFrame:
    """One frame of composition and numbers per row, as the rules read it (positional).

    The columns share the arrays of ``names.per_row`` and ``rows`` (no copies).
    """
    ceramides = names.composition["ceramide"].to_numpy(dtype=object)
    numbers = {
        "rt": rows.rt,
        "volume": rows.volume,
        "is_anchor": rows.is_anchor,
        "log_p": rows.log_p,
        "ceramide_code": pd.factorize(ceramides)[0].astype(np.int32)[names.name_codes],
        "group_code": rows.group_code,
    }
    return pd.concat([names.per_row, pd.DataFrame(numbers, copy=False)], axis=1)
